/**
 * One slab job as a worker receives it, and how a worker runs it (shared by the Node and browser
 * worker entries). All signalling goes through shared memory, so the caller, blocked in
 * Atomics.wait, reads the outcome without an event loop: `ctrl[slot]` 0 pending, 3 taken by the
 * worker, 1 done, 2 failed, 4 taken back by the caller; `results[slot]` the slab's count; on failure the message's UTF-16 code units in
 * `errors[slot * ERROR_CHARS ...]` (zero-terminated, cut to ERROR_CHARS - 1).
 */
import type { SlabKernel } from './slab-pool.js';

export const ERROR_CHARS = 256;
/**
 * A job no worker has started after this long is run by the caller itself: a message that is
 * never delivered (a stuck or dead worker) costs time, never a hang. Started jobs are waited for.
 */
export const CLAIM_AFTER_MS = 500;

export interface SlabJob {
  readonly name: string;
  readonly args: unknown;
  readonly k0: number;
  readonly k1: number;
  readonly ctrl: Int32Array;
  readonly results: Float64Array;
  readonly errors: Uint16Array;
  readonly slot: number;
}

/** Control, result and error words for `slots` jobs, on shared memory. */
export function jobSignals(slots: number): Pick<SlabJob, 'ctrl' | 'results' | 'errors'> {
  return {
    ctrl: new Int32Array(new SharedArrayBuffer(4 * slots)),
    results: new Float64Array(new SharedArrayBuffer(8 * slots)),
    errors: new Uint16Array(new SharedArrayBuffer(2 * ERROR_CHARS * slots)),
  };
}

/**
 * Runs one posted job with the kernel of its name from `kernels`: the worker entry's table
 * (postprocess/threads/slab-kernels.ts), passed in so that this layer names no kernel itself.
 */
export function runSlabJob(job: SlabJob, kernels: Readonly<Record<string, SlabKernel<never>>>): void {
  // Taken back by a caller that waited too long: it runs (or ran) this slab itself.
  if (Atomics.compareExchange(job.ctrl, job.slot, 0, 3) !== 0) return;
  let state = 1;
  try {
    const kernel = kernels[job.name];
    if (kernel === undefined) throw new Error(`no kernel '${job.name}' in the worker's table`);
    job.results[job.slot] = kernel.run(job.args as never, job.k0, job.k1);
  } catch (error) {
    state = 2;
    const text = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_CHARS - 1);
    const at = job.slot * ERROR_CHARS;
    for (let c = 0; c < text.length; c++) job.errors[at + c] = text.charCodeAt(c);
    job.errors[at + text.length] = 0;
  }
  Atomics.store(job.ctrl, job.slot, state);
  Atomics.notify(job.ctrl, job.slot);
}

/**
 * Posts ranges[1..] to `post(slot, job)` and returns the blocking wait (Atomics.wait: Node's main
 * thread and any worker may block; a browser's main thread may not).
 */
export function dispatchSlabJobs(
  name: string,
  args: unknown,
  ranges: readonly (readonly [number, number])[],
  post: (slot: number, job: SlabJob) => void,
  runLocal: (k0: number, k1: number) => number,
): () => number[] {
  const n = ranges.length - 1;
  const signals = jobSignals(n);
  for (let s = 0; s < n; s++) post(s, { name, args, k0: ranges[s + 1]![0], k1: ranges[s + 1]![1], ...signals, slot: s });
  return () => {
    let failure: string | undefined;
    for (let s = 0; s < n; s++) {
      const { ctrl } = signals;
      if (Atomics.wait(ctrl, s, 0, CLAIM_AFTER_MS) === 'timed-out' && Atomics.compareExchange(ctrl, s, 0, 4) === 0) {
        signals.results[s] = runLocal(ranges[s + 1]![0], ranges[s + 1]![1]);
        continue;
      }
      while (Atomics.load(ctrl, s) === 3) Atomics.wait(ctrl, s, 3);
      if (Atomics.load(signals.ctrl, s) === 2 && failure === undefined) {
        const at = s * ERROR_CHARS;
        let end = at;
        while (end < at + ERROR_CHARS && signals.errors[end] !== 0) end++;
        failure = String.fromCharCode(...signals.errors.subarray(at, end));
      }
    }
    if (failure !== undefined) throw new Error(`volume kernel '${name}' failed on a worker thread: ${failure}`);
    return Array.from(signals.results);
  };
}
