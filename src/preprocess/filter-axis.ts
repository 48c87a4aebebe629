/**
 * Separable multi-tap resampling along one axis (area averaging, torch's antialiased bilinear).
 * Each output position t reads `width` consecutive source samples starting at start[t] with
 * weights weights[t * width + q] (zero-padded when fewer taps are needed). Lines along j and k
 * are processed as whole contiguous rows so the inner loop runs over i.
 */
import type { TypedArray } from '../core/dtype.js';

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
    l.weights.forEach((w, q) => { weights[t * width + q] = w; });
  });
  return { start, width, weights };
}

/**
 * Filters `src` (planar channels, size [n0, n1, n2]) along `axis`, producing a Float32Array of
 * size with size[axis] replaced by the tap table length.
 */
export function filterAxis(src: TypedArray, size: readonly [number, number, number], channels: number, axis: 0 | 1 | 2, taps: TapTable): { data: Float32Array; size: [number, number, number] } {
  const m = taps.start.length;
  const outSize: [number, number, number] = [size[0], size[1], size[2]];
  outSize[axis] = m;
  const [n0, n1, n2] = size;
  const out = new Float32Array(outSize[0] * outSize[1] * outSize[2] * channels);
  const { start, width, weights } = taps;
  if (axis === 0) {
    const rows = n1 * n2 * channels;
    for (let r = 0; r < rows; r++) {
      const s = r * n0;
      const o = r * m;
      for (let t = 0; t < m; t++) {
        const b = s + start[t]!;
        const wb = t * width;
        let acc = 0;
        for (let q = 0; q < width; q++) {
          const w = weights[wb + q]!;
          if (w !== 0) acc += w * src[b + q]!;
        }
        out[o + t] = acc;
      }
    }
    return { data: out, size: outSize };
  }
  // For j (k) the "rows" are runs of n0 (n0*n1) contiguous samples; lines of them are blended.
  const run = axis === 1 ? n0 : n0 * n1;
  const n = axis === 1 ? n1 : n2;
  const outer = axis === 1 ? n2 * channels : channels;
  for (let u = 0; u < outer; u++) {
    const sBase = u * n * run;
    const oBase = u * m * run;
    for (let t = 0; t < m; t++) {
      const o = oBase + t * run;
      const wb = t * width;
      let firstTap = true;
      for (let q = 0; q < width; q++) {
        const w = weights[wb + q]!;
        if (w === 0) continue;
        const s = sBase + (start[t]! + q) * run;
        // The first tap assigns, later taps accumulate: one read of `out` fewer per sample.
        if (firstTap) for (let x = 0; x < run; x++) out[o + x] = w * src[s + x]!;
        else for (let x = 0; x < run; x++) out[o + x] = out[o + x]! + w * src[s + x]!;
        firstTap = false;
      }
    }
  }
  return { data: out, size: outSize };
}
