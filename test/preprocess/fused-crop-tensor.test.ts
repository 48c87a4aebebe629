/**
 * The fused cropForeground + toTensor copy (runPreprocessPlan, convertBoxToTensor), and the fused
 * normalisation + crop + toTensor on integer volumes (planIntensityTable), against the steps run
 * one after the other (fuse: false): the same tensor, bit for bit, the same records (crop box,
 * thresholds), and the cropped volume on request. A box off every edge of an anisotropic volume,
 * so a wrong corner offset or stride shows.
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/volume.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';

function blobVolume(type: 'uint8' | 'int16' = 'uint8'): ReturnType<typeof createVolume> {
  const size = [23, 19, 17];
  const data = type === 'uint8' ? new Uint8Array(size[0]! * size[1]! * size[2]!) : new Int16Array(size[0]! * size[1]! * size[2]!);
  // Foreground in i 5..16, j 3..12, k 4..13, rising with i (56..179): a threshold on the normalised
  // values moves the box's low i edge, so an off-by-one integer threshold changes the box.
  for (let k = 4; k <= 13; k++)
    for (let j = 3; j <= 12; j++) for (let i = 5; i <= 16; i++) data[i + size[0]! * (j + size[1]! * k)] = 1 + i * 11 + ((j + 2 * k) % 3);
  // int16: values spread over negatives and beyond 8 bits, a dimmer shell that a relative threshold cuts.
  if (type === 'int16') for (let p = 0; p < data.length; p++) data[p] = data[p] === 0 ? -700 + (p % 5) : data[p]! * 97 - 3000;
  return createVolume({ geometry: { size, spacing: [1, 1.5, 2], origin: [3, -4, 5], direction: [1, 0, 0, 0, -1, 0, 0, 0, 1] }, data });
}

describe('cropForeground + toTensor fused', () => {
  for (const axisOrder of ['ijk', 'kji', 'jki'] as const) {
    it(`same tensor, records and volume as the two steps (axisOrder ${axisOrder})`, () => {
      const plan = [
        { op: 'normalizeMinMax' },
        { op: 'cropForeground', mask: 'threshold', value: 0, padding: [2, 1, 3] },
        { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder },
      ];
      const fused = runPreprocessPlan(blobVolume(), plan);
      const plain = runPreprocessPlan(blobVolume(), plan, { fuse: false });
      // The fused path ran: its volume is made on access.
      expect(Object.getOwnPropertyDescriptor(fused, 'volume')?.get).toBeTypeOf('function');
      expect(Object.getOwnPropertyDescriptor(plain, 'volume')?.get).toBeUndefined();
      expect(fused.tensor.dims).toEqual(plain.tensor.dims);
      expect(Array.from(fused.tensor.data)).toEqual(Array.from(plain.tensor.data));
      expect(fused.records).toEqual(plain.records);
      // The box: i 3..18, j 2..13, k 1..16 (padding clamped at k = 16).
      expect(fused.records[1]!.details).toMatchObject({ start: [3, 2, 1], size: [16, 12, 16] });
      expect(fused.volume.geometry).toEqual(plain.volume.geometry);
      expect(Array.from(fused.volume.data)).toEqual(Array.from(plain.volume.data));
    });
  }

  const normalisations = [{ op: 'normalizeMinMax' }, { op: 'normalizeQuantile', lower: 0.05, upper: 0.95 }];
  const masks = [
    { mask: 'threshold', value: 0 },
    { mask: 'threshold', value: 0.41 },
    { mask: 'relativeThreshold', value: 0.37 },
  ];
  for (const type of ['uint8', 'int16'] as const) {
    for (const norm of normalisations) {
      for (const mask of masks) {
        it(`${norm.op} + cropForeground ${mask.mask} ${mask.value} on ${type}: same as step by step`, () => {
          const plan = [norm, { op: 'cropForeground', ...mask, padding: 2 }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' }];
          const fused = runPreprocessPlan(blobVolume(type), plan);
          const plain = runPreprocessPlan(blobVolume(type), plan, { fuse: false });
          expect(Object.getOwnPropertyDescriptor(fused, 'volume')?.get).toBeTypeOf('function');
          expect(fused.records).toEqual(plain.records);
          expect(fused.tensor.dims).toEqual(plain.tensor.dims);
          expect(Array.from(fused.tensor.data)).toEqual(Array.from(plain.tensor.data));
          expect(Array.from(fused.volume.data)).toEqual(Array.from(plain.volume.data));
        });
      }
    }
  }

  for (const type of ['uint8', 'int16'] as const) {
    it(`a threshold equal to a voxel's normalised value leaves that voxel out (${type}, strict >)`, () => {
      // Zeros, raw 100 at (1, 1, 1), 101 at (3, 3, 3), 200 at (10, 10, 10): min-max gives 100 -> 0.5
      // exactly, so "> 0.5" keeps 101 and 200: box i, j, k 3..10.
      const size = [12, 12, 12];
      const data = type === 'uint8' ? new Uint8Array(12 ** 3) : new Int16Array(12 ** 3);
      data[1 + 12 * (1 + 12 * 1)] = 100;
      data[3 + 12 * (3 + 12 * 3)] = 101;
      data[10 + 12 * (10 + 12 * 10)] = 200;
      const volume = createVolume({ geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data });
      const plan = [
        { op: 'normalizeMinMax' },
        { op: 'cropForeground', mask: 'threshold', value: 0.5, padding: 0 },
        { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
      ];
      const fused = runPreprocessPlan(volume, plan);
      expect(fused.records[1]!.details).toMatchObject({ start: [3, 3, 3], size: [8, 8, 8], threshold: 0.5 });
      expect(fused.records).toEqual(runPreprocessPlan(volume, plan, { fuse: false }).records);
    });
  }

  it('an empty mask is the same InputError fused', () => {
    const plan = [
      { op: 'normalizeMinMax' },
      { op: 'cropForeground', mask: 'threshold', value: 2, padding: 0 },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' },
    ];
    expect(() => runPreprocessPlan(blobVolume(), plan)).toThrow(/foreground mask \(threshold 2\) .* is empty/);
    expect(() => runPreprocessPlan(blobVolume(), plan, { fuse: false })).toThrow(/foreground mask \(threshold 2\) .* is empty/);
  });
});
