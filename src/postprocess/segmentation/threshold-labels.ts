/**
 * A single-channel probability map -> a binary label map (1 where p >= t; NaN gives 0, as the
 * comparison does). Shared-memory input above the crossover runs on the kernel threads
 * (core/threads/), each thread a range of elements: one comparison per voxel, the same bytes at
 * any thread count.
 */
import { isShared, planThreads, runSlabs, sharedArray, type SlabKernel } from '../../core/threads/slab-pool.js';
import type { NumericArray } from '../common/checks.js';
import { LABEL_MAP_CROSSOVER } from './argmax-simd.js';

/** Elements per slab unit. */
const BLOCK = 65536;

interface ThresholdArgs {
  readonly data: Float32Array;
  readonly t: number;
  readonly out: Uint8Array;
}

function thresholdRange(data: NumericArray, t: number, out: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) out[i] = data[i]! >= t ? 1 : 0;
}

export const THRESHOLD_KERNEL: SlabKernel<ThresholdArgs> = {
  name: 'thresholdLabels',
  run: ({ data, t, out }, k0, k1) => {
    thresholdRange(data, t, out, k0 * BLOCK, Math.min(data.length, k1 * BLOCK));
    return 0;
  },
};

export function thresholdLabels(data: NumericArray, t: number): Uint8Array {
  const n = data.length;
  const blocks = Math.ceil(n / BLOCK);
  const threads = data instanceof Float32Array && isShared(data) ? planThreads(n, blocks, undefined, LABEL_MAP_CROSSOVER) : 1;
  if (threads <= 1) {
    const out = new Uint8Array(n);
    thresholdRange(data, t, out, 0, n);
    return out;
  }
  const out = sharedArray(Uint8Array, n);
  runSlabs(THRESHOLD_KERNEL, { data: data as Float32Array, t, out }, blocks, threads);
  return out;
}
