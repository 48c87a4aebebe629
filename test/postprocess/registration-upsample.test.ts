import { describe, expect, it } from 'vitest';
import { convertFieldToMm, createGeometry, createVolume, resizeField } from '../../src/index.js';
import { upsampleField } from '../../src/postprocess/registration/upsample.js';

// A smooth coarse field on an oblique grid, as a half-resolution VoxelMorph velocity after integration.
const coarseGrid = createGeometry({ size: [5, 6, 7], spacing: [2, 2.4, 3], origin: [1, -2, 3], direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] });
const target = createGeometry({ size: [9, 11, 13], spacing: [1, 1.2, 1.5], origin: [1, -2, 3], direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] });
const data = new Float32Array(3 * 5 * 6 * 7).map((_, p) => Math.sin(p * 0.37) * 2 + (p % 3) * 0.5);
const coarse = createVolume({ geometry: coarseGrid, data, components: 3, meta: { displacementUnits: 'voxel' } });

describe('upsampleField (resize + mm conversion in one pass)', () => {
  it('equals resizeField in voxel units', () => {
    const a = upsampleField(coarse, target);
    const b = resizeField(coarse, target);
    let max = 0;
    for (let p = 0; p < a.data.length; p++) max = Math.max(max, Math.abs(a.data[p]! - b.data[p]!));
    expect(max).toBeLessThan(1e-5);
    expect(a.geometry.size).toEqual(target.size);
  });
  it('equals resizeField then convertFieldToMm in mm', () => {
    const a = upsampleField(coarse, target, { units: 'mm' });
    const b = convertFieldToMm(resizeField(coarse, target));
    let max = 0;
    for (let p = 0; p < a.data.length; p++) max = Math.max(max, Math.abs(a.data[p]! - b.data[p]!));
    expect(max).toBeLessThan(1e-5);
    expect(a.meta.displacementUnits).toBe('mm');
  });
});
