/**
 * xrvNormalize deferred after a resize (defer-intensity.ts) takes its maxval check from the
 * resize's band copies (band-blend.ts RangeProbe) instead of its own pass over the input. The
 * check must still see every sample: a stray value anywhere - in a kernel vector, in a line's
 * scalar tail, in the first or last line, under a crop that the probe cannot follow - fails the
 * plan with the same error as the plain check, and a clean image gives the same tensor as the
 * plan run step by step (fuse: false).
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import type { RangeProbe } from '../../src/preprocess/band-blend.js';
import { createTapTable, filterPlane } from '../../src/preprocess/filter-axis.js';
import { buildAntialiasTaps } from '../../src/preprocess/resize-taps.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';
import { noise } from './fixtures.js';

const PLAN = [
  { op: 'xrvNormalize' },
  { op: 'cropPad', mode: 'centerSquare' },
  { op: 'resize', size: [24, 24], mode: 'bilinear', antialias: true },
  { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
];

function image(w: number, h: number, bits: number, seed: number): Uint16Array {
  const r = noise(w * h, seed);
  return new Uint16Array(w * h).map((_, i) => Math.floor(r[i]! * 2 ** bits));
}

describe('xrvNormalize range check gathered by the resize after it', () => {
  // 300 columns: 18 whole 16-sample vectors and a 12-sample tail per line.
  const [w, h] = [300, 300];
  it('a clean 12-bit image: the same tensor as step by step', () => {
    const data = image(w, h, 12, 5);
    const v = createVolume({ geometry: { size: [w, h, 1] }, data, meta: { bitsStored: 12 } });
    const fused = runPreprocessPlan(v, PLAN).tensor.data;
    const plain = runPreprocessPlan(v, PLAN, { fuse: false }).tensor.data;
    let worst = 0;
    for (let i = 0; i < fused.length; i++) worst = Math.max(worst, Math.abs(fused[i]! - plain[i]!));
    // The normalisation after the resize instead of before it: float32 rounding only.
    expect(worst).toBeLessThan(1e-3);
  });

  for (const [where, at] of [
    ['in a kernel vector', 150 * w + 37],
    ['in a line tail', 77 * w + 295],
    ['in the first line', 3],
    ['in the last sample', w * h - 1],
  ] as const) {
    it(`a value above 4095 ${where} fails like the plain check`, () => {
      const data = image(w, h, 12, 6);
      data[at] = 4096 + 17;
      const v = createVolume({ geometry: { size: [w, h, 1] }, data, meta: { bitsStored: 12 } });
      expect(() => runPreprocessPlan(v, PLAN)).toThrow(/xrvNormalize: value 4113 exceeds maxval 4095/);
    });
  }

  it('a crop before the resize (the probe cannot follow): the stray value outside the crop still fails', () => {
    const data = image(w + 40, h, 12, 7);
    data[5] = 5000; // column 5: cut away by centerSquare (columns 20 .. 319 stay)
    const v = createVolume({ geometry: { size: [w + 40, h, 1] }, data, meta: { bitsStored: 12 } });
    expect(() => runPreprocessPlan(v, PLAN)).toThrow(/value 5000 exceeds maxval 4095/);
  });

  it('the probe reports coverage only when the bands held every line (fused plane pass)', () => {
    const data = image(w, h, 12, 8);
    let or = 0;
    for (const x of data) or |= x;
    const whole: RangeProbe = { data, acc: 0, covered: false };
    expect(filterPlane(data, [w, h, 1], 1, buildAntialiasTaps(h, 40), buildAntialiasTaps(w, 24), whole)).not.toBeNull();
    expect(whole.covered).toBe(true);
    // acc ORs 32-bit words of packed uint16 samples (and single tail samples): fold the lanes.
    expect((whole.acc | (whole.acc >>> 16)) & 0xffff).toBe(or);
    // Taps reading only lines 10 .. 245 (a crop folded into the weights): lines 0-9 never copied.
    const inner = createTapTable(Array.from({ length: 40 }, (_, t) => ({ first: 10 + t * 6, weights: [0.5, 0.5] })));
    const partial: RangeProbe = { data, acc: 0, covered: false };
    expect(filterPlane(data, [w, h, 1], 1, inner, buildAntialiasTaps(w, 24), partial)).not.toBeNull();
    expect(partial.covered).toBe(false);
  });
});
