import { describe, expect, it } from 'vitest';
import { caseSeed, generateChestCt, generateLungCtPair } from '../../src/phantoms/index.js';
import { worldToIndex, voxelOffset } from '../../src/core/index.js';

describe('chest CT nodule phantom', () => {
  // A small grid at LUNA16-like spacing keeps the test fast; the default grid is 256 x 256 x 128.
  const opts = { size: [128, 128, 64] as const, spacingMm: [1.4, 1.4, 2.5] as const };

  it('reports each nodule at its world centre, with soft-tissue density there', () => {
    const ct = generateChestCt({ seed: 21, ...opts, nodules: [3, 3], diameterMm: [8, 20] });
    expect(ct.nodules).toHaveLength(3);
    for (const n of ct.nodules) {
      expect(n.diameterMm).toBeGreaterThanOrEqual(8);
      expect(n.diameterMm).toBeLessThanOrEqual(20);
      const [i, j, k] = worldToIndex(ct.image.geometry, n.centerMm).map(Math.round) as [number, number, number];
      const hu = ct.image.data[voxelOffset(ct.image.geometry, i, j, k)]!;
      expect(hu).toBeGreaterThan(-250); // nodule (30 HU) + noise, not lung (-860)
    }
    // LUNA16 world coordinates are not voxel coordinates: the table offset moves the origin.
    expect(Math.abs(ct.image.geometry.origin[2])).toBeGreaterThan(50);
  });

  it('is deterministic, in HU, with lungs and air', () => {
    const small = { size: [64, 64, 32] as const, spacingMm: [2.8, 2.8, 5] as const };
    const a = generateChestCt({ seed: 8, ...small });
    const b = generateChestCt({ seed: 8, ...small });
    expect(a.nodules).toEqual(b.nodules);
    expect(a.image.data).toEqual(b.image.data);
    let lung = 0;
    let air = 0;
    for (const v of a.image.data) {
      if (v < -950) air++;
      else if (v > -920 && v < -780) lung++;
    }
    expect(air).toBeGreaterThan(0.1 * a.image.data.length);
    expect(lung).toBeGreaterThan(0.1 * a.image.data.length);
  });

  it('places 0-4 nodules per scan with diameters in 4-30 mm', () => {
    const counts: number[] = [];
    for (let s = 0; s < 6; s++) {
      const ct = generateChestCt({ seed: caseSeed(5, s), size: [48, 48, 24], spacingMm: [3.7, 3.7, 6.7] });
      counts.push(ct.nodules.length);
      for (const n of ct.nodules) expect(n.diameterMm).toBeGreaterThanOrEqual(4);
    }
    expect(Math.max(...counts)).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(4);
  });
});

describe('inhale / exhale pair', () => {
  const pair = generateLungCtPair({ seed: 2, size: [64, 64, 40], spacingMm: [3, 3, 4] });

  it('has 300 landmark pairs related by the stored displacement', () => {
    expect(pair.landmarksExhale).toHaveLength(300);
    expect(pair.landmarksInhale).toHaveLength(300);
    const g = pair.exhale.geometry;
    let identityTre = 0;
    pair.landmarksExhale.forEach((q, n) => {
      const p = pair.landmarksInhale[n]!;
      identityTre += Math.hypot((p[0] - q[0]) * g.spacing[0], (p[1] - q[1]) * g.spacing[1], (p[2] - q[2]) * g.spacing[2]);
    });
    identityTre /= 300;
    // Breathing moves lung tissue several mm (DIR-Lab identity TRE 3.9-15 mm).
    expect(identityTre).toBeGreaterThan(3);
    expect(identityTre).toBeLessThan(25);
    // At a grid point the stored field is exactly the motion: check one nearest to a landmark.
    const q = pair.landmarksExhale[0]!.map(Math.round) as [number, number, number];
    const o = voxelOffset(g, q[0], q[1], q[2]);
    expect(Number.isFinite(pair.displacementMm.data[3 * o + 2]!)).toBe(true);
    expect(pair.displacementMm.data[3 * o + 2]!).toBeLessThan(1); // inhale tissue sits lower: u_z <= ~0
  });

  it('is smooth and fold-free (positive Jacobian of q -> q + u)', () => {
    const g = pair.exhale.geometry;
    const [nx, ny, nz] = g.size;
    const u = pair.displacementMm.data;
    let minDet = Infinity;
    for (let k = 1; k < nz - 1; k += 3) {
      for (let j = 1; j < ny - 1; j += 3) {
        for (let i = 1; i < nx - 1; i += 3) {
          const o = voxelOffset(g, i, j, k);
          const d = (axis: number, comp: number): number => {
            const step = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
            return (u[3 * (o + step) + comp]! - u[3 * (o - step) + comp]!) / (2 * g.spacing[axis as 0 | 1 | 2]);
          };
          const m = [1 + d(0, 0), d(1, 0), d(2, 0), d(0, 1), 1 + d(1, 1), d(2, 1), d(0, 2), d(1, 2), 1 + d(2, 2)];
          const det = m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) - m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) + m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!);
          minDet = Math.min(minDet, det);
        }
      }
    }
    expect(minDet).toBeGreaterThan(0.5);
  });

  it('shows the diaphragm higher at exhale', () => {
    // Count lung-density voxels: exhale lungs are smaller.
    const lungVoxels = (data: Int16Array): number => data.reduce((s, v) => s + (v < -700 && v > -950 ? 1 : 0), 0);
    expect(lungVoxels(pair.exhale.data)).toBeLessThan(lungVoxels(pair.inhale.data));
  });
});
