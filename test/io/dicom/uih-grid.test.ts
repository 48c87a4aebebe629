/**
 * UIH grid (VFRAME) images: each file of the dcm_qa_stc UIH DTI series holds 20 slices of 64 x 64
 * as a 5 x 4 grid in one 320 x 256 frame, placed by the per-slice positions of the private
 * sequence (0065,1051). Every file read alone must equal the matching volume of dcm2niix's 4D
 * reference (17 volumes, file n = volume n - 1: instance order) at the same world positions
 * within 1e-3 mm, pixel for pixel. Fixtures: test/fixtures/dcm-qa (see its SOURCES.md).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { isUihGrid } from '../../../src/io/dicom/uih-grid.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { readNifti } from '../../../src/io/nifti/read-nifti.js';
import { createVolume, type Volume } from '../../../src/core/volume.js';
import { indexToWorld } from '../../../src/core/geometry.js';
import { compareNiftiVolumes } from '../../helpers/nifti-compare.js';

const ROOT = fileURLToPath(new URL('../../fixtures/dcm-qa/', import.meta.url));
const DIR = join(ROOT, 'dcm_qa_stc/uih_dti');
const REF = join(ROOT, 'dcm_qa_stc/ref/UIH_dti_tra_dir16_PA_rot_12.nii.gz');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.dcm'))
  .sort();
const bytesOf = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));

/** Volume t of a 4D volume as a 3D volume on the same grid. */
function frameOf(v: Volume, t: number): Volume {
  const n = v.geometry.size[0] * v.geometry.size[1] * v.geometry.size[2];
  return createVolume({ geometry: v.geometry, data: v.data.slice(t * n, (t + 1) * n), meta: { source: `${String(v.meta.source)}[${t}]` } });
}

/** Replaces one ASCII value in a copy of the bytes (same length, so the file stays valid). */
function patchText(bytes: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf(from);
  expect(at).toBeGreaterThan(0);
  const out = bytes.slice();
  out.set(Buffer.from(to, 'latin1'), at);
  return out;
}

describe('UIH grid (VFRAME) DICOM', () => {
  it('is recognised by isUihGrid, and nothing else in the fixtures is', () => {
    expect(isUihGrid(parseDicomBytes(bytesOf(files[0]!), 'uih').dataSet)).toBe(true);
    for (const other of ['dcm_qa_stc/si_d13_asc_hf', 'dcm_qa_nih/nih_ge_mr0004', 'dcm_qa_enh/siemens_xa10_sms']) {
      const first = readdirSync(join(ROOT, other)).sort()[0]!;
      expect(isUihGrid(parseDicomBytes(new Uint8Array(readFileSync(join(ROOT, other, first))), other).dataSet)).toBe(false);
    }
  });

  it('recognises the grid by its VFRAME image type where the Manufacturer was removed', async () => {
    const anon = patchText(bytesOf(files[0]!), '\u0008\u0000p\u0000LO\u0004\u0000UIH ', '\u0008\u0000p\u0000LO\u0004\u0000    ');
    expect(isUihGrid(parseDicomBytes(anon, 'anon').dataSet)).toBe(true);
    expect((await readDicom(anon, { name: 'anon.dcm' })).geometry.size).toEqual([64, 64, 20]);
  });

  it('unpacks 20 slices placed by their own positions (values read from the header with dcmdump)', async () => {
    const v = await readDicom(bytesOf(files[0]!), { name: files[0]! });
    expect(v.geometry.size).toEqual([64, 64, 20]);
    expect(v.frames).toBe(1);
    expect(v.type).toBe('uint16');
    expect(v.geometry.spacing[0]).toBeCloseTo(3.5, 6);
    expect(v.geometry.spacing[1]).toBeCloseTo(3.5, 6);
    // First and last items of (0065,1051): tile 1 and tile 20's first pixel.
    const first = [-154.647507, -58.5786934, -9.21860886];
    const last = [-156.958115, -58.5786934, 70.5479355];
    indexToWorld(v.geometry, [0, 0, 0]).forEach((c, a) => expect(Math.abs(c - first[a]!)).toBeLessThan(1e-3));
    indexToWorld(v.geometry, [0, 0, 19]).forEach((c, a) => expect(Math.abs(c - last[a]!)).toBeLessThan(1e-3));
    // Slice step from the positions (4.2 mm = SpacingBetweenSlices, not SliceThickness 3.5).
    expect(v.geometry.spacing[2]).toBeCloseTo(4.2, 3);
    // Row direction = IOP row cosine (LPS).
    expect(v.geometry.direction[0]).toBeCloseTo(0.906671703, 6);
    expect(v.geometry.direction[3]).toBeCloseTo(-0.4210186, 6);
    expect(v.meta.warnings ?? []).toEqual([]);
  });

  it('every file equals its volume of the dcm2niix 4D reference at the same world positions', async () => {
    const ref = await readNifti(readFileSync(REF), { name: REF, gunzip: (b) => gunzipSync(b) });
    expect(ref.frames).toBe(files.length);
    for (let t = 0; t < files.length; t++) {
      const ours = await readDicom(bytesOf(files[t]!), { name: files[t]! });
      const verdict = compareNiftiVolumes(frameOf(ref, t), ours, { toleranceMm: 1e-3, minEqual: 1 });
      expect(verdict.ok, `${files[t]} vs volume ${t}: ${verdict.detail}`).toBe(true);
      expect(verdict.equalFraction).toBe(1);
    }
  });

  it('refuses grids it cannot lay out or place, naming the file', async () => {
    const bytes = bytesOf(files[0]!);
    // 21 slices: 5 x 5 tiles do not divide 256 rows.
    await expect(readDicom(patchText(bytes, 'e\u0000P\u0010DS\u0002\u000020', 'e\u0000P\u0010DS\u0002\u000021'), { name: 'g21.dcm' })).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining('g21.dcm'),
    });
    // 19 slices in a 5 x 4 grid, but 20 position items.
    await expect(readDicom(patchText(bytes, 'e\u0000P\u0010DS\u0002\u000020', 'e\u0000P\u0010DS\u0002\u000019'), { name: 'g19.dcm' })).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringMatching(/g19\.dcm: .*20 per-slice position items/),
    });
    // Tile size text that does not match the layout.
    await expect(readDicom(patchText(bytes, '64*64', '64*32'), { name: 'tile.dcm' })).rejects.toMatchObject({
      code: 'E_INPUT',
      message: expect.stringContaining('tile size'),
    });
  });
});
