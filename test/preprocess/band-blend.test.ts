/**
 * The band kernels of the j / k resize passes (band-blend.ts) against the definition evaluated
 * in scalar code: each output is 0 plus its taps in table order, rounded to float32 after every
 * add (what the per-tap axpy path computed), so the comparison is exact. Shapes cover whole-line
 * bands (uint16 and float32), column chunks of very long lines, lengths that are not a multiple
 * of 16 (scalar tails), several outer blocks, and tables the band cannot take (fallback).
 */
import { describe, expect, it } from 'vitest';
import type { TypedArray } from '../../src/core/dtype.js';
import { blendLinesBand } from '../../src/preprocess/band-blend.js';
import { filterAxis, filterPlane } from '../../src/preprocess/filter-axis.js';
import { buildAntialiasTaps, buildAreaTaps, buildBilinearTaps } from '../../src/preprocess/resize-taps.js';
import { CHUNK, getSimdKernels } from '../../src/preprocess/simd.js';
import { noise } from './fixtures.js';

type Taps = ReturnType<typeof buildAntialiasTaps>;

/**
 * The per-tap path's arithmetic: float32 sums of the non-zero taps in order, starting at 0; in
 * its vector part (chunks of CHUNK samples, whole vectors of `lanes`) the sample is float32 and
 * the product rounded before the add, in its scalar tails the exact product is added.
 */
function reference(src: TypedArray, outer: number, n: number, run: number, taps: Taps): Float32Array {
  const lanes = src instanceof Uint16Array ? 8 : 4;
  const vectorPart = (x: number) => {
    const len = Math.min(CHUNK, run - (x - (x % CHUNK)));
    return x % CHUNK < len - (len % lanes);
  };
  const m = taps.start.length;
  const out = new Float32Array(outer * m * run);
  for (let u = 0; u < outer; u++)
    for (let t = 0; t < m; t++)
      for (let x = 0; x < run; x++) {
        let acc = 0;
        for (let q = 0; q < taps.width; q++) {
          const w = taps.weights[t * taps.width + q]!;
          const v = src[u * n * run + (taps.start[t]! + q) * run + x]!;
          if (w !== 0) acc = Math.fround(acc + (vectorPart(x) ? Math.fround(w * Math.fround(v)) : w * v));
        }
        out[u * m * run + t * run + x] = acc;
      }
  return out;
}

function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('band kernels of the j / k resize passes: bit-identical to the per-tap float32 sums', () => {
  const k = getSimdKernels()!;
  const cases: { name: string; src: TypedArray; outer: number; n: number; run: number; taps: Taps }[] = [];
  const r = noise(700 * 611, 3);
  cases.push({
    name: 'uint16 611 lines of 700 -> 67 (antialias, whole-line bands, 12 tail samples)',
    src: new Uint16Array(700 * 611).map((_, i) => Math.floor(r[i]! * 4096)),
    outer: 1,
    n: 611,
    run: 700,
    taps: buildAntialiasTaps(611, 67),
  });
  cases.push({
    name: 'float32 3 blocks of 40 lines of 333 -> 9 (area)',
    src: new Float32Array(3 * 40 * 333).map((_, i) => r[i]! * 200 - 100),
    outer: 3,
    n: 40,
    run: 333,
    taps: buildAreaTaps(40, 9),
  });
  cases.push({
    name: 'uint8 50 lines of 129 -> 17 (bilinear, uint8 kernel)',
    src: new Uint8Array(50 * 129).map((_, i) => Math.floor(r[i]! * 256)),
    outer: 1,
    n: 50,
    run: 129,
    taps: buildBilinearTaps(50, 17),
  });
  cases.push({
    name: 'float32 12 slices of 300x300 -> 5 along k (column chunks of the 90000-sample lines)',
    src: new Float32Array(12 * 90000).map((_, i) => r[i % r.length]! * 10),
    outer: 1,
    n: 12,
    run: 90000,
    taps: buildAntialiasTaps(12, 5),
  });
  for (const c of cases) {
    it(c.name, () => {
      const m = c.taps.start.length;
      const out = new Float32Array(c.outer * m * c.run);
      expect(blendLinesBand(k, c.src, out, c.outer, c.n, c.run, m, c.taps)).toBe(true);
      expect(firstDifference(out, reference(c.src, c.outer, c.n, c.run, c.taps))).toBe(-1);
    });
  }

  it('declines windows too wide for a band (20000 -> 2 lines of 64 uint16); filterAxis then runs the per-tap path', () => {
    const src = new Uint16Array(64 * 20000).map((_, i) => Math.floor(r[i % r.length]! * 65535));
    const taps = buildAntialiasTaps(20000, 2);
    expect(blendLinesBand(k, src, new Float32Array(2 * 64), 1, 20000, 64, 2, taps)).toBe(false);
    const { data } = filterAxis(src, [64, 20000, 1], 1, 1, taps);
    expect(firstDifference(data, reference(src, 1, 20000, 64, taps))).toBe(-1);
  });

  it('fused j + i pass (filterPlane) equals filterAxis along j then i, bit for bit: uint16 and 3-channel float32', () => {
    const inputs = [
      { src: new Uint16Array(700 * 611).map((_, i) => Math.floor(r[i]! * 4096)), size: [700, 611, 1] as [number, number, number], channels: 1 },
      { src: new Float32Array(3 * 300 * 257).map((_, i) => r[i]! * 2 - 1), size: [300, 257, 1] as [number, number, number], channels: 3 },
    ];
    for (const { src, size, channels } of inputs) {
      const tapsJ = buildAntialiasTaps(size[1], 59);
      const tapsI = buildAntialiasTaps(size[0], 67);
      const fused = filterPlane(src, size, channels, tapsJ, tapsI);
      expect(fused).not.toBeNull();
      const j = filterAxis(src, size, channels, 1, tapsJ);
      const ji = filterAxis(j.data, j.size, channels, 0, tapsI);
      expect(fused!.size).toEqual(ji.size);
      expect(firstDifference(fused!.data, ji.data)).toBe(-1);
    }
  });
});
