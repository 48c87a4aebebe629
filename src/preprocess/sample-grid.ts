/**
 * The one spatial kernel behind orient, crop/pad, nearest and linear resampling, resize and the
 * inverse mapping: out[c, k, j, i] = trilinear blend of src at per-axis table offsets. Because
 * the tables hold offsets already multiplied by the source stride of the axis they read, axis
 * permutations (orientation) cost nothing extra. Writes into a caller-provided array: no
 * per-voxel allocation, at most one extra full-size buffer (the output).
 */
import type { TypedArray } from '../core/dtype.js';
import { readingSpan, type AxisTable } from './axis-tables.js';

export interface SampleGridInput {
  readonly src: TypedArray;
  /** Voxels per channel in src. */
  readonly srcVoxels: number;
  readonly channels: number;
  readonly outSize: readonly [number, number, number];
  readonly tables: readonly [AxisTable, AxisTable, AxisTable];
  readonly linear: boolean;
  readonly fill: number;
}

export function sampleGrid(input: SampleGridInput, out: TypedArray): void {
  const { src, srcVoxels, channels, outSize, tables, linear, fill } = input;
  const [m0, m1, m2] = outSize;
  const [tx, ty, tz] = tables;
  const outVoxels = m0 * m1 * m2;
  // Nearest along x through a run of consecutive source elements (crop, pad, integer shift):
  // whole row segments copied instead of element by element.
  const run = linear ? null : contiguousRun(tx.off0);
  for (let c = 0; c < channels; c++) {
    const sBase = c * srcVoxels;
    let o = c * outVoxels;
    for (let k = 0; k < m2; k++) {
      const z0 = tz.off0[k]!;
      if (z0 < 0) {
        out.fill(fill, o, o + m0 * m1);
        o += m0 * m1;
        continue;
      }
      const z1 = tz.off1[k]!;
      const wz = linear ? tz.weight[k]! : 0;
      for (let j = 0; j < m1; j++, o += m0) {
        const y0 = ty.off0[j]!;
        if (y0 < 0) {
          out.fill(fill, o, o + m0);
          continue;
        }
        const y1 = ty.off1[j]!;
        const wy = linear ? ty.weight[j]! : 0;
        if (run !== null) {
          copyRun(src, sBase + z0 + y0, run, fill, out, o, m0);
        } else if (!linear || (wy === 0 && wz === 0)) {
          sampleRowFlat(src, sBase + z0 + y0, tx, linear, fill, out, o, m0);
        } else {
          sampleRowLinear(src, sBase + z0 + y0, sBase + z0 + y1, sBase + z1 + y0, sBase + z1 + y1, wy, wz, tx, fill, out, o, m0);
        }
      }
    }
  }
}

interface Run {
  /** Outputs [lo, hi) read source elements from, from + 1, ...; the rest are outside (fill). */
  readonly lo: number;
  readonly hi: number;
  readonly from: number;
}

function contiguousRun(off0: Int32Array): Run | null {
  const span = readingSpan(off0);
  if (span === null || span.hi - span.lo < 16) return null;
  const from = off0[span.lo]!;
  for (let t = span.lo; t < span.hi; t++) if (off0[t] !== from + (t - span.lo)) return null;
  return { ...span, from };
}

function copyRun(src: TypedArray, b: number, run: Run, fill: number, out: TypedArray, o: number, m0: number): void {
  if (run.lo > 0) out.fill(fill, o, o + run.lo);
  out.set(src.subarray(b + run.from, b + run.from + run.hi - run.lo) as never, o + run.lo);
  if (run.hi < m0) out.fill(fill, o + run.hi, o + m0);
}

function sampleRowFlat(src: TypedArray, b: number, tx: AxisTable, linear: boolean, fill: number, out: TypedArray, o: number, m0: number): void {
  const off0 = tx.off0;
  const off1 = tx.off1;
  const w = tx.weight;
  for (let i = 0; i < m0; i++) {
    const x0 = off0[i]!;
    if (x0 < 0) {
      out[o + i] = fill;
    } else if (linear) {
      const a = src[b + x0]!;
      out[o + i] = a + (src[b + off1[i]!]! - a) * w[i]!;
    } else {
      out[o + i] = src[b + x0]!;
    }
  }
}

/** Source rows b0 and b1 blended at x taps x0, x1 (weight wx) and then in y (weight wy). */
function bilerp(src: TypedArray, b0: number, b1: number, x0: number, x1: number, wx: number, wy: number): number {
  const a0 = src[b0 + x0]!;
  const a1 = src[b1 + x0]!;
  const r0 = a0 + (src[b0 + x1]! - a0) * wx;
  const r1 = a1 + (src[b1 + x1]! - a1) * wx;
  return r0 + (r1 - r0) * wy;
}

/**
 * Bilinear (wz = 0, one slice) and trilinear rows (two slices blended in z), both through bilerp
 * (V8 inlines it); fill where the x tap is outside.
 */
function sampleRowLinear(
  src: TypedArray,
  b00: number,
  b01: number,
  b10: number,
  b11: number,
  wy: number,
  wz: number,
  tx: AxisTable,
  fill: number,
  out: TypedArray,
  o: number,
  m0: number,
): void {
  const off0 = tx.off0;
  const off1 = tx.off1;
  const w = tx.weight;
  if (wz === 0) {
    for (let i = 0; i < m0; i++) {
      const x0 = off0[i]!;
      out[o + i] = x0 < 0 ? fill : bilerp(src, b00, b01, x0, off1[i]!, w[i]!, wy);
    }
    return;
  }
  for (let i = 0; i < m0; i++) {
    const x0 = off0[i]!;
    if (x0 < 0) {
      out[o + i] = fill;
      continue;
    }
    const s0 = bilerp(src, b00, b01, x0, off1[i]!, w[i]!, wy);
    out[o + i] = s0 + (bilerp(src, b10, b11, x0, off1[i]!, w[i]!, wy) - s0) * wz;
  }
}
