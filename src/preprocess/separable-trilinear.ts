/**
 * Trilinear resampling factorised per axis, on the WebAssembly kernels: for each source slice
 * a z-slice needs, its rows are interpolated along x (tap tables), those rows along y into an
 * output-sized slice (two such slices cached per channel: consecutive output slices share
 * them), and the output slice is the z interpolation of two of them. That is ~2.5
 * interpolations per output voxel instead of the 7 of the direct formula, each a contiguous
 * 4-lane loop. Same operations in the same order (x, then y, then z) as sampleGrid's trilinear
 * rows, rounded to float32 per operation like torch's kernels.
 *
 * Only for tables that read x, y, z from source x, y, z (no axis permutation): the inverse
 * mapping and resampling steps; orientation changes go through sampleGrid.
 *
 * Above the crossover the output slices are split into ranges of k run on the kernel threads
 * (core/threads/): each thread opens its own sampler (arena and slice caches) on the shared
 * source and copies its slices into a shared output. A slice's value does not depend on which
 * slices were cached before it, so the bytes are those of the single-threaded pass.
 */
import type { TypedArray } from '../core/dtype.js';
import { InputError } from '../core/errors.js';
import { asShared, isShared, planThreads, runSlabs, sharedArray, type SlabKernel } from '../core/threads/slab-pool.js';
import { createKernelArena, type KernelArena } from '../core/volume-kernels.js';
import { readingSpan, type AxisTable } from './axis-tables.js';

export interface SeparableSource {
  /** Planar channels, x fastest; any numeric typed array (converted to float32 per slice). */
  readonly src: TypedArray;
  readonly srcSize: readonly [number, number, number];
  readonly channels: number;
  readonly outSize: readonly [number, number, number];
  readonly tables: readonly [AxisTable, AxisTable, AxisTable];
  readonly fill: number;
}

/** The arena's block offsets: eight fixed blocks (tables, masks, rows, slots), then the caller's extra ones. */
type ArenaOffsets = [number, number, number, number, number, number, number, number, ...number[]];

/** Above this many bytes of per-channel slice caches the direct loop is used instead. */
const MAX_CACHE_BYTES = 256 * 1024 * 1024;

class SliceSampler {
  private readonly keys: number[];
  private readonly planeBytes: number;
  private readonly srcVoxels: number;

  constructor(
    private readonly a: KernelArena,
    private readonly s: SeparableSource,
    private readonly at: {
      off0: number;
      off1: number;
      wts: number;
      input: number;
      rows: number;
      slots: number;
      lo: number;
      hi: number;
      groups: number;
      groupOff: number;
      masks: number;
    },
    slotPairs: number,
  ) {
    this.keys = new Array<number>(slotPairs * 2).fill(-1);
    this.planeBytes = s.outSize[0] * s.outSize[1] * 4;
    this.srcVoxels = s.srcSize[0] * s.srcSize[1] * s.srcSize[2];
  }

  /**
   * Output slice k of source channel c, written at byte offset dst of the arena, through the
   * slice cache `slot` (keys are absolute source offsets, so channels may share a slot).
   */
  slice(c: number, slot: number, k: number, dst: number): void {
    const { f32, kernels } = this.a;
    const tz = this.s.tables[2];
    const z0 = tz.off0[k]!;
    const n = this.planeBytes >> 2;
    const base = c * this.srcVoxels;
    if (z0 < 0) {
      f32.fill(this.s.fill, dst >> 2, (dst >> 2) + n);
      return;
    }
    const z1 = tz.off1[k]!;
    const w = tz.weight[k]!;
    const p0 = this.ySlice(slot, base + z0, base + z1);
    if (w === 0 || z1 === z0) {
      f32.copyWithin(dst >> 2, p0 >> 2, (p0 >> 2) + n);
      return;
    }
    kernels.lerp(dst, p0, this.ySlice(slot, base + z1, base + z0), n, w);
  }

  /** The y-interpolated slice at source offset `from` (cached), keeping `keep` cached. */
  private ySlice(slot: number, from: number, keep: number): number {
    const slot0 = this.at.slots + 2 * slot * this.planeBytes;
    if (this.keys[2 * slot] === from) return slot0;
    if (this.keys[2 * slot + 1] === from) return slot0 + this.planeBytes;
    const s = this.keys[2 * slot] === keep ? 1 : 0;
    this.keys[2 * slot + s] = from;
    const ptr = slot0 + s * this.planeBytes;
    const { f32, kernels } = this.a;
    const [n0, n1] = this.s.srcSize;
    const [m0, m1] = this.s.outSize;
    const base = from;
    f32.set(this.s.src.subarray(base, base + n0 * n1) as unknown as ArrayLike<number>, this.at.input >> 2);
    const at = this.at;
    if (at.groups > 0)
      kernels.linearRowsNarrow(at.input, at.rows, n1, n0 * 4, m0, at.lo, at.hi, at.groups, at.groupOff, at.masks, at.off0, at.off1, at.wts, this.s.fill);
    else kernels.linearRows(at.input, at.rows, n1, n0 * 4, m0, at.lo, at.hi, at.off0, at.off1, at.wts, this.s.fill);
    const ty = this.s.tables[1];
    for (let j = 0; j < m1; j++) {
      const row = ptr + j * m0 * 4;
      const y0 = ty.off0[j]!;
      if (y0 < 0) {
        f32.fill(this.s.fill, row >> 2, (row >> 2) + m0);
        continue;
      }
      // Table offsets are source elements (row index x n0); rows of the x pass hold m0 each.
      const r0 = this.at.rows + (y0 / n0) * m0 * 4;
      const y1 = ty.off1[j]!;
      const w = ty.weight[j]!;
      if (w === 0 || y1 === y0) f32.copyWithin(row >> 2, r0 >> 2, (r0 >> 2) + m0);
      else kernels.lerp(row, r0, this.at.rows + (y1 / n0) * m0 * 4, m0, w);
    }
    return ptr;
  }
}

/**
 * How many groups of four outputs from `lo` on have both taps within one 16-byte load each
 * (taps advancing by at most one source element per output); 0 unless that covers all but a
 * few outputs (the narrow kernel then does everything but a short scalar tail).
 */
function narrowGroups(tx: AxisTable, inside: { lo: number; hi: number }): number {
  let g = 0;
  for (let t = inside.lo; t + 3 < inside.hi; t += 4, g++) {
    let ok = true;
    for (let j = 0; j < 4 && ok; j++) {
      const a = tx.off0[t + j]! - tx.off0[t]!;
      const b = tx.off1[t + j]! - tx.off0[t]! - 1;
      ok = a >= 0 && a <= 3 && b >= 0 && b <= 3;
    }
    if (!ok) break;
  }
  return inside.hi - inside.lo - 4 * g <= 8 ? g : 0;
}

function openSampler(
  s: SeparableSource,
  slotPairs: number,
  extraBlocks: readonly number[],
): { arena: KernelArena; sampler: SliceSampler; extra: number[] } | null {
  const [n0, n1] = s.srcSize;
  const [m0, m1] = s.outSize;
  const plane = m0 * m1 * 4;
  if (slotPairs * 2 * plane > MAX_CACHE_BYTES) return null;
  const tx = s.tables[0];
  const inside = readingSpan(tx.off0);
  if (inside === null) return null;
  const groups = narrowGroups(tx, inside);
  // Two bytes of slack after the source slice: the narrow kernel's 16-byte loads may overhang a row end.
  const arena = createKernelArena([m0 * 4, m0 * 4, m0 * 4, groups * 4, groups * 32, n0 * n1 * 4 + 32, n1 * m0 * 4, slotPairs * 2 * plane, ...extraBlocks]);
  if (arena === null) return null;
  const [off0, off1, wts, groupOff, masks, input, rows, slots, ...extra] = arena.offsets as ArenaOffsets;
  for (let t = 0; t < m0; t++) {
    // Byte offsets within a row.
    arena.i32[(off0 >> 2) + t] = Math.max(0, tx.off0[t]!) * 4;
    arena.i32[(off1 >> 2) + t] = Math.max(0, tx.off1[t]!) * 4;
    arena.f32[(wts >> 2) + t] = tx.weight[t]!;
  }
  for (let g = 0; g < groups; g++) {
    const t = inside.lo + 4 * g;
    arena.i32[(groupOff >> 2) + g] = tx.off0[t]! * 4;
    for (let j = 0; j < 4; j++) {
      const a = tx.off0[t + j]! - tx.off0[t]!;
      const b = tx.off1[t + j]! - tx.off0[t]! - 1;
      for (let k = 0; k < 4; k++) {
        arena.u8[masks + g * 32 + j * 4 + k] = a * 4 + k;
        arena.u8[masks + g * 32 + 16 + j * 4 + k] = b * 4 + k;
      }
    }
  }
  const at = { off0, off1, wts, input, rows, slots, lo: inside.lo, hi: inside.hi, groups, groupOff, masks };
  return { arena, sampler: new SliceSampler(arena, s, at, slotPairs), extra };
}

/**
 * Output voxels x channels below which a resampling stays on one thread: from 96x112x128 x 3
 * (4.1M) up the fused resampling + argmax ran 1.5-1.8x shorter on the critical path for about
 * the same CPU, at 80^3 x 3 (1.5M) 1.1-1.4x for 1.8-2.5x the CPU. A float32 output (one
 * channel) gains 1.1x at most: the first-touch page faults of its new output serialise in the
 * kernel (bench/kernel-threads.mjs --family volume, BENCHMARKS.md "Kernel threads: volume kernels").
 */
export const RESAMPLE_CROSSOVER = 3 << 20;

interface SampleArgs {
  readonly s: SeparableSource;
  readonly out: Float32Array;
}

/** Output slices [k0, k1) of every channel into `out`; 1 where the kernels are unavailable here, else 0. */
export const SAMPLE_SEPARABLE_KERNEL: SlabKernel<SampleArgs> = {
  name: 'sampleTrilinearSeparable',
  run: ({ s, out }, k0, k1) => {
    const [m0, m1, m2] = s.outSize;
    const plane = m0 * m1;
    const opened = openSampler(s, 1, [plane * 4]);
    if (opened === null) return 1;
    const { arena, sampler, extra } = opened;
    const dst = extra[0]!;
    for (let c = 0; c < s.channels; c++)
      for (let k = k0; k < k1; k++) {
        sampler.slice(c, 0, k, dst);
        out.set(arena.f32.subarray(dst >> 2, (dst >> 2) + plane), (c * m2 + k) * plane);
      }
    return 0;
  },
};

/**
 * Whether the threads may take a resampling by default (`threads` unset): a source not on shared
 * memory is copied there first, which pays only where the output is at least as large. A 512x512x300
 * int16 CT down to 256x256x150 (det3d's plan) took 54-66 ms on one thread and 145-204 ms on two
 * with the copy (2 cores, load ~4, 2026-12-07; BENCHMARKS.md "completed planes labelled ...").
 */
function copyPays(src: TypedArray, outElements: number, threads: number | undefined): boolean {
  return threads !== undefined || isShared(src) || src.length <= outElements;
}

/**
 * Trilinear sampling of every channel (planar float32), or null where the kernels are
 * unavailable. Single-threaded the result is a view of the kernel arena (output slices are
 * interpolated in place, never copied); threaded, a view of shared memory.
 */
export function sampleTrilinearSeparable(s: SeparableSource, threads?: number): Float32Array | null {
  const [m0, m1, m2] = s.outSize;
  const plane = m0 * m1;
  const t = copyPays(s.src, s.channels * m2 * plane, threads) ? planThreads(s.channels * m2 * plane, m2, threads, RESAMPLE_CROSSOVER) : 1;
  if (t > 1) {
    const out = sharedArray(Float32Array, s.channels * m2 * plane);
    if (runSlabs(SAMPLE_SEPARABLE_KERNEL, { s: { ...s, src: asShared(s.src) }, out }, m2, t) === 0) return out;
  }
  // Channel by channel through one slice cache: memory independent of the channel count.
  const opened = openSampler(s, 1, [s.channels * m2 * plane * 4]);
  if (opened === null) return null;
  const { arena, sampler, extra } = opened;
  const out = extra[0]!;
  for (let c = 0; c < s.channels; c++) {
    for (let k = 0; k < m2; k++) sampler.slice(c, 0, k, out + (c * m2 + k) * plane * 4);
  }
  return arena.f32.subarray(out >> 2, (out >> 2) + s.channels * m2 * plane);
}

/** How each output slice of channels becomes labels. */
export type SliceLabels =
  | { readonly kind: 'argmax' }
  /** Sigmoid regions: the last region in `order` passing the threshold writes its label. */
  | { readonly kind: 'regions'; readonly order: readonly number[]; readonly labels: readonly number[]; readonly threshold: number; readonly gte: boolean };

interface LabelsArgs {
  readonly s: SeparableSource;
  readonly how: SliceLabels;
  readonly out: Uint8Array;
}

/**
 * Output slices [k0, k1) of a label map into `out`. Returns 0, or (threaded) 1 where this thread
 * could not open the kernels or met a NaN: the caller then reruns single-threaded, which
 * reports the first NaN as a typed error (a worker's error would arrive as text only).
 */
function labelSlices(a: LabelsArgs, k0: number, k1: number, throwOnNaN: boolean): number {
  const { s, how, out } = a;
  const [m0, m1] = s.outSize;
  const plane = m0 * m1;
  const used = how.kind === 'argmax' ? [...Array(s.channels).keys()] : [...new Set(how.order)];
  const opened = openSampler(s, s.channels, [s.channels * plane * 4, plane, 8 * used.length]);
  if (opened === null) return 1;
  const { arena, sampler, extra } = opened;
  const [planes, labels, regions] = extra as [number, number, number];
  if (how.kind === 'regions') {
    how.order.forEach((c, r) => {
      arena.i32[(regions >> 2) + 2 * r] = c * plane * 4;
      arena.i32[(regions >> 2) + 2 * r + 1] = how.labels[r]!;
    });
  }
  for (let k = k0; k < k1; k++) {
    for (const c of used) sampler.slice(c, c, k, planes + c * plane * 4);
    const nan =
      how.kind === 'argmax'
        ? arena.kernels.argmaxPlanes(planes, s.channels, plane, labels)
        : arena.kernels.regionsPlanes(planes, plane, regions, how.order.length, how.threshold, how.gte ? 1 : 0, labels);
    if (nan >= 0) {
      if (!throwOnNaN) return 1;
      const c = used.find((ch) => Number.isNaN(arena.f32[(planes >> 2) + ch * plane + nan]))!;
      const what = how.kind === 'argmax' ? 'channel' : 'region channel';
      throw new InputError(`${what} ${c} has NaN at voxel ${k * plane + nan}`, { channel: c, voxel: k * plane + nan });
    }
    out.set(arena.u8.subarray(labels, labels + plane), k * plane);
  }
  return 0;
}

export const LABELS_SEPARABLE_KERNEL: SlabKernel<LabelsArgs> = { name: 'labelsTrilinearSeparable', run: (a, k0, k1) => labelSlices(a, k0, k1, false) };

/**
 * Label map from the trilinear resampling of the channels, slice by slice: no channel is ever
 * held on the output grid. argmax: ties to the lower channel; regions: the channels in `order`
 * only, uint8 labels, a threshold exact in float32. Null: kernels unavailable (or labels > 255).
 * Threaded (above the crossover) the map is a view of shared memory.
 */
export function labelsTrilinearSeparable(s: SeparableSource, how: SliceLabels, threads?: number): Uint8Array | null {
  if (s.channels > 256 || (how.kind === 'regions' && how.labels.some((l) => l > 255))) return null;
  const [m0, m1, m2] = s.outSize;
  const plane = m0 * m1;
  const used = how.kind === 'argmax' ? s.channels : new Set(how.order).size;
  const t = copyPays(s.src, used * m2 * plane, threads) ? planThreads(used * m2 * plane, m2, threads, RESAMPLE_CROSSOVER) : 1;
  if (t > 1) {
    const out = sharedArray(Uint8Array, plane * m2);
    const plain: SliceLabels = how.kind === 'argmax' ? how : { ...how, order: [...how.order], labels: [...how.labels] };
    if (runSlabs(LABELS_SEPARABLE_KERNEL, { s: { ...s, src: asShared(s.src) }, how: plain, out }, m2, t) === 0) return out;
  }
  const out = new Uint8Array(plane * m2);
  return labelSlices({ s, how, out }, 0, m2, true) === 0 ? out : null;
}
