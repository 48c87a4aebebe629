import { describe, expect, it } from 'vitest';
import { indexToWorld, createGeometry, createVolume, InputError, ShapeError, UsageError } from '../../src/index.js';
import {
  composeFields,
  computeJacobianDeterminant,
  convertFieldToMm,
  convertFieldToVoxels,
  displacePoints,
  integrateVelocity,
  warpVolume,
} from '../../src/ops.js';
import { loadArray, maxAbsDiff, shapeOf, value } from './reference.js';

const shape = shapeOf('warp_image'); // [k, j, i]
const geometry = createGeometry({ size: [shape[2]!, shape[1]!, shape[0]!], spacing: [0.9, 1.2, 2.5], origin: [-10, 5, 30] });
const field = (name: string) => createVolume({ geometry, data: loadArray(name, 'float32'), components: 3 });

describe('warpVolume vs VoxelMorph SpatialTransformer (grid_sample, align_corners=True)', () => {
  const image = createVolume({ geometry, data: loadArray('warp_image', 'float32') });
  const labels = createVolume({ geometry, data: loadArray('warp_labels', 'uint8') });
  const u = field('warp_field');
  for (const padding of ['zeros', 'border'] as const) {
    it(`trilinear, ${padding} padding, within 1e-5`, () => {
      const out = warpVolume(image, u, { padding });
      expect(out.type).toBe('float32');
      expect(maxAbsDiff(out.data, loadArray(`warp_bilinear_${padding}`, 'float64'))).toBeLessThan(1e-5);
    });
    it(`nearest on labels, ${padding} padding, exact and type-preserving`, () => {
      const out = warpVolume(labels, u, { interpolation: 'nearest', padding });
      expect(out.type).toBe('uint8');
      expect(Array.from(out.data)).toEqual(Array.from(loadArray(`warp_nearest_${padding}`, 'uint8')));
    });
  }

  it('an mm field gives the same result as its voxel equivalent (oblique grid)', () => {
    const g = createGeometry({ size: geometry.size, spacing: [0.9, 1.2, 2.5], direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] });
    const img = createVolume({ geometry: g, data: loadArray('warp_image', 'float32') });
    const uv = createVolume({ geometry: g, data: loadArray('warp_field', 'float32'), components: 3 });
    const umm = convertFieldToMm(uv);
    expect(maxAbsDiff(convertFieldToVoxels(umm).data, uv.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(warpVolume(img, umm, { units: 'mm' }).data, warpVolume(img, uv).data)).toBeLessThan(1e-4);
  });

  it('mm fields map between different grids through world space (linear function reproduced exactly)', () => {
    // Moving: oblique 30x28x26 grid holding f(p) = 2x - 3y + 0.5z + 7 of its LPS world position.
    const c = Math.cos(0.4);
    const s = Math.sin(0.4);
    const moving = createGeometry({ size: [30, 28, 26], spacing: [1.1, 0.9, 1.7], origin: [-20, -15, -25], direction: [c, -s, 0, s, c, 0, 0, 0, 1] });
    const f = (p: readonly number[]) => 2 * p[0]! - 3 * p[1]! + 0.5 * p[2]! + 7;
    const data = new Float32Array(30 * 28 * 26);
    for (let k = 0, v = 0; k < 26; k++) for (let j = 0; j < 28; j++) for (let i = 0; i < 30; i++, v++) data[v] = f(indexToWorld(moving, [i, j, k]));
    const img = createVolume({ geometry: moving, data });
    // Fixed: a smaller axis-aligned grid well inside the moving one; constant 1.5 mm shift along L.
    const fixed = createGeometry({ size: [6, 5, 4], spacing: [2, 2, 3], origin: [-8, 2, -12] });
    const shift = new Float32Array(6 * 5 * 4 * 3);
    for (let v = 0; v < 120; v++) shift[3 * v] = 1.5;
    const out = warpVolume(img, createVolume({ geometry: fixed, data: shift, components: 3 }), { units: 'mm' });
    expect(out.geometry.size).toEqual([6, 5, 4]);
    let worst = 0;
    for (let k = 0, v = 0; k < 4; k++)
      for (let j = 0; j < 5; j++)
        for (let i = 0; i < 6; i++, v++) {
          const p = indexToWorld(fixed, [i, j, k]);
          worst = Math.max(worst, Math.abs(out.data[v]! - f([p[0] + 1.5, p[1], p[2]])));
        }
    expect(worst).toBeLessThan(1e-4);
  });

  it('rejects NaN fields, wrong component counts and mismatched grids', () => {
    const bad = loadArray('warp_field', 'float32');
    bad[10] = NaN;
    expect(() => warpVolume(image, createVolume({ geometry, data: bad, components: 3 }))).toThrow(InputError);
    expect(() => warpVolume(image, image)).toThrow(ShapeError);
    const small = createVolume({ geometry: { size: [2, 2, 2] }, data: new Float32Array(24), components: 3 });
    expect(() => warpVolume(image, small)).toThrow(ShapeError);
    expect(() => warpVolume(image, u, { padding: 'reflect' as 'zeros' })).toThrow(UsageError);
  });
});

describe('scaling and squaring, composition', () => {
  it('integrateVelocity (7 steps) matches VoxelMorph VecInt within 1e-5', () => {
    const out = integrateVelocity(field('vecint_velocity'), { steps: 7 });
    expect(maxAbsDiff(out.data, loadArray('vecint_expected', 'float64'))).toBeLessThan(1e-5);
    expect(() => integrateVelocity(field('vecint_velocity'), { steps: -1 })).toThrow(UsageError);
  });

  it('composeFields(outer, inner) = inner + warp(outer, inner) within 1e-5', () => {
    const out = composeFields(field('compose_outer'), field('compose_inner'));
    expect(maxAbsDiff(out.data, loadArray('compose_expected', 'float64'))).toBeLessThan(1e-5);
  });
});

describe('Jacobian determinant (numpy.gradient convention) and folding', () => {
  it('matches voxelmorph jacobian_determinant within 1e-6, folding % exact', () => {
    const r = computeJacobianDeterminant(field('jacobian_field'));
    expect(maxAbsDiff(r.determinant.data, loadArray('jacobian_expected', 'float64'))).toBeLessThan(1e-6);
    expect(r.foldingPercent).toBeCloseTo(value<number>('jacobian_folding_percent'), 12);
    expect(r.foldedVoxels).toBeGreaterThan(0);
    const smooth = computeJacobianDeterminant(integrateVelocity(field('vecint_velocity')));
    expect(maxAbsDiff(smooth.determinant.data, loadArray('jacobian_vecint_expected', 'float64'))).toBeLessThan(1e-6);
  });

  it('is invariant to expressing the field in mm; a 2D field gives the 2D determinant', () => {
    const u = field('jacobian_field');
    const mm = computeJacobianDeterminant(convertFieldToMm(u), { units: 'mm' });
    expect(maxAbsDiff(mm.determinant.data, computeJacobianDeterminant(u).determinant.data)).toBeLessThan(1e-4);
    // u = (0.5 x, 0, 0) on a 4x3x1 grid: det = 1.5 everywhere.
    const data = new Float32Array(12 * 3);
    for (let v = 0; v < 12; v++) data[3 * v] = 0.5 * (v % 4);
    const r = computeJacobianDeterminant(createVolume({ geometry: { size: [4, 3, 1] }, data, components: 3 }));
    expect(Array.from(r.determinant.data).every((d) => Math.abs(d - 1.5) < 1e-12)).toBe(true);
  });
});

describe('landmark displacement', () => {
  it('p + trilinear u(p) matches scipy map_coordinates(order=1)', () => {
    const moved = displacePoints(field('warp_field'), loadArray('tre_points', 'float64'));
    expect(maxAbsDiff(moved, loadArray('tre_moved', 'float64'))).toBeLessThan(1e-6);
    expect(() => displacePoints(field('warp_field'), [0, 0, 100], { outside: 'error' })).toThrow(InputError);
    expect(() => displacePoints(field('warp_field'), [0, 0])).toThrow(ShapeError);
  });
});
