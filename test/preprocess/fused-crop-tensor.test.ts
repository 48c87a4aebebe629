/**
 * The fused cropForeground + toTensor copy (runPreprocessPlan, convertBoxToTensor) against the
 * two steps run one after the other (fuse: false): the same tensor, bit for bit, the same records,
 * and the cropped volume on request. A box off every edge of an anisotropic volume, so a wrong
 * corner offset or stride shows.
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/volume.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';

function blobVolume(): ReturnType<typeof createVolume> {
  const size = [23, 19, 17];
  const data = new Uint8Array(size[0]! * size[1]! * size[2]!);
  // Foreground (values 1..250, varied) in i 5..16, j 3..12, k 4..13; background 0 elsewhere.
  for (let k = 4; k <= 13; k++) for (let j = 3; j <= 12; j++) for (let i = 5; i <= 16; i++) data[i + size[0]! * (j + size[1]! * k)] = 1 + ((i * 7 + j * 13 + k * 29) % 250);
  return createVolume({ geometry: { size, spacing: [1, 1.5, 2], origin: [3, -4, 5], direction: [1, 0, 0, 0, -1, 0, 0, 0, 1] }, data });
}

describe('cropForeground + toTensor fused', () => {
  for (const axisOrder of ['ijk', 'kji', 'jki'] as const) {
    it(`same tensor, records and volume as the two steps (axisOrder ${axisOrder})`, () => {
      const plan = [{ op: 'normalizeMinMax' }, { op: 'cropForeground', mask: 'threshold', value: 0, padding: [2, 1, 3] }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder }];
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
});
