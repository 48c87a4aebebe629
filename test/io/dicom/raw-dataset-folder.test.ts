/**
 * DICOM files written without preamble and file meta (old ACR-NEMA-style exports, archive dumps),
 * named without a DICOM extension: a folder of them is one series, read exactly as the same files
 * in Part-10 form (dcm2niix reads them too), not one image per file. The listing tells them by
 * their first bytes; files that only happen to start with 08 00 stay other files.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFolder, readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { isDicomHead, startsLikeRawDataset } from '../../../src/io/dicom/parse-header.js';
import { readImageFile } from '../../../src/io/node-read-image.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'medinfer-raw-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The dataset of a Part-10 file without its 128-byte preamble, 'DICM' and group 0002 (explicit VR LE). */
function rawDataset(part10: Uint8Array): Uint8Array {
  let p = 132;
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  while (view.getUint16(p, true) === 0x0002) {
    const vr = String.fromCharCode(part10[p + 4]!, part10[p + 5]!);
    p += vr === 'OB' || vr === 'UN' || vr === 'SQ' || vr === 'UT' ? 12 + view.getUint32(p + 8, true) : 8 + view.getUint16(p + 6, true);
  }
  return part10.subarray(p);
}

describe('DICOM datasets without preamble in a folder', () => {
  it('a mosaic series stripped to raw datasets reads as the Part-10 series: same samples, geometry, volumes', async () => {
    const src = join(FIX, 'dcm-qa', 'dcm_qa', 'ax_asc_35sl');
    const dir = join(root, 'raw-series');
    mkdirSync(dir);
    for (const [k, f] of readdirSync(src).sort().entries()) writeFileSync(join(dir, `IM${k}`), rawDataset(readFileSync(join(src, f))));
    const raw = await readDicomDirectory(dir);
    const part10 = await readDicomDirectory(src);
    expect(raw.errors).toEqual([]);
    expect(raw.series).toHaveLength(1);
    const [a, b] = [raw.series[0]!, part10.series[0]!];
    expect(a.frames).toBe(2);
    expect(a.geometry).toEqual(b.geometry);
    expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(
      true,
    );
  });

  it('an implicit-VR file stripped of its preamble reads as the original', async () => {
    const file = join(root, 'MR_small_raw');
    const part10 = readFileSync(join(FIX, 'dicom', 'MR_small_implicit.dcm'));
    writeFileSync(file, rawDataset(part10));
    const [a, b] = [await readImageFile(file), await readImageFile(join(FIX, 'dicom', 'MR_small_implicit.dcm'))];
    expect(a.geometry).toEqual(b.geometry);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('the listing takes raw datasets as DICOM, and not text or binary files that merely start with 08 00', async () => {
    const dir = join(root, 'listing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'raw'), rawDataset(readFileSync(join(FIX, 'dicom', 'MR_small_implicit.dcm'))));
    writeFileSync(join(dir, 'text'), Buffer.from('\u0008\u0000 is how this note starts, and it goes on long enough'));
    writeFileSync(join(dir, 'binary'), Uint8Array.from([0x08, 0x00, 0x10, 0x00, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6]));
    const listed = await listFolder(dir, true);
    expect(listed.dicom).toEqual([join(dir, 'raw')]);
    expect(listed.others).toEqual([join(dir, 'binary'), join(dir, 'text')]);
    expect(startsLikeRawDataset(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0a, 0x00, 0, 0, 0, 0]))).toBe(true);
    expect(isDicomHead(new Uint8Array(132))).toBe(false);
  });
});
