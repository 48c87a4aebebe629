/**
 * The wasm blend accumulator (blend-accumulator.ts): the output in a kernel arena, windows added
 * by the SIMD `accumulate` kernel, on the kernel threads above the crossovers; with overlapWindows
 * the add, the prediction's transfer and a band's completed planes run on a worker during the next
 * session.run (ARCHITECTURE.md "Kernel threads").
 */
import { asShared, kernelThreads, overlapWindows, planThreads, runSlabs, startSlabs } from '../../core/threads/slab-pool.js';
import type { KernelArena } from '../../core/volume-kernels.js';
import {
  ACCUMULATE_KERNEL,
  ADD_KERNEL,
  type AccumulateArgs,
  type AddArgs,
  BLEND_BATCH_CROSSOVER,
  BLEND_CROSSOVER,
  NORMALISE_TILES_KERNEL,
  SCALE_ROWS_KERNEL,
  WINDOW_INTS,
} from '../../postprocess/common/blend-slabs.js';
import { BAND_FINISH_KERNEL, bandFinishError, type BandChunk, type BandLabelling } from '../../postprocess/segmentation/band-finish.js';
import type { BlendMap } from './importance.js';
import { coverSums, normaliseTiles, shiftPlanes } from '../../postprocess/common/blend-normalise.js';
import { windowBoxInImage, type Grid } from './window-grid.js';

/**
 * The blend map's weights on shared memory, made once per (cached) map: a job's arguments are
 * structured-cloned into the worker, and a plain 128^3 map is 8 MiB copied per threaded
 * normalisation (~30 per BraTS run in slabs: a quarter of the main thread's work outside
 * session.run went to postMessage and its garbage).
 */
const sharedWeights = new WeakMap<Float32Array, Float32Array>();
function postableWeights(weights: Float32Array): Float32Array {
  let w = sharedWeights.get(weights);
  if (w === undefined) sharedWeights.set(weights, (w = asShared(weights)));
  return w;
}

export class WasmBlend {
  private readonly at: { weights: number; pred: number; output: number; rowF: number; colF: number };
  /** Wait of a batch still being added on the workers (overlapWindows): settled before any other use of the arena. */
  private pending: (() => unknown) | undefined;
  /** A batch's add not yet started (overlapWindows): flush() starts it, startFinishPlanes takes it into its job. */
  private queued: { args: AccumulateArgs; extent: number; threads: number; pred?: Float32Array | undefined } | undefined;

  constructor(
    private readonly arena: KernelArena,
    private readonly grid: Grid,
    private readonly outChannels: number,
    private readonly map: BlendMap,
    scale: number,
  ) {
    const weights = map.weights;
    const [w, pred, output, rowF, colF] = arena.offsets as [number, number, number, number, number];
    this.at = { weights: w, pred, output, rowF, colF };
    // float32 like the JS path's stored product; scale folded into the map once.
    const scaled = arena.f32.subarray(w >> 2, (w >> 2) + weights.length);
    scaled.set(weights);
    if (scale !== 1) for (let i = 0; i < weights.length; i++) scaled[i] = scaled[i]! * scale;
  }

  /** Waits for a batch started by add on the workers (its prediction slot and output are in use until then). */
  private settle(): void {
    const wait = this.pending;
    this.pending = undefined;
    wait?.();
    const q = this.queued;
    this.queued = undefined;
    if (q === undefined) return;
    if (q.pred !== undefined) this.arena.f32.set(q.pred, this.at.pred >> 2);
    runSlabs(ACCUMULATE_KERNEL, q.args, q.extent, q.threads);
  }

  flush(): void {
    const q = this.queued;
    if (q === undefined) return;
    this.queued = undefined;
    const add = this.addArgs(q);
    this.pending = add.pred
      ? startSlabs(ADD_KERNEL, add, 1, q.threads, [add.pred.buffer as ArrayBuffer])
      : startSlabs(ACCUMULATE_KERNEL, q.args, q.extent, q.threads);
  }

  private addArgs(q: NonNullable<WasmBlend['queued']>): AddArgs {
    return { accumulate: q.args, extent: q.extent, pred: q.pred, predAt: this.at.pred, predLength: q.pred?.length ?? 0 };
  }

  add(pred: Float32Array, starts: readonly (readonly number[])[], owned = false): void {
    this.settle();
    const { f32, kernels } = this.arena;
    // A whole plain buffer the caller gives away, to be added on a worker: transferred there by flush / startFinishPlanes.
    const give = owned && overlapWindows() && pred.byteOffset === 0 && pred.byteLength === pred.buffer.byteLength && pred.buffer instanceof ArrayBuffer;
    if (!give) f32.set(pred, this.at.pred >> 2);
    const [s0, s1, s2] = this.grid.size as [number, number, number];
    const [r0, r1, r2] = this.grid.roi as [number, number, number];
    const roiVoxels = r0 * r1 * r2;
    const windows: number[] = [];
    let elements = 0;
    let zFrom = s0;
    let zTo = 0;
    starts.forEach((start, b) => {
      const { lo, hi } = windowBoxInImage(this.grid, start);
      if (hi.some((h, d) => h <= lo[d]!)) return;
      const inWindow = (lo[0]! * r1 + lo[1]!) * r2 + lo[2]!;
      const z0 = start[0]! + lo[0]! - this.grid.padBefore[0]!;
      const inImage = (z0 * s1 + start[1]! + lo[1]! - this.grid.padBefore[1]!) * s2 + start[2]! + lo[2]! - this.grid.padBefore[2]!;
      const [nz, ny, nx] = [hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!];
      windows.push(
        this.at.output + inImage * 4,
        this.at.pred + (b * this.outChannels * roiVoxels + inWindow) * 4,
        this.at.weights + inWindow * 4,
        z0,
        nz,
        ny,
        nx,
      );
      elements += nz * ny * nx * this.outChannels;
      zFrom = Math.min(zFrom, z0);
      zTo = Math.max(zTo, z0 + nz);
    });
    const strides = [s2 * 4, s1 * s2 * 4, s0 * s1 * s2 * 4, r2 * 4, r1 * r2 * 4, roiVoxels * 4] as const;
    const args = (): AccumulateArgs => ({ memory: kernels.memory, windows: Int32Array.from(windows), from: zFrom, channels: this.outChannels, strides });
    const threads = this.arena.shared && zTo > zFrom ? planThreads(elements, zTo - zFrom, undefined, BLEND_BATCH_CROSSOVER) : 1;
    // Overlapped: the batch is added on the workers during the next session.run. Only above the
    // batch crossover, like the threaded add: below it one dispatch and wake-up per window cost
    // about what the add does (BLEND_BATCH_CROSSOVER).
    if (threads > 1 && overlapWindows()) {
      this.queued = { args: args(), extent: zTo - zFrom, threads, pred: give ? pred : undefined };
      return;
    }
    if (give) f32.set(pred, this.at.pred >> 2);
    if (threads > 1) {
      runSlabs(ACCUMULATE_KERNEL, args(), zTo - zFrom, threads);
      return;
    }
    for (let w = 0; w < windows.length; w += WINDOW_INTS) {
      const [out, p, wts, , nz, ny, nx] = windows.slice(w, w + WINDOW_INTS) as [number, number, number, number, number, number, number];
      kernels.accumulate(out, p, wts, nz, ny, nx, this.outChannels, ...strides);
    }
  }

  finish(): Float32Array {
    this.settle();
    const spatial = this.grid.size[0]! * this.grid.size[1]! * this.grid.size[2]!;
    const output = this.arena.f32.subarray(this.at.output >> 2, (this.at.output >> 2) + this.outChannels * spatial);
    const factors = this.map.factors;
    const [s0, s1, s2] = this.grid.size as [number, number, number];
    const threads = this.arena.shared ? planThreads(this.outChannels * spatial, s0, undefined, BLEND_CROSSOVER) : 1;
    if (factors === undefined) {
      if (threads > 1) {
        const args = { output, channels: this.outChannels, grid: this.grid, weights: postableWeights(this.map.weights), from: 0, offset: 0, spatial };
        runSlabs(NORMALISE_TILES_KERNEL, args, s0, threads);
      } else normaliseTiles(output, this.outChannels, this.grid, this.map.weights);
      return output;
    }
    const [sz, sy, sx] = [0, 1, 2].map((axis) => coverSums(this.grid, axis, factors[axis]!)) as [Float64Array, Float64Array, Float64Array];
    const { f32, kernels } = this.arena;
    for (let z = 0; z < s0; z++) for (let y = 0; y < s1; y++) f32[(this.at.rowF >> 2) + z * s1 + y] = 1 / (sz[z]! * sy[y]!);
    for (let x = 0; x < s2; x++) f32[(this.at.colF >> 2) + x] = 1 / sx[x]!;
    if (threads > 1) {
      const { output: at, rowF, colF } = this.at;
      const args = { memory: kernels.memory, output: at, channelBytes: spatial * 4, channels: this.outChannels, rows: s1, n: s2, rowF, colF };
      runSlabs(SCALE_ROWS_KERNEL, args, s0, threads);
    } else for (let c = 0; c < this.outChannels; c++) kernels.scaleRows(this.at.output + c * spatial * 4, s0 * s1, s2, this.at.rowF, this.at.colF);
    return output;
  }

  private sums: [Float64Array, Float64Array, Float64Array] | undefined;

  finishPlanes(from: number, to: number, offset: number, full: Grid, out: Float32Array): void {
    this.settle();
    const [b0, s1, s2] = this.grid.size as [number, number, number];
    const spatial = b0 * s1 * s2;
    const plane = s1 * s2;
    const { f32, kernels } = this.arena;
    const base = this.at.output >> 2;
    const output = f32.subarray(base, base + this.outChannels * spatial);
    const factors = this.map.factors;
    const threads = this.arena.shared ? planThreads(this.outChannels * (to - from) * plane, to - from, undefined, BLEND_CROSSOVER) : 1;
    if (factors === undefined) {
      if (threads > 1) {
        const args = { output, channels: this.outChannels, grid: full, weights: postableWeights(this.map.weights), from: from + offset, offset, spatial };
        runSlabs(NORMALISE_TILES_KERNEL, args, to - from, threads);
      } else normaliseTiles(output, this.outChannels, full, this.map.weights, { from: from + offset, to: to + offset, offset, spatial });
    } else {
      this.sums ??= [0, 1, 2].map((axis) => coverSums(full, axis, factors[axis]!)) as [Float64Array, Float64Array, Float64Array];
      const [sz, sy, sx] = this.sums;
      for (let z = from; z < to; z++) for (let y = 0; y < s1; y++) f32[(this.at.rowF >> 2) + (z - from) * s1 + y] = 1 / (sz[z + offset]! * sy[y]!);
      for (let x = 0; x < s2; x++) f32[(this.at.colF >> 2) + x] = 1 / sx[x]!;
      const at = this.at.output + from * plane * 4;
      if (threads > 1) {
        const args = {
          memory: kernels.memory,
          output: at,
          channelBytes: spatial * 4,
          channels: this.outChannels,
          rows: s1,
          n: s2,
          rowF: this.at.rowF,
          colF: this.at.colF,
        };
        runSlabs(SCALE_ROWS_KERNEL, args, to - from, threads);
      } else for (let c = 0; c < this.outChannels; c++) kernels.scaleRows(at + c * spatial * 4, (to - from) * s1, s2, this.at.rowF, this.at.colF);
    }
    const n = (to - from) * plane;
    for (let c = 0; c < this.outChannels; c++) out.set(output.subarray(c * spatial + from * plane, c * spatial + to * plane), c * n);
  }

  startFinishPlanes(
    ranges: readonly (readonly [number, number])[],
    offset: number,
    full: Grid,
    shift: number,
    labelling: BandLabelling,
    beside = false,
  ): (() => void) | null {
    if (!this.arena.shared || !overlapWindows() || ranges.length === 0) return null;
    if (beside && (this.queued !== undefined || this.pending !== undefined || shift !== 0)) return null;
    const prior = this.pending;
    this.pending = undefined;
    prior?.();
    const [b0, s1, s2] = this.grid.size as [number, number, number];
    const spatial = b0 * s1 * s2;
    const plane = s1 * s2;
    const { f32, kernels } = this.arena;
    const memory = kernels.memory;
    const factors = this.map.factors;
    const base = this.at.output >> 2;
    let normalise: (from: number, to: number) => BandChunk['normalise'];
    if (factors === undefined) {
      const output = f32.subarray(base, base + this.outChannels * spatial);
      const weights = postableWeights(this.map.weights);
      normalise = (from) => ({ tiles: { output, channels: this.outChannels, grid: full, weights, from: from + offset, offset, spatial } });
    } else {
      // Row factors at their band plane (finishPlanes writes them from 0 per call): every range's stay valid until the job reads them.
      this.sums ??= [0, 1, 2].map((axis) => coverSums(full, axis, factors[axis]!)) as [Float64Array, Float64Array, Float64Array];
      const [sz, sy, sx] = this.sums;
      const rowF = this.at.rowF >> 2;
      for (const [from, to] of ranges) for (let z = from; z < to; z++) for (let y = 0; y < s1; y++) f32[rowF + z * s1 + y] = 1 / (sz[z + offset]! * sy[y]!);
      for (let x = 0; x < s2; x++) f32[(this.at.colF >> 2) + x] = 1 / sx[x]!;
      const common = { memory, channelBytes: spatial * 4, channels: this.outChannels, rows: s1, n: s2, colF: this.at.colF };
      normalise = (from) => ({ rows: { ...common, output: this.at.output + from * plane * 4, rowF: this.at.rowF + from * s1 * 4 } });
    }
    const q = this.queued;
    this.queued = undefined;
    const add = q === undefined ? undefined : this.addArgs(q);
    const args = {
      memory,
      add,
      output: base,
      spatial,
      plane,
      channels: this.outChannels,
      chunks: ranges.map(([from, to]) => ({ from, to, normalise: normalise(from, to) })),
      slab: labelling.slab,
      labels: labelling.labels,
      spec: labelling.spec,
      bandPlanes: b0,
      shift,
    };
    // One job on one worker: its steps depend on each other (a worker runs its jobs in order).
    const wait = startSlabs(BAND_FINISH_KERNEL, args, 1, Math.max(2, kernelThreads()), add?.pred ? [add.pred.buffer as ArrayBuffer] : undefined);
    let outcome: { error?: unknown } | undefined;
    const settled = (): void => {
      if (outcome === undefined) {
        outcome = {};
        try {
          wait();
        } catch (error) {
          outcome = { error: bandFinishError(error) };
        }
      }
      if (outcome.error !== undefined) throw outcome.error;
    };
    // Beside the caller's own finishPlanes (other planes): those must not wait for it.
    if (!beside) this.pending = settled;
    return settled;
  }

  shift(planes: number): void {
    this.settle();
    const [b0, s1, s2] = this.grid.size as [number, number, number];
    shiftPlanes(this.arena.f32.subarray(this.at.output >> 2, (this.at.output >> 2) + this.outChannels * b0 * s1 * s2), this.outChannels, b0, s1 * s2, planes);
  }
}
