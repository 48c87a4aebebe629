import { describe, expect, it } from 'vitest';
import {
  affineFromGeometry,
  axisCodes,
  createGeometry,
  flipAffineLpsRas,
  geometryFromAffine,
  indexToWorld,
  lpsToRas,
  rasToLps,
  sameGrid,
  ShapeError,
  worldToIndex,
} from '../../src/index.js';

/** Oblique direction: rotation of 30 deg about z then 20 deg about x (columns are unit vectors). */
function obliqueDirection(): number[] {
  const a = (30 * Math.PI) / 180;
  const b = (20 * Math.PI) / 180;
  const rz = [Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1];
  const rx = [1, 0, 0, 0, Math.cos(b), -Math.sin(b), 0, Math.sin(b), Math.cos(b)];
  const out: number[] = [];
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += rx[r * 3 + k]! * rz[k * 3 + c]!;
      out.push(s);
    }
  return out;
}

describe('geometry', () => {
  const g = createGeometry({ size: [64, 48, 30], spacing: [0.7, 0.8, 2.5], origin: [-120.5, 33.25, 10], direction: obliqueDirection() });

  it('maps index to world with spacing scaled along oblique columns', () => {
    const d = g.direction;
    const p = indexToWorld(g, [2, 3, 4]);
    const expected = [0, 1, 2].map((r) => g.origin[r]! + d[r * 3]! * 2 * 0.7 + d[r * 3 + 1]! * 3 * 0.8 + d[r * 3 + 2]! * 4 * 2.5);
    p.forEach((v, r) => expect(v).toBeCloseTo(expected[r]!, 10));
    // Voxel (0,0,0) sits exactly at the origin.
    expect(indexToWorld(g, [0, 0, 0])).toEqual([-120.5, 33.25, 10]);
  });

  it('round-trips world -> index with non-uniform spacing', () => {
    for (const idx of [
      [0, 0, 0],
      [63, 47, 29],
      [10.25, 3.5, 17.75],
    ]) {
      const back = worldToIndex(g, indexToWorld(g, idx));
      back.forEach((v, r) => expect(v).toBeCloseTo(idx[r]!, 9));
    }
  });

  it('derives the affine and recovers spacing / direction / origin from it', () => {
    const a = affineFromGeometry(g);
    expect(a[3]).toBe(-120.5);
    expect(Math.hypot(a[0]!, a[4]!, a[8]!)).toBeCloseTo(0.7, 12);
    expect(Math.hypot(a[2]!, a[6]!, a[10]!)).toBeCloseTo(2.5, 12);
    const g2 = geometryFromAffine(a, g.size);
    expect(sameGrid(g, g2, 1e-9)).toBe(true);
    g2.spacing.forEach((s, i) => expect(s).toBeCloseTo(g.spacing[i]!, 12));
  });

  it('converts between LPS and RAS', () => {
    expect(lpsToRas([1, 2, 3])).toEqual([-1, -2, 3]);
    expect(rasToLps(lpsToRas([4, -5, 6]))).toEqual([4, -5, 6]);
    const ras = flipAffineLpsRas(affineFromGeometry(g));
    const p = indexToWorld(g, [5, 6, 7]);
    const x = ras[0]! * 5 + ras[1]! * 6 + ras[2]! * 7 + ras[3]!;
    const y = ras[4]! * 5 + ras[5]! * 6 + ras[6]! * 7 + ras[7]!;
    const z = ras[8]! * 5 + ras[9]! * 6 + ras[10]! * 7 + ras[11]!;
    expect(x).toBeCloseTo(-p[0], 10);
    expect(y).toBeCloseTo(-p[1], 10);
    expect(z).toBeCloseTo(p[2], 10);
  });

  it('names axis codes (LPS naming of where each axis points)', () => {
    expect(axisCodes(createGeometry({ size: [2, 2, 2] }))).toBe('LPS');
    expect(axisCodes(createGeometry({ size: [2, 2, 2], direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] }))).toBe('RAS');
    expect(axisCodes(createGeometry({ size: [2, 2, 2], direction: [1, 0, 0, 0, 0, 1, 0, -1, 0] }))).toBe('LIP');
  });

  it('rejects bad geometry with a typed error', () => {
    expect(() => createGeometry({ size: [0, 2, 2] })).toThrow(ShapeError);
    expect(() => createGeometry({ size: [2, 2, 2], spacing: [1, -1, 1] })).toThrow(/spacing/);
    expect(() => createGeometry({ size: [2, 2, 2], direction: [1, 0, 0, 1, 0, 0, 0, 0, 1] })).toThrow(/singular/);
    expect(() => createGeometry({ size: [2, 2, 2], direction: [2, 0, 0, 0, 1, 0, 0, 0, 1] })).toThrow(/unit/);
  });
});
