/**
 * SDK pipeline vs bare ONNX Runtime for one case, measured the way issue 11 asks. Two modes:
 * - 'alternate' (full runs): timing in one child process holding both sides, runs alternated
 *   (see case.mjs side 'both'), then one child per side doing setup + one run for peak RSS;
 * - 'separate' (quick runs): each side in its own child process back to back, its timed runs and
 *   its peak RSS from the same process (two processes per case instead of three, and no extra
 *   untimed runs: what keeps `--quick` within its time budget).
 */
import { runNodeCase } from './child.mjs';
import { median } from './stats.mjs';

let separateCalls = 0;
const rss = (r) => (r?.ok ? Number(r.result.maxRssMB.toFixed(0)) : undefined);

export async function compareSdkWithOrt(spec, options = {}) {
  if (options.mode === 'separate') {
    // Which side runs first alternates from case to case (issue 26: sides alternate in every pair).
    const sdkFirst = separateCalls++ % 2 === 0;
    const first = await runNodeCase({ ...spec, side: sdkFirst ? 'sdk' : 'ort' }, options);
    const second = await runNodeCase({ ...spec, side: sdkFirst ? 'ort' : 'sdk' }, options);
    const [sdk, ort] = sdkFirst ? [first, second] : [second, first];
    const errors = [
      [sdk, 'SDK run'],
      [ort, 'bare ORT run'],
    ]
      .filter(([r]) => !r.ok)
      .map(([r, who]) => `${who} failed: ${r.error}`);
    return {
      ok: sdk.ok && ort.ok,
      mode: 'separate',
      sdkFirst,
      sdkMs: sdk.ok ? median(sdk.result.timesMs) : NaN,
      ortMs: ort.ok ? median(ort.result.timesMs) : NaN,
      sdkTimesMs: sdk.result?.timesMs,
      ortTimesMs: ort.result?.timesMs,
      calls: ort.result?.detail?.calls ?? '?',
      sdkRssMB: rss(sdk),
      ortRssMB: rss(ort),
      errors,
    };
  }
  // options.python: the Python side takes its turn in the same rotation (see case.mjs).
  const timing = await runNodeCase({ ...spec, side: 'both', ...(options.python ? { python: options.python } : {}) }, options);
  const memSdk = await runNodeCase({ ...spec, side: 'sdk', runs: 1, warmup: 0 }, options);
  const memOrt = await runNodeCase({ ...spec, side: 'ort', runs: 1, warmup: 0 }, options);
  const errors = [
    [timing, 'timing'],
    [memSdk, 'SDK memory run'],
    [memOrt, 'bare ORT memory run'],
  ]
    .filter(([r]) => !r.ok)
    .map(([r, who]) => `${who} failed: ${r.error}`);
  return {
    ok: timing.ok,
    mode: 'alternate',
    sdkMs: timing.ok ? median(timing.result.sdkTimesMs) : NaN,
    ortMs: timing.ok ? median(timing.result.ortTimesMs) : NaN,
    sdkTimesMs: timing.result?.sdkTimesMs,
    ortTimesMs: timing.result?.ortTimesMs,
    calls: timing.result?.detail?.calls ?? memOrt.result?.detail?.calls ?? '?',
    sdkRssMB: rss(memSdk),
    ortRssMB: rss(memOrt),
    python: timing.result?.python,
    errors,
  };
}
