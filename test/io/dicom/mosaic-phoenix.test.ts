/**
 * Siemens mosaics whose CSA image header (NumberOfImagesInMosaic, SliceNormalVector) and
 * (0019,100A) are gone take their layout from the Phoenix protocol in the CSA series header
 * (siemens-phoenix.ts), as dicom2nifti's siemens/fmri and siemens/dti test series need: the
 * real dcm2niix QA mosaics below, stripped of both here, must read to the same grid and samples
 * as with them - axial, coronal, sagittal, and two head>foot runs numbered against sNormal
 * (sSliceArray.ucImageNumbTra) - by the single-file and the folder reader (whose head read leaves
 * the series header out unless the file needs it).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import { readDicom } from '../../../src/io/dicom/index.js';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';

const QA = join(import.meta.dirname, '..', '..', 'fixtures', 'dcm-qa');
const CASES = ['dcm_qa/ax_asc_35sl', 'dcm_qa/cor_int_36sl', 'dcm_qa/sag_desc_35sl', 'dcm_qa_mosaic/cmrr_int_hf', 'dcm_qa_stc/si_d13_asc_hf'];

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The file with (0029,1010) renamed (0029,10F0) and (0019,100A) renamed (0019,10FA): their values
 * stay, no reader takes them for the CSA image header or the mosaic count. Explicit VR little
 * endian: the tag is the 4 bytes before the VR, 12 (OB) or 8 (US) bytes before the value.
 */
function stripMosaicHeaders(bytes: Uint8Array, name: string): Uint8Array {
  const out = bytes.slice();
  const ds = parseDicomBytes(out, name).dataSet;
  for (const [tag, headerBytes, element] of [
    ['x00291010', 12, 0x10f0],
    ['x0019100a', 8, 0x10fa],
  ] as const) {
    const el = ds.elements[tag];
    if (el === undefined) continue;
    new DataView(out.buffer).setUint16(el.dataOffset - headerBytes + 2, element, true);
  }
  const check = parseDicomBytes(out, name).dataSet;
  expect(check.elements['x00291010']).toBeUndefined();
  expect(check.elements['x0019100a']).toBeUndefined();
  return out;
}

const samples = (v: { data: ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number } }) =>
  Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength);

describe('mosaic layout from the Phoenix protocol', () => {
  for (const c of CASES) {
    test(`${c}: same grid and samples without the CSA image header, as a file and as a folder`, async () => {
      const names = readdirSync(join(QA, c)).sort();
      const original = names.map((n) => new Uint8Array(readFileSync(join(QA, c, n))));
      const stripped = original.map((b, k) => stripMosaicHeaders(b, names[k]!));
      const want = await readDicom(original[0]!, { name: names[0] });
      const got = await readDicom(stripped[0]!, { name: names[0] });
      expect(got.geometry.size).toEqual(want.geometry.size);
      expect(got.geometry.origin).toEqual(want.geometry.origin);
      expect(got.geometry.spacing).toEqual(want.geometry.spacing);
      expect(got.geometry.direction).toEqual(want.geometry.direction);
      expect(samples(got).equals(samples(want))).toBe(true);
      expect(got.meta['warnings']).toContain(
        'no CSA image header entries: mosaic slice count and slice direction from the Phoenix protocol (sSliceArray.lSize, sNormal)',
      );

      const dir = mkdtempSync(join(tmpdir(), 'medinfer-phoenix-'));
      dirs.push(dir);
      stripped.forEach((b, k) => writeFileSync(join(dir, names[k]!), b));
      const { series, errors } = await readDicomDirectory(dir, { blockingReads: true });
      expect(errors).toEqual([]);
      const run = series[0]!;
      expect(run.frames).toBe(names.length);
      expect(run.geometry.origin).toEqual(want.geometry.origin);
      expect(run.geometry.direction).toEqual(want.geometry.direction);
      expect(samples(run).subarray(0, samples(want).length).equals(samples(want))).toBe(true);
    });
  }

  test('without a Phoenix slice count either, the mosaic is refused naming the file', async () => {
    const bytes = stripMosaicHeaders(new Uint8Array(readFileSync(join(QA, CASES[0]!, '0001.dcm'))), '0001.dcm');
    // Rename the CSA series header too: nothing says how many slices the frame tiles.
    const el = parseDicomBytes(bytes, '0001.dcm').dataSet.elements['x00291020']!;
    new DataView(bytes.buffer).setUint16(el.dataOffset - 12 + 2, 0x10f2, true);
    const read = readDicom(bytes, { name: '0001.dcm' });
    await expect(read).rejects.toBeInstanceOf(DecodeError);
    await expect(read).rejects.toThrow(/^0001\.dcm: Siemens mosaic without NumberOfImagesInMosaic/);
  });
});
