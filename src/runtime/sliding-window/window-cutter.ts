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
 * Where instead the tensor's first spatial axis runs along the input rows (a NIfTI volume read in
 * 'ijk' order: the window's innermost axis k is the stored order's slowest), planes of the image
 * rows a window spans are staged 16 at a time and a SIMD kernel transposes them into the window
 * (transposeBlock, 4x4 blocks). A 128^3 window of a 240x240x155 volume took ~8 ms per channel
 * through copyPermutedBlock's scalar tiles, the one largest share of a BraTS run outside
 * session.run (BENCHMARKS.md, "3D time outside session.run").
 *
 * A DeferredTensorView input (a zscore deferred from the whole volume, run-plan.ts) is read run by
 * run through its `read` into the same staging area, so its values are computed once per window.
 *
 * Overlapped cutting (planes16 with constant padding, where overlapWindows() holds): the arena is
 * a shared memory and `startCut` cuts the next batch on a kernel worker (postprocess/common/
 * cut-slabs.ts) while the caller is blocked in the previous batch's session.run; the wait copies
 * it onto a plain buffer, the one handed to the predictor, because onnxruntime-node refuses a
 * feed on shared memory ('Invalid argument', 1.30). Same unit function either way: same bytes.
 */
import { copyPermutedBlock } from '../../core/permute-block.js';
import { overlapWindows, startSlabs } from '../../core/threads/slab-pool.js';
import { createKernelArena, releaseKernelArena, type KernelArena } from '../../core/volume-kernels.js';
import { CUT_UNIT, CUT16_KERNEL, cutUnit16, cutViews, type CutViews } from '../../postprocess/common/cut-slabs.js';
import type { DeferredTensorView, ModelTensor } from '../../core/tensor.js';
import type { Affine16 } from './cut-units16.js';
import { unit16, units16, type Units16Layout } from './cut-units16.js';
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

/** Image planes staged per transposeBlock call (a multiple of 4: whole z groups). */
const PLANES = 16;

/**
 * How windows are cut: rows copied from staged row blocks, planes staged and transposed, planes
 * transposed and normalised straight from 16-bit channels held in the arena, or plain loops.
 */
type CutMode = 'rows' | 'planes' | 'planes16' | 'loops';

/**
 * The feed buffer of the last cutter disposed, for the next one of the same size: a BraTS run's is
 * ~34 MB, whose fresh pages cost a run tens of ms of page faults (and a collection for the external
 * memory) before its first window. A cache: every float of it is written before it is handed on.
 */
let spareFeed: Float32Array | undefined;

export class WindowCutter {
  private readonly strides: Strides;
  private readonly mode: CutMode;
  /** Floats between two staged planes (planes mode; 16-byte aligned). */
  private readonly planePitch: number;
  private readonly channels: number;
  private readonly roiVoxels: number;
  private readonly arena: KernelArena | null;
  /** planes16: the 16-bit channels and the byte offset of each channel's copy in the arena. */
  private readonly affine: Affine16 | undefined;
  private readonly channelAt: number[] = [];
  private buffer: Float32Array | undefined;
  private readonly one = new Float32Array(1);
  /** planes16: views of the arena for cutUnit16, and one unit built per channel cut here. */
  private views: CutViews | undefined;
  private readonly unit = new Float64Array(CUT_UNIT);
  /** Whether batches are cut on a worker into the shared arena and copied onto `buffer` (startCut). */
  readonly overlapped: boolean;

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
    const windowBytes = maxWindows * this.channels * this.roiVoxels * 4;
    const [, sa, sb, sd] = this.strides;
    this.planePitch = (((r1 - 1) * sb + r0 + 3) >> 2) << 2;
    const rows = sd === 1 && sb >= r2 && (r1 - 1) * sb + r2 <= 1 << 24;
    const planes = !rows && sa === 1 && sb >= r0 && sd !== 1;
    this.affine = planes && isDeferred(input) ? input.affine16 : undefined;
    const overlap = this.affine !== undefined && padMode === 'constant' && overlapWindows();
    let arena = this.affine === undefined ? null : this.holdChannels(this.affine, windowBytes, overlap);
    this.mode = arena !== null ? 'planes16' : 'loops';
    this.overlapped = arena?.shared === true;
    if (arena !== null && this.mode === 'planes16') this.views = cutViews(arena.kernels.memory);
    if (arena === null && (rows || (planes && PLANES * this.planePitch <= 1 << 24))) {
      arena = createKernelArena([windowBytes, (rows ? (r1 - 1) * sb + r2 : PLANES * this.planePitch) * 4]);
      if (arena !== null) this.mode = rows ? 'rows' : 'planes';
    }
    this.arena = arena;
  }

  /**
   * An arena holding the windows and a copy of each distinct 16-bit channel (one input in several
   * slots is copied once), so windows are cut from it without staging; null without kernels.
   */
  private holdChannels(affine: Affine16, windowBytes: number, shared: boolean): KernelArena | null {
    const distinct = [...new Set(affine.channels)];
    // Reusable: the next run's cutter of the same size copies into pages already touched (dispose).
    const arena = createKernelArena([windowBytes, ...distinct.map((d) => d.byteLength)], { shared, reusable: true });
    if (arena === null) return null;
    distinct.forEach((d, k) => arena.u8.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), arena.offsets[k + 1]!));
    for (const d of affine.channels) this.channelAt.push(arena.offsets[distinct.indexOf(d) + 1]!);
    return arena;
  }

  /** The windows at `starts` (padded coordinates), one after the other. */
  cut(starts: readonly (readonly number[])[]): Float32Array {
    if (this.overlapped) {
      const units = units16(this.layout16(), starts);
      for (let k = 0; k < units.length / CUT_UNIT; k++) cutUnit16(this.arena!.kernels, this.views!, units, k);
      return this.copyOut(starts.length);
    }
    const n = starts.length * this.channels * this.roiVoxels;
    let out: Float32Array;
    if (this.arena !== null) {
      const at = this.arena.offsets[0]! >> 2;
      out = this.arena.f32.subarray(at, at + n);
    } else {
      // Reused across batches; fresh when the last batch is shorter or a predictor took
      // ownership of the previous one (transferred it to a worker).
      out = this.feedBuffer(n);
    }
    starts.forEach((start, b) => this.cutOne(start, out, b * this.channels * this.roiVoxels));
    return out;
  }

  /**
   * Overlapped cutting: starts cutting the windows at `starts` on a kernel worker and returns the
   * wait, which gives them as cut() would (on the plain buffer). Nothing else may be cut before it.
   */
  startCut(starts: readonly (readonly number[])[]): () => Float32Array {
    if (!this.overlapped) {
      const out = this.cut(starts);
      return () => out;
    }
    const units = units16(this.layout16(), starts);
    const wait = startSlabs(CUT16_KERNEL, { memory: this.arena!.kernels.memory, units }, units.length / CUT_UNIT, 2);
    return () => {
      wait();
      return this.copyOut(starts.length);
    };
  }

  /** What the planes16 units are made from. */
  private layout16(): Units16Layout {
    const windowAt = this.arena!.offsets[0]! >> 2;
    return {
      grid: this.grid,
      strides: this.strides,
      affine: this.affine!,
      channelAt: this.channelAt,
      windowAt,
      roiVoxels: this.roiVoxels,
      padValue: this.padValue,
    };
  }

  /** Overlapped cutting: the cut windows from the shared arena onto the plain buffer handed to the predictor. */
  private copyOut(windows: number): Float32Array {
    const n = windows * this.channels * this.roiVoxels;
    const out = this.feedBuffer(n);
    const at = this.arena!.offsets[0]! >> 2;
    out.set(this.arena!.f32.subarray(at, at + n));
    return out;
  }

  /**
   * The plain buffer the predictor is handed, `n` floats: reused across batches, fresh when the
   * last batch is shorter or a predictor took the previous one (transferred it to a worker); the
   * first one of a run is the previous run's when it is the same size (spareFeed).
   */
  private feedBuffer(n: number): Float32Array {
    if (this.buffer === undefined && spareFeed?.length === n && spareFeed.buffer.byteLength > 0) this.buffer = spareFeed;
    if (this.buffer === spareFeed) spareFeed = undefined;
    if (this.buffer === undefined || this.buffer.length !== n || this.buffer.buffer.byteLength === 0) this.buffer = new Float32Array(n);
    return this.buffer;
  }

  /**
   * The run is over: the arena and the feed buffer are kept for the next cutter (their pages
   * already touched). `cutInFlight`: a worker may still be writing the arena (a run that failed
   * between startCut and its wait), which is then left to the collector instead.
   */
  dispose(cutInFlight = false): void {
    if (this.arena?.shared && !cutInFlight) releaseKernelArena(this.arena);
    if (this.buffer !== undefined && this.buffer.buffer.byteLength > 0 && this.buffer.buffer instanceof ArrayBuffer) spareFeed = this.buffer;
    this.buffer = undefined;
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
      if (this.mode === 'planes16') this.cutPlanes16(c, from - c * sc, to, dims);
      else if (this.mode === 'rows') this.cutStaged(from, to, dims);
      else if (this.mode === 'planes') this.cutPlanes(from, to, dims);
      else if (isDeferred(input)) this.readDeferred(input, from, out, to, dims);
      else copyPermutedBlock(input.data, from, out, to, { dims, srcStrides: [sa, sb, sd], dstStrides: [r1 * r2, r2] });
    }
  }

  /**
   * Without kernels: a deferred view is read in storage-order runs (deferred-zscore.ts allows
   * only views whose innermost or first spatial stride is 1): rows when the window's innermost
   * axis is contiguous, else one plane of rows at a time, transposed from a scratch copy.
   */
  private readDeferred(input: DeferredTensorView, from: number, out: Float32Array, to: number, dims: [number, number, number]): void {
    const [, sa, sb, sd] = this.strides;
    const [, r1, r2] = this.grid.roi as [number, number, number];
    if (sd === 1) {
      for (let z = 0; z < dims[0]; z++) for (let y = 0; y < dims[1]; y++) input.read(from + z * sa + y * sb, dims[2], out, to + (z * r1 + y) * r2);
      return;
    }
    const block = (dims[1] - 1) * sb + dims[0];
    const scratch = new Float32Array(block);
    for (let z = 0; z < dims[2]; z++) {
      input.read(from + z * sd, block, scratch, 0);
      copyPermutedBlock(scratch, 0, out, to + z, { dims: [dims[0], dims[1], 1], srcStrides: [1, sb, 0], dstStrides: [r1 * r2, r2] });
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

  /**
   * First tensor axis along the input rows: per group of PLANES image planes (the window's
   * innermost axis), stage the rows each spans, then transpose them into the window by 4x4
   * blocks; the x and z remainders of 4 are copied element by element from the staged planes.
   */
  private cutPlanes(from: number, to: number, [nx, ny, nz]: [number, number, number]): void {
    const { f32, kernels, offsets } = this.arena!;
    const [, , sb, sd] = this.strides;
    const [, r1, r2] = this.grid.roi as [number, number, number];
    const pitch = this.planePitch;
    const stage = offsets[1]! >> 2;
    const block = (ny - 1) * sb + nx;
    const input = this.input;
    const plane = r1 * r2;
    const nx4 = nx >> 2;
    for (let z0 = 0; z0 < nz; z0 += PLANES) {
      const n = Math.min(PLANES, nz - z0);
      for (let q = 0; q < n; q++) {
        const src = from + (z0 + q) * sd;
        if (isDeferred(input)) input.read(src, block, f32, stage + q * pitch);
        else f32.set(input.data.subarray(src, src + block), stage + q * pitch);
      }
      const dst = (offsets[0]! >> 2) + to + z0;
      kernels.transposeBlock(dst * 4, stage * 4, nx4, ny, n >> 2, plane * 4, r2 * 4, sb * 4, pitch * 4);
      // Tails: columns x >= 4 * nx4 for every staged plane, planes q >= 4 * (n >> 2) for the rest.
      for (let q = 0; q < n; q++) {
        const x0 = q < n - (n & 3) ? nx4 << 2 : 0;
        for (let y = 0; y < ny; y++) {
          const s = stage + q * pitch + y * sb;
          const d = dst + y * r2 + q;
          for (let x = x0; x < nx; x++) f32[d + x * plane] = f32[s + x]!;
        }
      }
    }
  }

  /**
   * planes16: channel c's window part transposed and normalised straight from its 16-bit copy in
   * the arena (`at` = element offset in the channel) by cut-slabs.ts's unit (SIMD kernel, x and z
   * remainders of 4 in JS with the same float32 arithmetic).
   */
  private cutPlanes16(c: number, at: number, to: number, dims: [number, number, number]): void {
    unit16(this.layout16(), this.unit, 0, c, at, (this.arena!.offsets[0]! >> 2) + to, dims, [0, 0]);
    cutUnit16(this.arena!.kernels, this.views!, this.unit, 0);
  }
}
