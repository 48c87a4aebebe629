import { describe, expect, it } from 'vitest';
import { createVolume, indexToWorld, InputError, LimitError } from '../../src/core/index.js';
import { resampleVolume, validatePreprocessStep, type ResampleParams } from '../../src/preprocess/index.js';
import { findSeparateAxis } from '../../src/preprocess/axis-resample.js';
import { cases, expectClose, loadBin, maxAbs } from './fixtures.js';

describe('resample (linear: order 1, cubic: order 3) vs scipy.ndimage.map_coordinates(mode="nearest")', () => {
  for (const c of cases['resample']) {
    it(`${c.name}: shape rule and values within 1e-5 of the data range (spec 1e-4; measured ~1e-7)`, () => {
      const input = createVolume({ geometry: { size: c.shape, spacing: c.spacing, origin: [5, -7, 12] }, data: loadBin(c.input) });
      const params = validatePreprocessStep(c.params, 0) as { op: 'resample' } & ResampleParams;
      const { volume, record } = resampleVolume(input, params);
      expect([...volume.geometry.size]).toEqual(c.expectedShape);
      const expected = loadBin(c.expected);
      // Relative to the data range: map_coordinates ran in float64, we blend float32 samples.
      expectClose(volume.data, expected, 1e-5, 1e-5 * maxAbs(expected));
      expect(record.transform).not.toBeNull();
    });
  }

  it('monai rule keeps voxel 0 in place and realises the requested spacing', () => {
    const v = createVolume({ geometry: { size: [100, 80, 40], spacing: [0.7, 0.7, 1.25], origin: [-10, 20, 30] }, data: new Float32Array(320000) });
    const { volume } = resampleVolume(v, { spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'monai' });
    // round((n - 1) * old / new + 1)
    expect([...volume.geometry.size]).toEqual([Math.round((99 * 0.7) / 1.5 + 1), Math.round((79 * 0.7) / 1.5 + 1), Math.round((39 * 1.25) / 1.5 + 1)]);
    expect([...volume.geometry.origin]).toEqual([-10, 20, 30]);
    volume.geometry.spacing.forEach((s) => expect(s).toBeCloseTo(1.5, 12));
  });

  it("nnunet rule: shape round(old/new*n), field of view kept, realised spacing old*n/n'", () => {
    const v = createVolume({ geometry: { size: [100, 80, 40], spacing: [0.7, 0.7, 1.25] }, data: new Float32Array(320000) });
    const { volume } = resampleVolume(v, { spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'nnunet' });
    expect([...volume.geometry.size]).toEqual([47, 37, 33]);
    expect(volume.geometry.spacing[0]).toBeCloseTo((0.7 * 100) / 47, 12);
    // The outer voxel edge stays where it was: origin - spacing/2 is invariant.
    const edgeIn = indexToWorld(v.geometry, [-0.5, -0.5, -0.5]);
    const edgeOut = indexToWorld(volume.geometry, [-0.5, -0.5, -0.5]);
    edgeIn.forEach((x, a) => expect(edgeOut[a]).toBeCloseTo(x, 9));
  });

  it('nearest keeps the integer type (label maps)', () => {
    const v = createVolume({ geometry: { size: [4, 4, 2], spacing: [2, 2, 2] }, data: new Uint8Array(32).map((_, i) => i % 5) });
    const { volume } = resampleVolume(v, { spacing: [1, 1, 1], mode: 'nearest', rule: 'monai' });
    expect(volume.type).toBe('uint8');
    expect([...volume.geometry.size]).toEqual([7, 7, 3]);
    expect(volume.data[2]).toBe(v.data[1]);
  });

  it('refuses absurd output grids before allocating (LimitError)', () => {
    const v = createVolume({ geometry: { size: [64, 64, 64] }, data: new Float32Array(64 ** 3) });
    // A spacing typo (0.01 instead of 1.0) would ask for 6301^3 voxels.
    expect(() => resampleVolume(v, { spacing: [0.01, 0.01, 0.01], mode: 'linear', rule: 'monai' })).toThrow(LimitError);
  });

  it('separateZ auto follows nnU-Net: anisotropy > 3 on old, then new spacing; a single low-res axis', () => {
    expect(findSeparateAxis([0.8, 0.8, 4], [1, 1, 1], 'auto')).toBe(2);
    expect(findSeparateAxis([0.8, 0.8, 2], [1, 1, 1], 'auto')).toBeNull();
    expect(findSeparateAxis([1, 1, 1], [0.5, 3.5, 0.5], 'auto')).toBe(1);
    expect(findSeparateAxis([3.5, 3.5, 0.5], [1, 1, 1], 'auto')).toBeNull();
    expect(findSeparateAxis([0.8, 0.8, 2], [1, 1, 1], true)).toBe(2);
    expect(findSeparateAxis([0.8, 0.8, 4], [1, 1, 1], false)).toBeNull();
  });

  it('rejects bad spacing', () => {
    const v = createVolume({ geometry: { size: [2, 2, 2] }, data: new Float32Array(8) });
    expect(() => resampleVolume(v, { spacing: [1, -1, 1], mode: 'linear', rule: 'monai' })).toThrow(InputError);
  });
});
