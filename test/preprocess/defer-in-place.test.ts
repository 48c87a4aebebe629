/**
 * A pointwise step deferred after a resize (defer-intensity.ts) writes into the resize's own
 * output instead of a second array - never into the caller's volume, also when the resize is an
 * identity and hands the caller's volume through. Values equal the step applied to a separate
 * copy, bit for bit (the same arithmetic on the same floats).
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { applyXrvNormalization } from '../../src/preprocess/xrv-normalize.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';
import { resizeVolume } from '../../src/preprocess/resize.js';
import type { PreprocessStep } from '../../src/preprocess/types.js';

function image(n: number): Float32Array {
  const data = new Float32Array(n * n);
  for (let p = 0; p < data.length; p++) data[p] = (p * 7919) % 4096;
  return data;
}

const plan = (size: number): PreprocessStep[] => [
  { op: 'xrvNormalize', maxval: 4095 },
  { op: 'resize', size: [size, size], mode: 'bilinear', antialias: true },
  { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
];

describe('deferred pointwise step after a resize', () => {
  it('overwrites the resize output (no second array), with the values of a separate application', () => {
    const v = createVolume({ geometry: { size: [96, 96, 1] }, data: image(96) });
    const before = Float32Array.from(v.data as Float32Array);
    const result = runPreprocessPlan(v, plan(40));
    expect(v.data).toEqual(before);
    // The same resize, then the normalisation on a copy it may not overwrite.
    const resized = resizeVolume(v, { size: [40, 40], mode: 'bilinear', antialias: true }).volume;
    const expected = applyXrvNormalization(resized, { maxval: 4095 }, 4095).volume.data;
    expect(expected).not.toBe(resized.data);
    expect(result.tensor.data).toEqual(expected);
    expect(result.tensor.data.buffer).toBe(result.volume.data.buffer);
  });

  it('leaves the caller volume alone when the resize is an identity', () => {
    const v = createVolume({ geometry: { size: [40, 40, 1] }, data: image(40) });
    const before = Float32Array.from(v.data as Float32Array);
    const result = runPreprocessPlan(v, plan(40));
    expect(v.data).toEqual(before);
    expect(result.tensor.data.buffer).not.toBe(v.data.buffer);
    expect(result.tensor.data[1]).toBeCloseTo((before[1]! / 4095) * 2048 - 1024, 3);
  });
});
