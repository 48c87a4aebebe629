import { describe, expect, it } from 'vitest';
import { createVolume, geometryFromAffine, indexToWorld, worldToIndex, ShapeError, type Volume } from '../../src/core/index.js';
import { cases, loadBin } from './fixtures.js';
import {
  composeRecords,
  createVolumeFromTensor,
  invertToInputGrid,
  invertTransform,
  applyTransform,
  mapBoxesToInput,
  mapPointsToInput,
  runPreprocessPlan,
} from '../../src/preprocess/index.js';

// An oblique, permuted acquisition (axes roughly towards A, S, R) so orient really reorders.
const c = Math.cos(0.1);
const s = Math.sin(0.1);
const direction = [0, 0, -1, -c, -s, 0, -s, c, 0];
const size = [21, 17, 13] as const;
const geometry = { size, spacing: [0.9, 1.1, 2.0], origin: [12.5, -30.25, 41], direction };

function labelVolume(): Volume {
  const data = new Uint8Array(size[0] * size[1] * size[2]);
  for (let k = 0, p = 0; k < size[2]; k++) for (let j = 0; j < size[1]; j++) for (let i = 0; i < size[0]; i++, p++) data[p] = (i * 7 + j * 3 + k * 5) % 11;
  return createVolume({ geometry, data });
}

const PLAN = [
  { op: 'orient', axcodes: 'RAS' },
  { op: 'resample', spacing: [0.5, 0.45, 0.55], mode: 'nearest', rule: 'monai' },
  { op: 'cropPad', mode: 'center', size: [30, 40, 36] },
  { op: 'resize', size: [60, 80, 72], mode: 'nearest' },
  { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
];

describe('invertToInputGrid after orient + resample + cropPad + resize', () => {
  const input = labelVolume();
  const { tensor, records, volume } = runPreprocessPlan(input, PLAN);

  it('returns the original label map wherever the crop kept it, fill elsewhere', () => {
    const output = createVolumeFromTensor(tensor, records);
    expect([...output.geometry.size]).toEqual([...volume.geometry.size]);
    const back = invertToInputGrid(output, records, { interpolation: 'nearest', fill: 255 });
    expect([...back.geometry.size]).toEqual([...input.geometry.size]);
    expect(back.geometry).toEqual(input.geometry);
    const inv = invertTransform(composeRecords(records).transform);
    const fs = volume.geometry.size;
    let kept = 0;
    let mismatched = 0;
    let p = 0;
    for (let k = 0; k < size[2]; k++)
      for (let j = 0; j < size[1]; j++)
        for (let i = 0; i < size[0]; i++, p++) {
          const q = applyTransform(inv, [i, j, k]);
          const inside = q.every((x, a) => x >= -0.5 && x < fs[a]! - 0.5);
          if (inside) {
            kept++;
            if (back.data[p] !== input.data[p]) mismatched++;
          } else if (back.data[p] !== 255) mismatched++;
        }
    expect(mismatched).toBe(0);
    // The crop to 30 x 40 x 36 of the 2x-upsampled grid removes some voxels along two axes only.
    expect(kept).toBeGreaterThan(0.5 * input.data.length);
    expect(kept).toBeLessThan(input.data.length);
  });

  it('maps model-grid points to input voxels and world mm (agree to 1e-6 mm)', () => {
    const final = volume.geometry;
    const points = [
      [0, 0, 0],
      [59, 79, 71],
      [12.25, 40.5, 3.75],
      [30, 10, 60],
    ];
    const mapped = mapPointsToInput(points, records);
    mapped.forEach((m, idx) => {
      const world = indexToWorld(final, points[idx]!);
      m.world.forEach((x, a) => expect(Math.abs(x - world[a]!)).toBeLessThan(1e-6));
      const again = indexToWorld(input.geometry, m.index);
      again.forEach((x, a) => expect(Math.abs(x - world[a]!)).toBeLessThan(1e-6));
    });
    // And back: an input voxel's world position, found on the model grid, maps to that voxel.
    const w = indexToWorld(input.geometry, [4, 9, 7]);
    const [m] = mapPointsToInput([worldToIndex(final, w)], records);
    m!.index.forEach((x, a) => expect(x).toBeCloseTo([4, 9, 7][a]!, 9));
  });

  it('accepts coordinates in tensor order (axes "kji")', () => {
    const [a] = mapPointsToInput([[3.5, 7, 11]], records, { axes: 'kji' });
    const [b] = mapPointsToInput([[11, 7, 3.5]], records);
    expect(a).toEqual(b);
  });

  it('maps boxes (corners sorted per input axis even after flips)', () => {
    const [b] = mapBoxesToInput([[10, 20, 30, 20, 40, 50]], records);
    for (let a = 0; a < 3; a++) expect(b!.index.min[a]).toBeLessThanOrEqual(b!.index.max[a]!);
    const corners = mapPointsToInput(
      [
        [10, 20, 30],
        [20, 40, 50],
      ],
      records,
    );
    for (let a = 0; a < 3; a++) expect(b!.index.min[a]).toBeCloseTo(Math.min(corners[0]!.index[a]!, corners[1]!.index[a]!), 12);
    for (let a = 0; a < 3; a++) expect(b!.world.min[a]).toBeLessThanOrEqual(b!.world.max[a]!);
  });

  it('refuses an output that is not on the preprocessed grid', () => {
    const wrong = createVolume({ geometry: { size: [2, 2, 2] }, data: new Float32Array(8) });
    expect(() => invertToInputGrid(wrong, records, { interpolation: 'nearest' })).toThrow(ShapeError);
  });
});

describe('round trip on real data (nibabel anatomical.nii crop, LAS, 2 mm)', () => {
  it('orient RAS + resample to 1 mm (nearest) + divisible pad 16 + invert returns every voxel exactly', () => {
    const entry = cases['orient'][0];
    const input = createVolume({ geometry: geometryFromAffine(entry.affine.flat(), entry.shape), data: loadBin(entry.input) });
    const { volume, records } = runPreprocessPlan(input, [
      { op: 'orient', axcodes: 'RAS' },
      { op: 'resample', spacing: [1, 1, 1], mode: 'nearest', rule: 'nnunet' },
      { op: 'cropPad', mode: 'divisible', k: 16, value: -1 },
    ]);
    expect(volume.geometry.size.every((n) => n % 16 === 0)).toBe(true);
    const back = invertToInputGrid(volume, records, { interpolation: 'nearest' });
    expect(back.geometry).toEqual(input.geometry);
    expect(back.type).toBe('int16');
    expect(Array.from(back.data)).toEqual(Array.from(input.data));
  });
});

describe('linear inversion of probabilities', () => {
  it('a field linear in world coordinates survives linear resample + bilinear resize + inverse (interior, 1e-4)', () => {
    const n = size[0] * size[1] * size[2];
    const data = new Float32Array(n * 2);
    const input = createVolume({ geometry, data, frames: 2 });
    const f = (w: readonly number[], ch: number): number => (ch === 0 ? 0.01 * w[0]! - 0.02 * w[1]! + 0.015 * w[2]! : 0.5 + 0.003 * w[2]!);
    for (let k = 0, p = 0; k < size[2]; k++)
      for (let j = 0; j < size[1]; j++)
        for (let i = 0; i < size[0]; i++, p++) {
          const w = indexToWorld(input.geometry, [i, j, k]);
          data[p] = f(w, 0);
          data[n + p] = f(w, 1);
        }
    const { volume, records } = runPreprocessPlan(input, [
      { op: 'orient', axcodes: 'LPS' },
      { op: 'resample', spacing: [1.3, 0.7, 1.6], mode: 'linear', rule: 'nnunet' },
      { op: 'resize', size: [25, 31, 19], mode: 'bilinear' },
    ]);
    const back = invertToInputGrid(volume, records, { interpolation: 'linear' });
    let worst = 0;
    for (let k = 2; k < size[2] - 2; k++)
      for (let j = 2; j < size[1] - 2; j++)
        for (let i = 2; i < size[0] - 2; i++) {
          const p = i + size[0] * (j + size[1] * k);
          worst = Math.max(worst, Math.abs(back.data[p]! - data[p]!), Math.abs(back.data[n + p]! - data[n + p]!));
        }
    expect(worst).toBeLessThan(1e-4);
    expect(back.frames).toBe(2);
  });
});
