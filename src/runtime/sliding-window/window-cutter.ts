/**
 * Cuts batches of windows ([B, C, r0, r1, r2]) out of the input tensor, padding where a window
 * overhangs the image. The input may be C-contiguous or a strided view (a planar volume read in
 * 'ijk' tensor order): windows are then transposed as they are cut (copyPermutedBlock).
 *
 * Where the input rows are contiguous, the window buffer lives in a kernel arena and each
 * window slice is cut with one block copy of the image rows it spans plus a row-copy kernel,
 * instead of one typed-array view and copy per 128-float row (which cost more in view objects
 * and garbage collection than in copying). The buffer handed to the predictor is then a view
 * of the arena: it cannot be transferred, predictors that send it to a worker copy it.
 *
 * A DeferredTensorView input (a zscore deferred from the whole volume, run-plan.ts) is read run by
 * run through its `read` into the same staging area, so its values are computed once per window.
 */
import { copyPermutedBlock } from '../../core/permute-block.js';
import { createKernelArena, type KernelArena } from '../../core/volume-kernels.js';
import type { DeferredTensorView, ModelTensor } from '../../core/tensor.js';
import { windowBoxInImage, type Grid } from './window-grid.js';

type Strides = [number, number, number, number];

/** What a sliding window reads: a float32 tensor (contiguous or a strided view), or a deferred view. */
export type WindowInput = ModelTensor<'float32'> | DeferredTensorView;

function isDeferred(input: WindowInput): input is DeferredTensorView {
  return 'read' in input;
}

/** Strides of the input's [C, s0, s1, s2] (3D-padded spatial axes), contiguous or a view's. */
function inputStrides(input: WindowInput, grid: Grid): Strides {
  const st = input.strides;
  const [s0, s1, s2] = grid.size as [number, number, number];
  if (st === undefined) return [s0 * s1 * s2, s1 * s2, s2, 1];
  const spatial = st.slice(2);
  const [a, b, c] = spatial.length === 3 ? spatial : [s1 * s2, ...spatial];
  return [st[1]!, a!, b!, c!];
}

export class WindowCutter {
  private readonly strides: Strides;
  private readonly channels: number;
  private readonly roiVoxels: number;
  private readonly arena: KernelArena | null;
  /** Floats of one staged block: the image rows one window slice spans. */
  private readonly stageFloats: number;
  private buffer: Float32Array | undefined;
  private readonly one = new Float32Array(1);

  constructor(
    private readonly input: WindowInput,
    private readonly grid: Grid,
    maxWindows: number,
    private readonly padValue: number,
    private readonly padMode: 'constant' | 'replicate' = 'constant',
  ) {
    this.strides = inputStrides(input, grid);
    this.channels = input.dims[1]!;
    const [r0, r1, r2] = grid.roi as [number, number, number];
    this.roiVoxels = r0 * r1 * r2;
    const [, , sb, sd] = this.strides;
    this.stageFloats = (r1 - 1) * sb + r2;
    const rowsContiguous = sd === 1 && sb >= r2 && this.stageFloats <= 1 << 24;
    this.arena = rowsContiguous ? createKernelArena([maxWindows * this.channels * this.roiVoxels * 4, this.stageFloats * 4]) : null;
  }

  /** The windows at `starts` (padded coordinates), one after the other. */
  cut(starts: readonly (readonly number[])[]): Float32Array {
    const n = starts.length * this.channels * this.roiVoxels;
    let out: Float32Array;
    if (this.arena !== null) {
      const at = this.arena.offsets[0]! >> 2;
      out = this.arena.f32.subarray(at, at + n);
    } else {
      // Reused across batches; fresh when the last batch is shorter or a predictor took
      // ownership of the previous one (transferred it to a worker).
      if (this.buffer === undefined || this.buffer.length !== n || this.buffer.buffer.byteLength === 0) this.buffer = new Float32Array(n);
      out = this.buffer;
    }
    starts.forEach((start, b) => this.cutOne(start, out, b * this.channels * this.roiVoxels));
    return out;
  }

  /**
   * A window overhanging the image with edge replication: each padded voxel takes the value of
   * the nearest image voxel (clamped index per axis). Only windows over an image smaller than
   * the roi overhang, so this per-voxel path runs on small images only.
   */
  private cutReplicated(start: readonly number[], out: Float32Array, offset: number): void {
    const grid = this.grid;
    const [r0, r1, r2] = grid.roi as [number, number, number];
    const [sc, sa, sb, sd] = this.strides;
    const clamp = (d: number, w: number): number => Math.min(grid.size[d]! - 1, Math.max(0, start[d]! + w - grid.padBefore[d]!));
    const i1 = Array.from({ length: r1 }, (_, w) => clamp(1, w) * sb);
    const i2 = Array.from({ length: r2 }, (_, w) => clamp(2, w) * sd);
    const input = this.input;
    const one = this.one;
    const at = isDeferred(input)
      ? (i: number): number => {
          input.read(i, 1, one, 0);
          return one[0]!;
        }
      : (i: number): number => input.data[i]!;
    let p = offset;
    for (let c = 0; c < this.channels; c++) {
      for (let a = 0; a < r0; a++) {
        const base = c * sc + clamp(0, a) * sa;
        for (let b = 0; b < r1; b++) {
          const row = base + i1[b]!;
          for (let d = 0; d < r2; d++) out[p++] = at(row + i2[d]!);
        }
      }
    }
  }

  private cutOne(start: readonly number[], out: Float32Array, offset: number): void {
    const grid = this.grid;
    const [, r1, r2] = grid.roi as [number, number, number];
    const { lo, hi } = windowBoxInImage(grid, start);
    const inside = lo.every((l, d) => l === 0 && hi[d] === grid.roi[d]);
    if (!inside && this.padMode === 'replicate') {
      this.cutReplicated(start, out, offset);
      return;
    }
    const [sc, sa, sb, sd] = this.strides;
    for (let c = 0; c < this.channels; c++) {
      const dst = offset + c * this.roiVoxels;
      if (!inside) out.fill(this.padValue, dst, dst + this.roiVoxels);
      if (hi.some((h, d) => h <= lo[d]!)) continue;
      const from =
        c * sc +
        (start[0]! + lo[0]! - grid.padBefore[0]!) * sa +
        (start[1]! + lo[1]! - grid.padBefore[1]!) * sb +
        (start[2]! + lo[2]! - grid.padBefore[2]!) * sd;
      const to = dst + (lo[0]! * r1 + lo[1]!) * r2 + lo[2]!;
      const dims: [number, number, number] = [hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!];
      const input = this.input;
      if (this.arena !== null) this.cutStaged(from, to, dims);
      else if (isDeferred(input)) {
        // A deferred view reads rows in storage order (innermost stride 1, deferred-zscore.ts).
        for (let z = 0; z < dims[0]; z++) for (let y = 0; y < dims[1]; y++) input.read(from + z * sa + y * sb, dims[2], out, to + (z * r1 + y) * r2);
      } else copyPermutedBlock(input.data, from, out, to, { dims, srcStrides: [sa, sb, sd], dstStrides: [r1 * r2, r2] });
    }
  }

  /** Rows contiguous: per window slice, stage the image rows it spans, then copy the window's part. */
  private cutStaged(from: number, to: number, [nz, ny, nx]: [number, number, number]): void {
    const { f32, kernels, offsets } = this.arena!;
    const [, sa, sb] = this.strides;
    const [, r1, r2] = this.grid.roi as [number, number, number];
    const base = offsets[0]!;
    const stage = offsets[1]!;
    const block = (ny - 1) * sb + nx;
    const input = this.input;
    for (let z = 0; z < nz; z++) {
      const src = from + z * sa;
      if (isDeferred(input)) input.read(src, block, f32, stage >> 2);
      else f32.set(input.data.subarray(src, src + block), stage >> 2);
      kernels.copyRows(base + (to + z * r1 * r2) * 4, stage, ny, nx, r2 * 4, sb * 4);
    }
  }
}
