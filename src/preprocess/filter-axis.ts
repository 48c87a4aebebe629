/**
 * Separable multi-tap resampling along one axis (area averaging, torch's antialiased bilinear).
 * Each output position t reads `width` consecutive source samples starting at start[t] with
 * weights weights[t * width + q] (zero-padded when fewer taps are needed). Lines along j and k
 * are processed as whole contiguous rows so the inner loop runs over i.
 * Inputs are assumed finite: the i pass multiplies whole zero-padded tap windows, so a NaN next
 * to (not inside) a window would still propagate into that output.
 */
import type { TypedArray } from '../core/dtype.js';
import { blendLinesBand, type RangeProbe } from './band-blend.js';
import { BUF_A, BUF_B, CHUNK, TABLE, TABLE_BYTES, getSimdKernels, type SimdKernels } from './simd.js';

export interface TapTable {
  readonly start: Int32Array;
  readonly width: number;
  readonly weights: Float32Array;
}

/** Builds a tap table from a per-output list of (first index, weights). */
export function createTapTable(lists: readonly { first: number; weights: readonly number[] }[]): TapTable {
  let width = 1;
  for (const l of lists) width = Math.max(width, l.weights.length);
  const start = new Int32Array(lists.length);
  const weights = new Float32Array(lists.length * width);
  lists.forEach((l, t) => {
    start[t] = l.first;
    l.weights.forEach((w, q) => {
      weights[t * width + q] = w;
    });
  });
  return { start, width, weights };
}

type RowPass = (src: TypedArray, out: Float32Array, rows: number, n0: number, m: number, taps: TapTable) => void;
type LinePass = (k: SimdKernels | null, src: TypedArray, out: Float32Array, outer: number, n: number, run: number, m: number, taps: TapTable) => void;

/** Along i: each row of n0 samples becomes m samples. */
function createRowPass(): RowPass {
  return (src, out, rows, n0, m, { start, width, weights }) => {
    for (let r = 0; r < rows; r++) {
      const s = r * n0;
      const o = r * m;
      for (let t = 0; t < m; t++) {
        const b = s + start[t]!;
        const wb = t * width;
        // Tables are zero-padded to the widest output's taps: near the row end those padding
        // taps would read past the row (past the array on the last row: 0 * undefined = NaN).
        const taps = Math.min(width, n0 - start[t]!);
        let acc = 0;
        for (let q = 0; q < taps; q++) acc += weights[wb + q]! * src[b + q]!;
        out[o + t] = acc;
      }
    }
  };
}

/**
 * Along j or k: whole runs of `run` contiguous samples are blended (first tap assigns). With SIMD
 * kernels each output line goes through blendLineSimd; the walk over lines is the same.
 */
function createLinePass(): LinePass {
  return (k, src, out, outer, n, run, m, taps) => {
    const { start, width, weights } = taps;
    for (let u = 0; u < outer; u++) {
      const sBase = u * n * run;
      const oBase = u * m * run;
      for (let t = 0; t < m; t++) {
        const o = oBase + t * run;
        const wb = t * width;
        if (k !== null) {
          blendLineSimd(k, src, out, o, sBase + start[t]! * run, run, wb, taps);
          continue;
        }
        let first = true;
        for (let q = 0; q < width; q++) {
          const w = weights[wb + q]!;
          if (w === 0) continue;
          const s = sBase + (start[t]! + q) * run;
          if (first) for (let x = 0; x < run; x++) out[o + x] = w * src[s + x]!;
          else for (let x = 0; x < run; x++) out[o + x] = out[o + x]! + w * src[s + x]!;
          first = false;
        }
      }
    }
  };
}

/**
 * One output line (out[o .. o + run)) through the SIMD axpy kernels: per chunk of the run, each
 * tap's source row (tap q starts at s0 + q * run) is copied into module memory (uint16 stays
 * uint16, anything else converts to float32 in the copy) and blended into an accumulator row,
 * which is copied out once. wb: the line's first entry in the weight table.
 */
function blendLineSimd(k: SimdKernels, src: TypedArray, out: Float32Array, o: number, s0: number, run: number, wb: number, taps: TapTable): void {
  const { width, weights } = taps;
  const u16 = src instanceof Uint16Array;
  const lanes = u16 ? 8 : 4;
  for (let x0 = 0; x0 < run; x0 += CHUNK) {
    const len = Math.min(CHUNK, run - x0);
    const vec = len - (len % lanes);
    let first = 1;
    for (let q = 0; q < width; q++) {
      const w = weights[wb + q]!;
      if (w === 0) continue;
      const s = s0 + q * run + x0;
      if (vec > 0) {
        if (u16) {
          k.u16.set(src.subarray(s, s + vec), BUF_B / 2);
          k.axpyU16(BUF_A, BUF_B, vec / 8, w, first);
        } else {
          k.f32.set(src.subarray(s, s + vec), BUF_B / 4);
          k.axpyF32(BUF_A, BUF_B, vec / 4, w, first);
        }
      }
      for (let x = vec; x < len; x++) out[o + x0 + x] = (first === 1 ? 0 : out[o + x0 + x]!) + w * src[s + x]!;
      first = 0;
    }
    if (first === 1) out.fill(0, o + x0, o + x0 + len);
    else if (vec > 0) out.set(k.f32.subarray(BUF_A / 4, BUF_A / 4 + vec), o + x0);
  }
}

/**
 * The i pass via the SIMD rowDot kernel: blocks of whole rows are copied into module memory
 * (converting to float32) and each output is a 4-lane dot product over its taps. Tap windows are
 * shifted left where needed so they never read past the end of a row (weights stay aligned).
 * Returns false when the table does not fit (very wide outputs): the caller uses scalar code.
 */
function blendRowsSimd(k: SimdKernels, src: TypedArray, out: Float32Array, rows: number, n0: number, m: number, taps: TapTable): boolean {
  const plan = planRowDot(k, n0, m, taps);
  if (plan === null) return false;
  const block = Math.max(1, Math.floor(CHUNK / Math.max(n0, m)));
  for (let r0 = 0; r0 < rows; r0 += block) {
    const b = Math.min(block, rows - r0);
    k.f32.set(src.subarray(r0 * n0, (r0 + b) * n0), BUF_A / 4);
    k.rowDot(BUF_A, BUF_B, b, n0, m, TABLE, plan.weightsAt, plan.nvec);
    out.set(k.f32.subarray(BUF_B / 4, BUF_B / 4 + b * m), r0 * m);
  }
  return true;
}

/**
 * rowDot's tables at TABLE (starts, then weights zero-padded to whole vectors, windows shifted
 * left where needed so they never read past the row end); null when they do not fit. `end`: the
 * first free byte after them.
 */
function planRowDot(k: SimdKernels, n0: number, m: number, taps: TapTable): { weightsAt: number; nvec: number; end: number } | null {
  const { start, width, weights } = taps;
  const w4 = (width + 3) & ~3;
  const weightsAt = TABLE + ((m * 4 + 15) & ~15);
  if (n0 < w4 || weightsAt + m * w4 * 4 > TABLE + TABLE_BYTES) return null;
  const starts = new Int32Array(k.memory.buffer, TABLE, m);
  const wts = new Float32Array(k.memory.buffer, weightsAt, m * w4);
  wts.fill(0);
  for (let t = 0; t < m; t++) {
    const s = Math.min(start[t]!, n0 - w4);
    const shift = start[t]! - s;
    starts[t] = s;
    for (let q = 0; q < width && shift + q < w4; q++) wts[t * w4 + shift + q] = weights[t * width + q]!;
  }
  return { weightsAt, nvec: w4 / 4, end: weightsAt + m * w4 * 4 };
}

/**
 * Both in-plane passes of a shrink along j and i at once, for planar `src` of size [n0, n1, n2]:
 * each line of the j pass goes from the band kernel straight into the i pass's rowDot in module
 * memory, so the n0 x m1 intermediate is never allocated, copied out and copied back in. The
 * same kernels in the same order as filterAxis along j, then i: the same bits. Null when either
 * pass would not take that SIMD path (the caller then runs the two passes).
 */
export function filterPlane(
  src: TypedArray,
  size: readonly [number, number, number],
  channels: number,
  tapsJ: TapTable,
  tapsI: TapTable,
  probe?: RangeProbe,
): { data: Float32Array; size: [number, number, number] } | null {
  const [n0, n1, n2] = size;
  const m1 = tapsJ.start.length;
  const m0 = tapsI.start.length;
  // filterAxis's conditions for the SIMD line pass (j) and the rowDot i pass on its output.
  if (n0 < 64 || m1 * n2 * channels < 32 || tapsI.width < 4) return null;
  const k = getSimdKernels();
  const plan = k === null ? null : planRowDot(k, n0, m0, tapsI);
  if (k === null || plan === null) return null;
  const rowOut = (plan.end + 15) & ~15;
  const tableAt = rowOut + ((m0 * 4 + 15) & ~15);
  const out = new Float32Array(m0 * m1 * n2 * channels);
  const ok = blendLinesBand(k, src, null, n2 * channels, n1, n0, m1, tapsJ, {
    ...(probe === undefined ? {} : { probe }),
    tableAt,
    sink: (u, t) => {
      k.rowDot(BUF_A, rowOut, 1, n0, m0, TABLE, plan.weightsAt, plan.nvec);
      out.set(k.f32.subarray(rowOut / 4, rowOut / 4 + m0), (u * m1 + t) * m0);
    },
  });
  return ok ? { data: out, size: [m0, m1, n2] } : null;
}

// One closure per source array type: V8 keeps type feedback (and optimised code) per closure,
// so a uint16 radiograph and the float32 intermediates each get a monomorphic loop (several times
// faster than one shared polymorphic loop; BENCHMARKS.md, "Design measurements").
const ROW_F32 = createRowPass();
const ROW_OTHER = createRowPass();
const LINE_F32 = createLinePass();
const LINE_U16 = createLinePass();
const LINE_OTHER = createLinePass();

/**
 * Filters `src` (planar channels, size [n0, n1, n2]) along `axis`, producing a Float32Array of
 * size with size[axis] replaced by the tap table length.
 */
export function filterAxis(
  src: TypedArray,
  size: readonly [number, number, number],
  channels: number,
  axis: 0 | 1 | 2,
  taps: TapTable,
  probe?: RangeProbe,
): { data: Float32Array; size: [number, number, number] } {
  const m = taps.start.length;
  const outSize: [number, number, number] = [size[0], size[1], size[2]];
  outSize[axis] = m;
  const [n0, n1, n2] = size;
  const out = new Float32Array(outSize[0] * outSize[1] * outSize[2] * channels);
  if (axis === 0) {
    const rows = n1 * n2 * channels;
    const simd = rows >= 32 && taps.width >= 4 ? getSimdKernels() : null;
    if (simd === null || !blendRowsSimd(simd, src, out, rows, n0, m, taps)) (src instanceof Float32Array ? ROW_F32 : ROW_OTHER)(src, out, rows, n0, m, taps);
  } else {
    const [outer, n, run] = axis === 1 ? [n2 * channels, n1, n0] : [channels, n2, n0 * n1];
    const simd = run >= 64 ? getSimdKernels() : null;
    if (simd !== null && blendLinesBand(simd, src, out, outer, n, run, m, taps, probe === undefined ? {} : { probe })) return { data: out, size: outSize };
    (src instanceof Float32Array ? LINE_F32 : src instanceof Uint16Array ? LINE_U16 : LINE_OTHER)(simd, src, out, outer, n, run, m, taps);
  }
  return { data: out, size: outSize };
}
