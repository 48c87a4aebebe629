/**
 * conform against niivue 0.62.1's own conform (the version brainchop pins), on synthetic volumes
 * that exercise an oblique int16 input (histogram scaling with an outlier), a RAS float32 one at
 * 1.2 mm and a permuted uint8 one (no scaling, truncation): fixtures from
 * scripts/reference/niivue-conform.mjs. niivue works its index maps in float32 (gl-matrix); this
 * SDK in float64. So a voxel whose source position falls exactly on the input's edge plane
 * (the 1.2 mm case: whole planes) or, for nearest, exactly half-way between voxels may be read
 * or dropped differently, and a value on an integer boundary may truncate one level apart:
 * asserted >= 99.9 % identical voxels and, away from those ties (1e-3 voxel), no difference above 1.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexToWorld } from '../../src/core/geometry.js';
import { readNiftiSync } from '../../src/io/nifti/read-nifti.js';
import { conformVolume, readConformParams } from '../../src/preprocess/conform.js';
import { ParamReader } from '../../src/preprocess/param-reader.js';
import { resliceToInputGrid } from '../../src/preprocess/reslice-records.js';
import { createVolume } from '../../src/core/volume.js';

const DIR = new URL('../fixtures/preprocess/conform/', import.meta.url);
const read = (name: string) => readNiftiSync(readFileSync(new URL(name, DIR)));
const params = (raw: Record<string, unknown>) => readConformParams(new ParamReader(0, 'conform', { op: 'conform', ...raw }));

describe('conform (niivue / FastSurfer)', () => {
  for (const [name, interpolation] of [
    ['oblique-int16', 'linear'],
    ['oblique-int16-nearest', 'nearest'],
    ['ras-float32', 'linear'],
    ['pir-uint8', 'linear'],
  ] as const) {
    it(`matches niivue's conform: ${name}`, () => {
      const input = read(`${name}.in.nii.gz`);
      const expected = read(`${name}.niivue.nii.gz`);
      const { volume, record } = conformVolume(input, params({ interpolation }));
      expect(volume.type).toBe('uint8');
      expect(volume.geometry.size).toEqual([256, 256, 256]);
      // Same grid as niivue's output affine (LIA, 1 mm, centred): corners within 1e-3 mm.
      for (const corner of [
        [0, 0, 0],
        [255, 255, 255],
        [255, 0, 0],
      ]) {
        const a = indexToWorld(volume.geometry, corner);
        const b = indexToWorld(expected.geometry, corner);
        expect(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])).toBeLessThan(1e-3);
      }
      expect(record.reslice).toHaveLength(12);
      const m = record.reslice!;
      const n = input.geometry.size;
      const tie = (p: number): boolean => {
        const q = [p % 256, Math.floor(p / 256) % 256, Math.floor(p / 65536)];
        return [0, 1, 2].some((r) => {
          const c = m[r * 4]! * q[0]! + m[r * 4 + 1]! * q[1]! + m[r * 4 + 2]! * q[2]! + m[r * 4 + 3]!;
          const edge = Math.abs(c) < 1e-3 || Math.abs(c - (n[r]! - 1)) < 1e-3;
          return edge || (interpolation === 'nearest' && Math.abs(c - Math.floor(c) - 0.5) < 1e-3);
        });
      };
      let same = 0;
      let maxDiff = 0;
      let nonZero = 0;
      for (let p = 0; p < volume.data.length; p++) {
        const d = Math.abs(volume.data[p]! - expected.data[p]!);
        if (d === 0) same++;
        else if (d > maxDiff && !tie(p)) maxDiff = d;
        if (expected.data[p]! > 0) nonZero++;
      }
      expect(nonZero).toBeGreaterThan(20000);
      expect(same / volume.data.length).toBeGreaterThanOrEqual(0.999);
      expect(maxDiff).toBeLessThanOrEqual(1);
    });
  }

  it('leaves a conformed uint8 volume untouched (brainchop ensureConformed) unless told not to', () => {
    const g = { size: [256, 256, 256], spacing: [1, 1, 1], origin: [127.6, 134.48, -133.48], direction: [1, 0, 0, 0, 0, -1, 0, -1, 0] };
    const v = createVolume({ geometry: g, data: new Uint8Array(256 ** 3).fill(7) });
    const skipped = conformVolume(v, params({}));
    expect(skipped.volume).toBe(v);
    expect(skipped.record.details?.['skipped']).toBe(true);
    expect(skipped.record.reslice).toBeUndefined();
    const forced = conformVolume(v, params({ skipConformed: false }));
    expect(forced.record.reslice).toBeDefined();
    // niivue centres on voxel 128 (FreeSurfer's c_ras): a conformed input maps onto itself.
    forced.record.reslice!.forEach((x, i) => expect(x).toBeCloseTo([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0][i]!, 9));
    expect(forced.volume.geometry.origin.map((x, a) => Math.abs(x - g.origin[a]!) < 1e-9)).toEqual([true, true, true]);
  });

  it('maps labels back onto an oblique input exactly where the conformed grid put them', () => {
    const input = read('oblique-int16.in.nii.gz');
    const { volume, record } = conformVolume(input, params({}));
    // A label at every conformed voxel above 100 (the blob), back on the input grid by nearest.
    const labels = createVolume({ geometry: volume.geometry, data: Uint8Array.from(volume.data, (x) => (x > 100 ? 1 : 0)) });
    const back = resliceToInputGrid(labels, [record], { interpolation: 'nearest' });
    expect(back.geometry).toEqual(input.geometry);
    // Inside the blob's core the input is bright and the label is there; far outside it is not.
    let agree = 0;
    let n = 0;
    for (let p = 0; p < input.data.length; p++) {
      const bright = input.data[p]! * 0.3154 > 150;
      const dark = input.data[p]! * 0.3154 < 40;
      if (!bright && !dark) continue;
      n++;
      if ((back.data[p] === 1) === bright) agree++;
    }
    expect(agree / n).toBeGreaterThan(0.98);
  });

  it('carries probabilities back trilinearly: a linear function of world position is reproduced exactly inside', () => {
    const input = read('oblique-int16.in.nii.gz');
    const { volume, record } = conformVolume(input, params({}));
    // Two channels on the conformed grid: f(x) = 0.01 * (x + 2y - z) of the voxel's LPS position, and 1 - f.
    const n = 256 ** 3;
    const data = new Float32Array(2 * n);
    const g = volume.geometry;
    for (let p = 0; p < n; p++) {
      const w = indexToWorld(g, [p % 256, Math.floor(p / 256) % 256, Math.floor(p / 65536)]);
      data[p] = 0.01 * (w[0] + 2 * w[1] - w[2]);
      data[n + p] = 1 - data[p]!;
    }
    const probs = createVolume({ geometry: g, data, frames: 2 });
    const back = resliceToInputGrid(probs, [record], { interpolation: 'linear' });
    expect(back.frames).toBe(2);
    const m = input.data.length;
    let worst = 0;
    for (let p = 0; p < m; p += 7) {
      const w = indexToWorld(input.geometry, [p % 48, Math.floor(p / 48) % 40, Math.floor(p / 1920)]);
      const f = 0.01 * (w[0] + 2 * w[1] - w[2]);
      worst = Math.max(worst, Math.abs(back.data[p]! - f), Math.abs(back.data[m + p]! - (1 - f)));
    }
    expect(worst).toBeLessThan(1e-4);
  });
});
