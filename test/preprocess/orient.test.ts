import { describe, expect, it } from 'vitest';
import { affineFromGeometry, axisCodes, createVolume, geometryFromAffine, InputError } from '../../src/core/index.js';
import { orientVolume } from '../../src/preprocess/index.js';
import { cases, loadBin } from './fixtures.js';

describe('orient vs nibabel io_orientation / ornt_transform / apply_orientation', () => {
  for (const entry of cases['orient']) {
    const geometry = geometryFromAffine(entry.affine.flat(), entry.shape);
    const input = createVolume({ geometry, data: loadBin(entry.input) });
    for (const out of [...entry.outputs, { ...entry.canonical, axcodes: 'RAS', shape: null }]) {
      it(`${entry.name} -> ${out.axcodes} (${out.shape ? 'ornt_transform' : 'as_closest_canonical'})`, () => {
        const { volume, record } = orientVolume(input, { axcodes: out.axcodes });
        const expected = loadBin(out.expected);
        // Exact: orientation only permutes and flips.
        expect(Array.from(volume.data)).toEqual(Array.from(expected));
        if (out.shape) expect([...volume.geometry.size]).toEqual(out.shape);
        const affine = affineFromGeometry(volume.geometry);
        const want = (out.affine as number[][]).flat();
        affine.forEach((v, idx) => expect(v).toBeCloseTo(want[idx]!, 9));
        expect(record.op).toBe('orient');
        expect(record.inputGeometry).toBe(input.geometry);
      });
    }
  }

  it('RAS in the LPS world: direction columns point to -x, -y, +z', () => {
    const v = createVolume({ geometry: { size: [3, 4, 5], spacing: [1, 2, 3] }, data: new Float32Array(60).map((_, i) => i) });
    const { volume } = orientVolume(v, { axcodes: 'RAS' });
    expect(axisCodes(volume.geometry)).toBe('RAS');
    expect([...volume.geometry.direction]).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    // Voxel (0,0,0) of the RAS volume is the input's (2,3,0): the right-anterior corner.
    expect(volume.data[0]).toBe(2 + 3 * 3);
  });

  it('leaves an already-oriented volume uncopied', () => {
    const v = createVolume({ geometry: { size: [2, 2, 2] }, data: new Int16Array(8) });
    expect(orientVolume(v, { axcodes: 'LPS' }).volume).toBe(v);
  });

  it('rejects impossible codes', () => {
    const v = createVolume({ geometry: { size: [2, 2, 2] }, data: new Int16Array(8) });
    expect(() => orientVolume(v, { axcodes: 'RLS' })).toThrow(InputError);
  });
});
