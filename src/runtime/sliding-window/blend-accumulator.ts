/**
 * Gaussian / constant blending of window predictions into the output ([Cout, ...spatial]) and
 * the final division by the sum of blend weights. Two implementations of one arithmetic:
 * - wasm (default, wasm-blend.ts): the output lives in a kernel arena (core/volume-kernels.ts) and windows are
 *   added by the SIMD `accumulate` kernel; the result is a view of the arena memory (no copy);
 *   above the crossover the arena is a shared memory and batches of windows and the
 *   normalisation run on the kernel threads, split along axis 0 (postprocess/common/blend-slabs.ts);
 *   with overlapWindows (default where threads are) a batch is only started on the workers and
 *   waited for at the next call: it is added while the caller runs the next window's session.run;
 * - JavaScript loops (js-blend.ts), where WebAssembly SIMD or the memory for the arena is unavailable.
 * The normaliser is never a second output-sized map: it is rebuilt from the window grid
 * (separable profiles when the blend map factorises, else tile by tile).
 */
import { createKernelArena } from '../../core/volume-kernels.js';
import { planThreads } from '../../core/threads/slab-pool.js';
import { BLEND_CROSSOVER } from '../../postprocess/common/blend-slabs.js';
import type { BandLabelling } from '../../postprocess/segmentation/band-finish.js';
import type { BlendMap } from './importance.js';
import { JsBlend } from './js-blend.js';
import { WasmBlend } from './wasm-blend.js';
import type { Grid } from './window-grid.js';

export type { BandLabelling } from '../../postprocess/segmentation/band-finish.js';

export interface BlendAccumulator {
  /**
   * Adds the batch `pred` ([B, Cout, roi]); window b starts at `starts[b]` (padded coordinates).
   * `owned`: pred is the caller's to give away (a model's fresh output): where it owns its whole
   * ArrayBuffer and the add runs on a worker, the buffer is transferred to it (detached here)
   * instead of copied into the arena on this thread.
   */
  add(pred: Float32Array, starts: readonly (readonly number[])[], owned?: boolean): void;
  /** Divides by the summed weights and returns the output (Cout x spatial, planar). */
  finish(): Float32Array;
  /**
   * Banded use (runSlidingWindowSlabs: the accumulator's grid is a band of planes along axis 0,
   * band plane p = image plane p + `offset`): divides band planes [from, to) by their weight sums
   * over every window of `full` and copies them to `out` ([Cout, to - from planes], planar).
   * Per element the same arithmetic as finish().
   */
  finishPlanes(from: number, to: number, offset: number, full: Grid, out: Float32Array): void;
  /** Banded use: drops the first `planes` planes of the band; the rest move up, the freed planes are zeroed. */
  shift(planes: number): void;
  /** Starts on the workers what add left queued (overlapWindows): call before the next session.run. */
  flush(): void;
  /**
   * Banded use with overlapWindows, a shared arena and a worker: the queued add, then
   * finishPlanes of each band range of `ranges` labelled through `labelling.spec` into
   * `labelling.labels` (planes ranges[0][0] on), then shift(`shift`), all as one job on a worker
   * (postprocess/segmentation/band-finish.ts). Returns its wait (also run by the accumulator's
   * next call; rethrows a worker's failure as a typed error), or null where it cannot be started
   * (the caller then finishes the planes itself). `beside`: nothing is queued (a finishPlanes
   * settled the add) and the caller finishes other planes with finishPlanes (single-threaded)
   * while the job runs, then calls the wait before any other use: the wait is not made the
   * accumulator's own, so those finishPlanes do not wait for the job.
   */
  startFinishPlanes?(
    ranges: readonly (readonly [number, number])[],
    offset: number,
    full: Grid,
    shift: number,
    labelling: BandLabelling,
    beside?: boolean,
  ): (() => void) | null;
}

/**
 * `scale` multiplies every prediction (1 / number of mirror combinations). `batchElements` is
 * the largest pred length that will be added.
 */
export function createBlendAccumulator(grid: Grid, outChannels: number, map: BlendMap, scale: number, batchElements: number): BlendAccumulator {
  const weights = map.weights;
  const spatial = grid.size[0]! * grid.size[1]! * grid.size[2]!;
  const [s0, s1, s2] = grid.size as [number, number, number];
  // On shared memory where its passes will be threaded: the kernel threads then work on it in place.
  const shared = planThreads(outChannels * spatial, s0, undefined, BLEND_CROSSOVER) > 1;
  const arena = createKernelArena([weights.length * 4, batchElements * 4, outChannels * spatial * 4, s0 * s1 * 4, s2 * 4], { shared });
  return arena !== null ? new WasmBlend(arena, grid, outChannels, map, scale) : new JsBlend(grid, outChannels, map, scale);
}
