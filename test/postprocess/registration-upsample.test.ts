import { describe, expect, it } from 'vitest';
import { createGeometry, createVolume } from '../../src/index.js';
import { convertFieldToMm } from '../../src/ops.js';
import { resizeField } from '../../src/pipelines/field-from-tensor.js';
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

describe("upsampleField align 'origin' (the 2018 Keras VoxelMorph interp_upsampling)", () => {
  // Keras: target voxel x samples the coarse field at loc = x / 2 with interpn (loc0 = clip(floor),
  // loc1 = clip(loc0 + 1), weights loc1 - loc and 1 - that), then the values are doubled.
  const n = [3, 4, 5] as const;
  const small = createVolume({
    geometry: createGeometry({ size: [...n] }),
    data: new Float32Array(3 * 60).map((_, p) => Math.cos(p * 0.61) * 3),
    components: 3,
    meta: { displacementUnits: 'voxel' },
  });
  const tgt = createGeometry({ size: [6, 8, 10] });
  function keras(x: number, y: number, z: number, c: number): number {
    const at = (i: number, j: number, k: number) => small.data[3 * (i + n[0] * (j + n[1] * k)) + c]!;
    const corner = (loc: number, size: number) => {
      const l0 = Math.min(Math.max(Math.floor(loc), 0), size - 1);
      const l1 = Math.min(l0 + 1, size - 1);
      return { l0, l1, w0: l1 - loc, w1: 1 - (l1 - loc) };
    };
    const [a, b, d] = [corner(x / 2, n[0]), corner(y / 2, n[1]), corner(z / 2, n[2])];
    let v = 0;
    for (const [i, wi] of [
      [a.l0, a.w0],
      [a.l1, a.w1],
    ] as const)
      for (const [j, wj] of [
        [b.l0, b.w0],
        [b.l1, b.w1],
      ] as const)
        for (const [k, wk] of [
          [d.l0, d.w0],
          [d.l1, d.w1],
        ] as const)
          v += wi * wj * wk * at(i, j, k);
    return 2 * v;
  }
  it('matches the Keras definition, including the clamped far border', () => {
    const up = upsampleField(small, tgt, { align: 'origin' });
    let max = 0;
    for (let z = 0; z < 10; z++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 6; x++)
          for (let c = 0; c < 3; c++) {
            max = Math.max(max, Math.abs(up.data[3 * (x + 6 * (y + 8 * z)) + c]! - keras(x, y, z, c)));
          }
    expect(max).toBeLessThan(1e-5);
    // and differs from align_corners (not a no-op option)
    const corners = upsampleField(small, tgt);
    expect(Math.abs(corners.data[3 * (5 + 6 * (7 + 8 * 9))]! - up.data[3 * (5 + 6 * (7 + 8 * 9))]!)).toBeGreaterThan(1e-3);
  });
});
