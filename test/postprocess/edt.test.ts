/** Felzenszwalb-Huttenlocher EDT against brute force on random sparse sites, anisotropic spacing. */
import { describe, expect, it } from 'vitest';
import { transformSquaredDistance } from '../../src/postprocess/metrics/edt.js';

describe('exact squared EDT', () => {
  const cases: [number[], number[], number][] = [
    [[13, 11, 7], [0.8, 1.1, 2.5], 0.02],
    [[20, 1, 9], [0.5, 1, 3], 0.05],
    [[5, 17, 4], [2, 0.3, 0.3], 0.01],
    [[9, 9, 9], [1, 1, 1], 0.002],
  ];
  let seed = 99;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  for (const [size, spacing, density] of cases) {
    it(`size ${size.join('x')}, spacing ${spacing.join('/')}`, () => {
      const n = size[0]! * size[1]! * size[2]!;
      const sites: number[] = [];
      const grid = new Float64Array(n);
      for (let v = 0; v < n; v++) {
        const site = rnd() < density || (v === 3 && sites.length === 0);
        grid[v] = site ? 0 : Infinity;
        if (site) sites.push(v);
      }
      transformSquaredDistance(grid, size, spacing);
      let worst = 0;
      for (let v = 0; v < n; v++) {
        const [i, j, k] = [v % size[0]!, Math.floor(v / size[0]!) % size[1]!, Math.floor(v / (size[0]! * size[1]!))];
        let best = Infinity;
        for (const s of sites) {
          const [a, b, c] = [s % size[0]!, Math.floor(s / size[0]!) % size[1]!, Math.floor(s / (size[0]! * size[1]!))];
          const d = ((i - a) * spacing[0]!) ** 2 + ((j - b) * spacing[1]!) ** 2 + ((k - c) * spacing[2]!) ** 2;
          if (d < best) best = d;
        }
        worst = Math.max(worst, Math.abs(grid[v]! - best));
      }
      expect(worst).toBeLessThan(1e-9);
    });
  }
  it('no sites -> Infinity everywhere', () => {
    const grid = new Float64Array(8).fill(Infinity);
    transformSquaredDistance(grid, [2, 2, 2], [1, 1, 1]);
    expect(grid.every((x) => x === Infinity)).toBe(true);
  });
});
