/**
 * Sliding-window blending on the kernel threads (core/threads/): the accumulator's output lives
 * in a shared kernel arena (runtime/sliding-window/blend-accumulator.ts), and each thread runs the
 * same SIMD kernels on it in place over a range of output planes (axis 0 of the image):
 * - ACCUMULATE_KERNEL adds a batch of windows, each clipped to the thread's planes, windows in
 *   batch order: every voxel gets the same sums in the same order as single-threaded (one
 *   f32 multiply and add per window, no fused operations), and no two threads write a voxel;
 * - SCALE_ROWS_KERNEL divides by the separable weight sums (the rows of the thread's planes),
 *   NORMALISE_TILES_KERNEL by the tile-wise sums where the blend map does not factorise.
 * Here rather than in runtime/: the workers' kernel table (postprocess/threads/) may not import runtime.
 */
import { UnsupportedError } from '../../core/errors.js';
import type { SlabKernel } from '../../core/threads/slab-pool.js';
import { kernelsOnMemory } from '../../core/volume-kernels.js';
import { normaliseTiles, type WindowGrid } from './blend-normalise.js';

/**
 * Output elements (channels x voxels) below which blending stays on one thread (its arena on an
 * own memory, the normalisation here): at 80^3 x 3 (1.5M) threading cost 1.1-3x the CPU, from
 * 96x112x128 x 3 (4.1M) up 0.96-1.07x for a 1.7-1.9x shorter critical path
 * (bench/kernel-threads.mjs --family volume, BENCHMARKS.md "Kernel threads: volume kernels").
 */
export const BLEND_CROSSOVER = 1 << 21;

/**
 * Elements of one window batch (channels x in-image window voxels) below which it is added on
 * one thread even into a shared output: batches of one 3 x 64^3 window (786k) added no CPU.
 */
export const BLEND_BATCH_CROSSOVER = 1 << 19;

/** Ints per window in AccumulateArgs.windows. */
export const WINDOW_INTS = 7;

export interface AccumulateArgs {
  readonly memory: WebAssembly.Memory;
  /**
   * Per window, WINDOW_INTS ints: output, prediction and weight byte pointers of the window's
   * first in-image voxel, its first image plane, and its in-image extent nz, ny, nx.
   */
  readonly windows: Int32Array;
  /** Image plane of slab unit 0 (slabs cover planes from + [k0, k1)). */
  readonly from: number;
  readonly channels: number;
  /** Byte strides: output row, plane, channel; prediction (and weight) row, plane, channel. */
  readonly strides: readonly [number, number, number, number, number, number];
}

export const ACCUMULATE_KERNEL: SlabKernel<AccumulateArgs> = {
  name: 'blendAccumulate',
  run: ({ memory, windows, from, channels, strides }, k0, k1) => {
    const kernels = kernelsOnMemory(memory);
    const [outRow, outSlice, outChannel, inRow, inSlice, inChannel] = strides;
    for (let w = 0; w < windows.length; w += WINDOW_INTS) {
      const z0 = windows[w + 3]!;
      const lo = Math.max(z0, from + k0);
      const hi = Math.min(z0 + windows[w + 4]!, from + k1);
      if (hi <= lo) continue;
      const dz = lo - z0;
      kernels.accumulate(
        windows[w]! + dz * outSlice,
        windows[w + 1]! + dz * inSlice,
        windows[w + 2]! + dz * inSlice,
        hi - lo,
        windows[w + 5]!,
        windows[w + 6]!,
        channels,
        outRow,
        outSlice,
        outChannel,
        inRow,
        inSlice,
        inChannel,
      );
    }
    return 0;
  },
};

export interface AddArgs {
  readonly accumulate: AccumulateArgs;
  /** Planes of the batch (ACCUMULATE_KERNEL's extent). */
  readonly extent: number;
  /**
   * The batch's prediction when it was transferred with the job (the model's output array, not
   * copied by the caller): copied to byte `predAt` of the arena first. Absent: already there.
   */
  readonly pred?: Float32Array | undefined;
  readonly predAt: number;
  readonly predLength: number;
}

/**
 * One batch's add as one job (startSlabs with a transfer: one worker): the copy of a transferred
 * prediction into the arena, then the accumulation over all its planes. Run by a caller that
 * took the job back, the transferred array is detached: refused, never added as zeros.
 */
export const ADD_KERNEL: SlabKernel<AddArgs> = {
  name: 'blendAdd',
  run: (a) => {
    if (a.pred !== undefined) {
      if (a.pred.length !== a.predLength)
        throw new UnsupportedError(
          `a window prediction was handed to a kernel worker that did not start its job (${a.pred.length} of ${a.predLength} values here)`,
        );
      new Float32Array(a.accumulate.memory.buffer).set(a.pred, a.predAt >> 2);
    }
    return ACCUMULATE_KERNEL.run(a.accumulate, 0, a.extent);
  },
};

export interface ScaleRowsArgs {
  readonly memory: WebAssembly.Memory;
  /** Byte pointer of channel 0's plane 0, bytes per channel, channels. */
  readonly output: number;
  readonly channelBytes: number;
  readonly channels: number;
  /** Rows per plane, elements per row; byte pointers of the per-row and per-column factors. */
  readonly rows: number;
  readonly n: number;
  readonly rowF: number;
  readonly colF: number;
}

export const SCALE_ROWS_KERNEL: SlabKernel<ScaleRowsArgs> = {
  name: 'blendScaleRows',
  run: ({ memory, output, channelBytes, channels, rows, n, rowF, colF }, k0, k1) => {
    const kernels = kernelsOnMemory(memory);
    for (let c = 0; c < channels; c++) kernels.scaleRows(output + c * channelBytes + k0 * rows * n * 4, (k1 - k0) * rows, n, rowF + k0 * rows * 4, colF);
    return 0;
  },
};

export interface NormaliseTilesArgs {
  /** The accumulated output (planar channels) on shared memory. */
  readonly output: Float32Array;
  readonly channels: number;
  /** The whole image's window grid. */
  readonly grid: WindowGrid;
  readonly weights: Float32Array;
  /**
   * Slab unit k is image plane from + k, stored at plane from + k - offset of an output of
   * `spatial` elements per channel (a band of runSlidingWindowSlabs; 0, 0 and the whole image otherwise).
   */
  readonly from: number;
  readonly offset: number;
  readonly spatial: number;
}

/**
 * normaliseTiles over image planes [k0, k1) (blend maps that do not factorise, e.g. MONAI's
 * clamped Gaussian): a tile clipped to a plane range keeps its covering windows and sums them
 * in the same order, so each voxel is divided by the same float32 sum.
 */
export const NORMALISE_TILES_KERNEL: SlabKernel<NormaliseTilesArgs> = {
  name: 'blendNormaliseTiles',
  run: ({ output, channels, grid, weights, from, offset, spatial }, k0, k1) => {
    normaliseTiles(output, channels, grid, weights, { from: from + k0, to: from + k1, offset, spatial });
    return 0;
  },
};
