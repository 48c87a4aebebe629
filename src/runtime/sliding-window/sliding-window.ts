/**
 * Sliding-window inference over a [1, C, ...spatial] float32 tensor (2D or 3D), as MONAI's
 * `sliding_window_inference` and nnU-Net's predictor do it: windows placed by either convention,
 * constant or Gaussian blending, optional mirror test-time augmentation, padding when the image
 * is smaller than the roi (half before, rest after, like both libraries; cropped back after).
 *
 * Memory: only the output ([1, Cout, ...spatial]) and one batch of windows are held. The blend
 * normaliser (sum of weights over the windows covering a voxel) is recomputed per voxel at the
 * end from the window grid instead of being accumulated in a second full-size map. The output
 * is accumulated by WebAssembly SIMD kernels in their own memory and returned as a view of it
 * (blend-accumulator.ts): its buffer cannot be transferred to a worker (copy it first).
 * With the kernel threads (overlapWindows), a batch's blending and the next batch's cutting run on
 * a worker while the predictor runs (onnxruntime-node's session.run blocks the calling thread).
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import type { ModelTensor } from '../../core/tensor.js';
import { kernelThreads, sharedArray } from '../../core/threads/slab-pool.js';
import { cachedBlendMap, type BlendMode } from './importance.js';
import { windowStarts, type WindowPlacement } from './placement.js';
import { createBlendAccumulator, type BlendAccumulator } from './blend-accumulator.js';
import { BLEND_CROSSOVER } from '../../postprocess/common/blend-slabs.js';
import { labelsFitUint8, type SlabLabelSpec } from '../../postprocess/segmentation/band-finish.js';
import { WindowCutter, type WindowInput } from './window-cutter.js';
import type { Grid } from './window-grid.js';

/**
 * Runs one batch of windows ([B, C, ...roi], float32, contiguous) through the model. The input
 * of runSlidingWindow may be a strided view (ModelTensor.strides): windows are then transposed
 * as they are cut out, so the whole input never has to be copied into tensor order; or a
 * DeferredTensorView, whose values (a deferred zscore) are computed as each window is cut.
 */
export type WindowPredictor = (windows: ModelTensor<'float32'>) => Promise<ModelTensor<'float32'>>;

export interface SlidingWindowOptions {
  /** Window size per spatial axis, in tensor axis order. */
  readonly roi: readonly number[];
  /** Fraction of overlap between neighbouring windows, in [0, 1). */
  readonly overlap: number;
  readonly batch?: number;
  readonly blend?: BlendMode;
  readonly placement?: WindowPlacement;
  /** Gaussian sigma as a fraction of the roi (MONAI sigma_scale, nnU-Net 1/8). Default 0.125. */
  readonly sigmaScale?: number;
  /** Spatial axes (0 = first spatial axis) to mirror for test-time augmentation. */
  readonly mirrorAxes?: readonly number[];
  /** Value of padding voxels when the image is smaller than the roi. Default 0. */
  readonly padValue?: number;
  /**
   * How the image is padded up to the roi when smaller: 'constant' (padValue, default) or
   * 'replicate' (the nearest edge voxel, MONAI padding_mode='replicate' / torch F.pad replicate).
   */
  readonly padMode?: 'constant' | 'replicate';
  readonly onProgress?: (done: number, total: number) => void;
}

function to3(values: readonly number[], fill: number): number[] {
  return values.length === 3 ? [...values] : [fill, ...values];
}

function planGrid(spatial: readonly number[], options: SlidingWindowOptions): Grid {
  const size = to3(spatial, 1);
  const roi = to3(options.roi, 1);
  const padded = size.map((s, d) => Math.max(s, roi[d]!));
  const padBefore = padded.map((p, d) => Math.floor((p - size[d]!) / 2));
  const placement = options.placement ?? 'monai';
  const starts = padded.map((p, d) => windowStarts(placement, p, roi[d]!, options.overlap));
  return { size, roi, padBefore, starts };
}

function validate(input: WindowInput, options: SlidingWindowOptions): void {
  const rank = input.dims.length - 2;
  if (input.dims[0] !== 1 || (rank !== 2 && rank !== 3))
    throw new ShapeError(`sliding window expects [1, C, H, W] or [1, C, D, H, W], got [${input.dims.join(', ')}]`, { actual: input.dims });
  if (options.roi.length !== rank) throw new UsageError(`roi has ${options.roi.length} axes, input has ${rank} spatial axes`, { field: 'roi' });
  if (!options.roi.every((r) => Number.isInteger(r) && r > 0))
    throw new UsageError(`roi must be positive integers, got [${options.roi.join(', ')}]`, { field: 'roi' });
  if (!(options.overlap >= 0 && options.overlap < 1)) throw new UsageError(`overlap must be in [0, 1), got ${options.overlap}`, { field: 'overlap' });
  for (const a of options.mirrorAxes ?? [])
    if (!(a >= 0 && a < rank)) throw new UsageError(`mirror axis ${a} is not a spatial axis (0..${rank - 1})`, { field: 'mirrorAxes' });
}

/** All subsets of the mirror axes, identity first (nnU-Net averages over all 2^k flips). */
function flipCombos(axes: readonly number[]): number[][] {
  const combos: number[][] = [[]];
  for (const a of axes) for (const c of [...combos]) combos.push([...c, a]);
  return combos;
}

/** Flips a [B, C, r0, r1, r2] buffer along spatial axes (0..2 of the 3D-padded roi) in place. */
function flipWindows(buf: Float32Array, blocks: number, roi: number[], axes3: readonly number[]): void {
  const [r0, r1, r2] = roi as [number, number, number];
  const vol = r0 * r1 * r2;
  for (const axis of axes3) {
    for (let b = 0; b < blocks; b++) {
      const base = b * vol;
      for (let z = 0; z < r0; z++)
        for (let y = 0; y < r1; y++) {
          const row = base + (z * r1 + y) * r2;
          if (axis === 2) buf.subarray(row, row + r2).reverse();
          else if (axis === 1 && y < r1 - 1 - y) swapRows(buf, row, base + (z * r1 + (r1 - 1 - y)) * r2, r2);
          else if (axis === 0 && z < r0 - 1 - z) swapRows(buf, row, base + ((r0 - 1 - z) * r1 + y) * r2, r2);
        }
    }
  }
}

function swapRows(buf: Float32Array, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const t = buf[a + i]!;
    buf[a + i] = buf[b + i]!;
    buf[b + i] = t;
  }
}

/** What one run slides over: the window grid and the windows in order (axis 0 slowest). */
interface Slide {
  readonly grid: Grid;
  readonly windows: readonly number[][];
  readonly batchSize: number;
}

/** Where the two forms differ: the grid the accumulator covers, and what happens around a batch. */
interface SlideHooks {
  accumulatorGrid(slide: Slide): Grid;
  beforeBatch?(first: number): void;
  /** The predictor's outputs are fresh arrays the accumulator may take (BlendAccumulator.add's `owned`). */
  readonly ownsPredictions?: boolean;
  afterBatch?(first: number, blend: BlendAccumulator, outChannels: number): Promise<void>;
}

/** Windows in order, batch by batch: cut, mirrored, predicted, checked and accumulated. */
async function slide(
  input: WindowInput,
  predict: WindowPredictor,
  options: SlidingWindowOptions,
  hooks: SlideHooks,
): Promise<{ blend: BlendAccumulator; outChannels: number; grid: Grid }> {
  validate(input, options);
  const rank = input.dims.length - 2;
  const channels = input.dims[1]!;
  const grid = planGrid(input.dims.slice(2), options);
  const blendMap = cachedBlendMap(grid.roi, options.blend ?? 'constant', options.placement ?? 'monai', options.sigmaScale ?? 0.125);
  const windows: number[][] = [];
  for (const a of grid.starts[0]!) for (const b of grid.starts[1]!) for (const c of grid.starts[2]!) windows.push([a, b, c]);
  const combos = flipCombos(options.mirrorAxes ?? []).map((axes) => axes.map((a) => a + (3 - rank)));
  const batchSize = Math.max(1, options.batch ?? 1);
  const roiVoxels = grid.roi[0]! * grid.roi[1]! * grid.roi[2]!;
  const target = hooks.accumulatorGrid({ grid, windows, batchSize });
  let blend: BlendAccumulator | undefined;
  let outChannels = 0;
  const cutter = new WindowCutter(input, grid, Math.min(batchSize, windows.length), options.padValue ?? 0, options.padMode ?? 'constant');
  // Overlapped cutting (window-cutter.ts): the next batch is cut on a worker during this one's predict.
  const cutAhead = cutter.overlapped && combos.length === 1;
  let next: (() => Float32Array) | undefined;
  try {
    for (let first = 0; first < windows.length; first += batchSize) {
      const batch = windows.slice(first, first + batchSize);
      hooks.beforeBatch?.(first);
      for (const flips of combos) {
        const windowBuffer = next !== undefined ? next() : cutter.cut(batch);
        next = undefined;
        if (flips.length > 0) flipWindows(windowBuffer, batch.length * channels, grid.roi, flips);
        if (cutAhead && first + batchSize < windows.length) next = cutter.startCut(windows.slice(first + batchSize, first + 2 * batchSize));
        const pred = await predict({ type: 'float32', data: windowBuffer, dims: [batch.length, channels, ...grid.roi.slice(3 - rank)] });
        const expectedLength = pred.dims[1]! * batch.length * roiVoxels;
        if (pred.dims[0] !== batch.length || pred.data.length !== expectedLength) {
          throw new ShapeError(
            `window predictor returned [${pred.dims.join(', ')}] for a batch of ${batch.length} windows of [${grid.roi.slice(3 - rank).join(', ')}]`,
            { actual: pred.dims },
          );
        }
        if (blend !== undefined && pred.dims[1] !== outChannels) {
          throw new ShapeError(`window predictor returned ${pred.dims[1]} channels after ${outChannels} for earlier windows`, { actual: pred.dims });
        }
        outChannels = pred.dims[1]!;
        blend ??= createBlendAccumulator(target, outChannels, blendMap, 1 / combos.length, Math.min(batchSize, windows.length) * outChannels * roiVoxels);
        if (flips.length > 0) flipWindows(pred.data, batch.length * outChannels, grid.roi, flips);
        blend.add(pred.data, batch, hooks.ownsPredictions);
      }
      options.onProgress?.(Math.min(first + batchSize, windows.length), windows.length);
      await hooks.afterBatch?.(first, blend!, outChannels);
      // What add queued (overlapWindows) goes to the workers now, to run during the next session.run.
      blend!.flush();
    }
  } finally {
    // A batch cut on a worker and not yet waited for (a failed run) keeps the arena from reuse.
    cutter.dispose(next !== undefined);
  }
  return { blend: blend!, outChannels, grid };
}

export async function runSlidingWindow(input: WindowInput, predict: WindowPredictor, options: SlidingWindowOptions): Promise<ModelTensor<'float32'>> {
  const { blend, outChannels } = await slide(input, predict, options, { accumulatorGrid: (s) => s.grid });
  return { type: 'float32', data: blend.finish(), dims: [1, outChannels, ...input.dims.slice(2)] };
}

/**
 * Receives finished output planes: `slab` is [Cout, planes, ...] (planar, tensor order) for
 * planes [from, from + planes) of the first spatial axis; it is reused after the call returns.
 */
export type SlabSink = (slab: Float32Array, from: number, planes: number) => void | Promise<void>;

/**
 * Labels of completed planes made on a kernel worker during the next window's session.run
 * (overlapWindows): `spec` is what the sink's onSlab does to a slab (activation, discretisation);
 * `onLabels` receives the uint8 labels of planes [from, from + planes) instead of onSlab getting
 * their channels. Planes the worker does not take (no worker, the last batch) still go to onSlab.
 */
export interface SlabLabelling {
  readonly spec: SlabLabelSpec;
  onLabels(labels: Uint8Array, from: number, planes: number): void | Promise<void>;
}

/**
 * runSlidingWindow whose output is never whole: windows run in the same order and batches, are
 * accumulated into a band of planes along the first spatial axis, and planes that no later window
 * touches are normalised and handed to `onSlab` (at most `slabPlanes` at a time), then dropped.
 * The band is one roi deep (plus what one batch spans), so a 3 x 1024 x 1024 x 600 output needs
 * ~1.6 GB instead of 7.5 GB. Values equal runSlidingWindow's bit for bit (same accumulation order,
 * same per-element normalisation). Returns the number of output channels.
 */
export async function runSlidingWindowSlabs(
  input: WindowInput,
  predict: WindowPredictor,
  options: SlidingWindowOptions,
  onSlab: SlabSink,
  slabPlanes = 8,
  more: {
    readonly labelling?: SlabLabelling | undefined;
    /** `predict` returns fresh arrays nobody else holds (a model's outputs): the blending may transfer them to a worker. */
    readonly ownsPredictions?: boolean;
  } = {},
): Promise<number> {
  const { labelling } = more;
  // Band plane p holds image plane p + offset; the accumulator reads band.padBefore[0] per add.
  let band: Grid | undefined;
  let full: Slide | undefined;
  let offset = 0;
  let slab: Float32Array | undefined;
  let workerSlab: Float32Array | undefined;
  // Planes labelled on a worker (startFinishPlanes), handed on once the job is done.
  let inFlight: { wait: () => void; labels: Uint8Array; from: number; planes: number } | undefined;
  let plainSlab: Float32Array | undefined;
  // The last batch's planes [from, to) labelled on a worker beside the caller's slabs (afterBatch); false: not started.
  const startUpper = (blend: BlendAccumulator, from: number, to: number, channels: number, plane: number): boolean => {
    const { grid } = full!;
    const ranges: [number, number][] = [];
    for (let p = from; p < to; p += slabPlanes) ranges.push([p - offset, Math.min(to, p + slabPlanes) - offset]);
    workerSlab ??= sharedArray(Float32Array, channels * Math.min(slabPlanes, band!.size[0]!) * plane);
    const labels = sharedArray(Uint8Array, (to - from) * plane);
    const wait = blend.startFinishPlanes?.(ranges, offset, grid, 0, { spec: labelling!.spec, slab: workerSlab, labels }, true) ?? null;
    if (wait !== null) inFlight = { wait, labels, from, planes: to - from };
    return wait !== null;
  };
  const deliver = async (): Promise<void> => {
    const job = inFlight;
    inFlight = undefined;
    if (job === undefined) return;
    job.wait();
    await labelling!.onLabels(job.labels, job.from, job.planes);
  };
  const { outChannels } = await slide(input, predict, options, {
    ownsPredictions: more.ownsPredictions ?? false,
    accumulatorGrid: (s) => {
      full = s;
      const [s0, s1, s2] = s.grid.size as [number, number, number];
      let span = 0;
      for (let first = 0; first < s.windows.length; first += s.batchSize)
        span = Math.max(span, s.windows[Math.min(first + s.batchSize, s.windows.length) - 1]![0]! - s.windows[first]![0]!);
      band = { size: [Math.min(s0, s.grid.roi[0]! + span), s1, s2], roi: s.grid.roi, padBefore: [...s.grid.padBefore], starts: s.grid.starts };
      return band;
    },
    beforeBatch: () => {
      band!.padBefore[0] = full!.grid.padBefore[0]! + offset;
    },
    afterBatch: async (first, blend, channels) => {
      // The previous batch's labels (its job was waited for by this batch's add).
      await deliver();
      const { grid, windows, batchSize } = full!;
      const s0 = grid.size[0]!;
      const plane = grid.size[1]! * grid.size[2]!;
      // Window starts ascend along axis 0: planes before the next window's first are final.
      const next = windows[first + batchSize];
      const done = next === undefined ? s0 : Math.min(s0, Math.max(offset, next[0]! - grid.padBefore[0]!));
      // Overlapped with the next session.run on a worker; the last batch's planes are finished
      // after the final session.run: half here, half on a worker beside (below), or all here.
      if (labelling !== undefined && next !== undefined && done > offset && blend.startFinishPlanes !== undefined && labelsFitUint8(labelling.spec, channels)) {
        const ranges: [number, number][] = [];
        for (let from = offset; from < done; from += slabPlanes) ranges.push([from - offset, Math.min(done, from + slabPlanes) - offset]);
        workerSlab ??= sharedArray(Float32Array, channels * Math.min(slabPlanes, band!.size[0]!) * plane);
        const labels = sharedArray(Uint8Array, (done - offset) * plane);
        const wait = blend.startFinishPlanes(ranges, offset, grid, done - offset, { spec: labelling.spec, slab: workerSlab, labels });
        if (wait !== null) {
          inFlight = { wait, labels, from: offset, planes: done - offset };
          offset = done;
          return;
        }
      }
      const n = channels * Math.min(slabPlanes, band!.size[0]!) * plane;
      // The last batch's planes, where a worker can label and this thread's slabs stay single-threaded
      // (below every crossover on a plain slab): the upper half goes to a band job on the worker
      // beside this thread's own slabs, instead of each slab's passes dispatched to it in turn.
      const halves = labelling !== undefined && next === undefined && done - offset >= 2 * slabPlanes && n < BLEND_CROSSOVER;
      const split = halves && labelsFitUint8(labelling.spec, channels) ? offset + Math.ceil((done - offset) / (2 * slabPlanes)) * slabPlanes : done;
      // On shared memory where the kernel threads may run: then the slab's activations and label maps can be threaded.
      const own = split < done ? (plainSlab ??= new Float32Array(n)) : (slab ??= kernelThreads() > 1 ? sharedArray(Float32Array, n) : new Float32Array(n));
      let upper = split;
      for (let from = offset; from < upper; from += slabPlanes) {
        const to = Math.min(upper, from + slabPlanes);
        const out = own.subarray(0, channels * (to - from) * plane);
        blend.finishPlanes(from - offset, to - offset, offset, grid, out);
        // The first finishPlanes settled the last add: the worker may start on the upper planes.
        if (from === offset && upper < done && !startUpper(blend, split, done, channels, plane)) upper = done;
        await onSlab(out, from, to - from);
      }
      if (done > offset && next !== undefined) blend.shift(done - offset);
      offset = done;
    },
  });
  await deliver();
  return outChannels;
}
