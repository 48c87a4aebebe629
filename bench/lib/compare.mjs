/**
 * SDK pipeline vs bare ONNX Runtime for one case, measured the way issue 11 asks:
 * - timing: one child process holding both, runs alternated (see case.mjs side 'both');
 * - peak RSS: one child per side doing setup + one run, so maxRSS is that side's alone.
 */
import { runNodeCase } from './child.mjs';
import { median } from './stats.mjs';

export async function compareSdkWithOrt(spec, options = {}) {
  const timing = await runNodeCase({ ...spec, side: 'both' }, options);
  const memSdk = await runNodeCase({ ...spec, side: 'sdk', runs: 1, warmup: 0 }, options);
  const memOrt = await runNodeCase({ ...spec, side: 'ort', runs: 1, warmup: 0 }, options);
  const rss = (r) => (r.ok ? Number(r.result.maxRssMB.toFixed(0)) : undefined);
  const errors = [[timing, 'timing'], [memSdk, 'SDK memory run'], [memOrt, 'bare ORT memory run']].filter(([r]) => !r.ok).map(([r, who]) => `${who} failed: ${r.error}`);
  return {
    ok: timing.ok,
    sdkMs: timing.ok ? median(timing.result.sdkTimesMs) : NaN,
    ortMs: timing.ok ? median(timing.result.ortTimesMs) : NaN,
    sdkTimesMs: timing.result?.sdkTimesMs,
    ortTimesMs: timing.result?.ortTimesMs,
    calls: timing.result?.detail?.calls ?? memOrt.result?.detail?.calls ?? '?',
    sdkRssMB: rss(memSdk),
    ortRssMB: rss(memOrt),
    errors,
  };
}
