/**
 * Header summaries (PHI hidden unless showPhi) and the Node folder reader (per-file errors
 * collected, one Volume per series). The generated fixtures carry a synthetic patient identity
 * ('Synthetic^Fixture', 'SYN-0001', 19700101) so leaks are detectable.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDicomTags, summarizeDicomHeader } from '../../../src/io/dicom/index.js';
import { listDicomFiles, readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { FIXTURES, fixtureBytes } from './helpers.js';

const PHI = /Synthetic|SYN-0001|19700101/;

describe('summarizeDicomHeader / readDicomTags', () => {
  const bytes = fixtureBytes('series-oblique/im00.dcm');

  test('summary without PHI by default', () => {
    const s = summarizeDicomHeader(bytes, { name: 'im00.dcm' });
    expect(s).toMatchObject({
      file: 'im00.dcm',
      modality: 'CT',
      rows: 32,
      columns: 32,
      frames: 1,
      bitsStored: 16,
      pixelRepresentation: 1,
      rescale: { slope: 1, intercept: -1024 },
      transferSyntax: { uid: '1.2.840.10008.1.2.1', supported: true },
      mosaic: false,
      hasPixelData: true,
    });
    expect(s.patient).toBeUndefined();
    expect(JSON.stringify(s)).not.toMatch(PHI);
  });

  test('showPhi: true adds the patient block', () => {
    const s = summarizeDicomHeader(bytes, { name: 'im00.dcm', showPhi: true });
    expect(s.patient).toEqual({ name: 'Synthetic^Fixture', id: 'SYN-0001', birthDate: '19700101' });
  });

  test('tag listing drops the patient group unless showPhi', () => {
    const tags = readDicomTags(bytes, { name: 'im00.dcm' });
    expect(tags.find((t) => t.tag === '0028,0010')?.value).toBe('32');
    expect(tags.find((t) => t.tag === '0020,0037')?.value).toMatch(/^0\.86008934\\/);
    expect(tags.some((t) => t.tag.startsWith('0010,'))).toBe(false);
    expect(JSON.stringify(tags)).not.toMatch(PHI);
    const all = readDicomTags(bytes, { name: 'im00.dcm', showPhi: true });
    expect(all.find((t) => t.tag === '0010,0020')?.value).toBe('SYN-0001');
  });

  test('summaries describe files the reader refuses (mosaic, 12-bit JPEG)', () => {
    expect(summarizeDicomHeader(fixtureBytes('siemens_dwi_mosaic_0.dcm')).mosaic).toBe(true);
    expect(summarizeDicomHeader(fixtureBytes('generated/jpeg_extended_12bit.dcm')).transferSyntax).toEqual({
      uid: '1.2.840.10008.1.2.4.51',
      name: 'JPEG Extended (Process 2 & 4)',
      supported: false,
    });
    expect(summarizeDicomHeader(fixtureBytes('generated/gray8_jpeg_extended.dcm')).transferSyntax.supported).toBe(true);
  });
});

describe('readDicomDirectory (Node)', () => {
  test('lists DICOM files recursively and sorted', async () => {
    const files = await listDicomFiles(join(FIXTURES, 'series-variants'));
    expect(files.length).toBe(4 + 5 + 5 + 4 + 5 + 5);
    expect(files.every((f) => f.endsWith('.dcm'))).toBe(true);
    expect([...files].sort()).toEqual(files);
  });

  test('one Volume per series; failing series reported, not thrown', async () => {
    const { series, errors } = await readDicomDirectory(join(FIXTURES, 'series-variants'));
    // duplicate -> error; mixed-orientation -> 2 groups (3 + 2 slices); two-series -> 2 groups.
    expect(errors.map((e) => [e.file, e.error.code])).toEqual([['duplicate/d0.dcm (+3 files)', 'E_INPUT']]);
    expect(series.map((v) => v.geometry.size[2]).sort()).toEqual([2, 2, 3, 3, 4, 5, 5]);
  });

  test('DICOM objects without pixel data are skipped, not errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-dicom-'));
    for (const f of ['im00.dcm', 'im01.dcm', 'im02.dcm']) copyFileSync(join(FIXTURES, 'series-oblique', f), join(dir, f));
    const ct = fixtureBytes('CT_small.dcm');
    let at = 0;
    for (let i = 132; i + 4 <= ct.length && at === 0; i++) if (ct[i] === 0xe0 && ct[i + 1] === 0x7f && ct[i + 2] === 0x10 && ct[i + 3] === 0) at = i;
    writeFileSync(join(dir, 'report.dcm'), ct.subarray(0, at));
    const { series, errors, skipped } = await readDicomDirectory(dir);
    expect(errors).toEqual([]);
    expect(skipped).toEqual([{ file: 'report.dcm', reason: 'no pixel data (not an image)' }]);
    expect(series.map((v) => v.geometry.size)).toEqual([[32, 32, 3]]);
    rmSync(dir, { recursive: true });
  });

  test('vendor non-image objects (Siemens Phoenix SR, Philips raw data) are skipped with their kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-dicom-'));
    for (const f of ['im00.dcm', 'im01.dcm', 'im02.dcm']) copyFileSync(join(FIXTURES, 'series-oblique', f), join(dir, f));
    copyFileSync(join(FIXTURES, 'non-image', 'siemens_phoenix_report.SR'), join(dir, 'phoenix.SR'));
    writeFileSync(join(dir, 'XX_0001'), gunzipSync(readFileSync(join(FIXTURES, 'non-image', 'philips_raw_data.dcm.gz'))));
    const { series, errors, skipped } = await readDicomDirectory(dir);
    expect(errors).toEqual([]);
    expect(skipped).toEqual([
      { file: 'XX_0001', reason: 'no pixel data (not an image): raw data / registration' },
      { file: 'phoenix.SR', reason: 'no pixel data (not an image): structured report' },
    ]);
    expect(series.map((v) => v.geometry.size)).toEqual([[32, 32, 3]]);
    rmSync(dir, { recursive: true });
  });

  test('a non-image object read alone is an E_INPUT naming its kind, not a decode failure (sweep: convert of a Philips *_Raw.dcm)', async () => {
    const { readDicom } = await import('../../../src/io/dicom/index.js');
    const raw = new Uint8Array(gunzipSync(readFileSync(join(FIXTURES, 'non-image', 'philips_raw_data.dcm.gz'))));
    await expect(readDicom(raw, { name: 'XX_0001' })).rejects.toMatchObject({
      code: 'E_INPUT',
      message: 'XX_0001: no pixel data (not an image): raw data / registration',
      details: { file: 'XX_0001', cause: 'not-an-image' },
    });
    const sr = new Uint8Array(readFileSync(join(FIXTURES, 'non-image', 'siemens_phoenix_report.SR')));
    await expect(readDicom(sr, { name: 'phoenix.SR' })).rejects.toMatchObject({
      code: 'E_INPUT',
      details: { cause: 'not-an-image' },
      message: expect.stringMatching(/structured report$/),
    });
  });

  // Found by the sweep over dcm_qa_spec: an MR spectroscopy object has Rows / Columns but Spectroscopy
  // Data (5600,0020) instead of Pixel Data; read alone by path it failed as E_DECODE (no BitsAllocated).
  test('MR spectroscopy read alone (bytes or path) is E_INPUT not-an-image, never an image', async () => {
    const { readDicom } = await import('../../../src/io/dicom/index.js');
    const { readImageFile } = await import('../../../src/node.js');
    const { writeTestDicom } = await import('../../helpers/dicom-writer.js');
    const spec = writeTestDicom({
      '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.4.2'],
      '00080018': ['UI', '1.2.3.4.5'],
      '00080060': ['CS', 'MR'],
      '00280010': ['US', 1],
      '00280011': ['US', 1],
      '56000020': ['OF', new Uint8Array(8192)],
    });
    const expected = {
      code: 'E_INPUT',
      details: { file: 'svs.dcm', cause: 'not-an-image' },
      message: 'svs.dcm: no pixel data (not an image): MR spectroscopy',
    };
    await expect(readDicom(spec, { name: 'svs.dcm' })).rejects.toMatchObject(expected);
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-dicom-'));
    writeFileSync(join(dir, 'svs.dcm'), spec);
    await expect(readImageFile(join(dir, 'svs.dcm'))).rejects.toMatchObject({ code: 'E_INPUT', details: { cause: 'not-an-image' } });
    rmSync(dir, { recursive: true });
  });

  // Found by scripts/dcm-qa/sweep.mjs: a GE fMRI folder with one file copied under a second name
  // was refused as incomplete volumes; dcm2niix drops the copy ("DUPLICATES REMOVED").
  test('a copy of one instance (same SOPInstanceUID, transfer syntax, position) is dropped with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-dicom-'));
    for (const f of ['im00.dcm', 'im01.dcm', 'im02.dcm']) copyFileSync(join(FIXTURES, 'series-oblique', f), join(dir, f));
    copyFileSync(join(FIXTURES, 'series-oblique', 'im01.dcm'), join(dir, 'zz-copy.dcm'));
    const { series, errors } = await readDicomDirectory(dir);
    expect(errors).toEqual([]);
    expect(series).toHaveLength(1);
    expect(series[0]!.geometry.size).toEqual([32, 32, 3]);
    expect(series[0]!.meta.warnings).toContain('zz-copy.dcm: same instance (SOPInstanceUID) as im01.dcm; duplicate file ignored');
    rmSync(join(dir, 'zz-copy.dcm'));
    const without = await readDicomDirectory(dir);
    expect(Array.from(series[0]!.data)).toEqual(Array.from(without.series[0]!.data));
    expect(series[0]!.geometry).toEqual(without.series[0]!.geometry);
    rmSync(dir, { recursive: true });
  });

  test('bad files are collected with their typed error and file name', async () => {
    const { series, errors, skipped } = await readDicomDirectory(FIXTURES);
    const byFile = new Map(errors.map((e) => [e.file, e.error.code]));
    expect(byFile.get('MR_truncated.dcm')).toBe('E_DECODE');
    // Its header claims 48 slices in a 256x256 frame that 7x7 tiles cannot divide.
    expect(byFile.get('siemens_dwi_mosaic_0.dcm')).toBe('E_DECODE');
    expect(byFile.get(join('generated', 'jpeg_extended_12bit.dcm'))).toBe('E_UNSUPPORTED');
    // The 8 MR_small encodings share one series UID and one position: a duplicate-slice series.
    expect(byFile.get('MR_small.dcm (+7 files)')).toBe('E_INPUT');
    expect(series.map((v) => v.meta.source)).toContain(join('series-oblique', 'im00.dcm') + ' (+11 files)');
    // Counted over the original fixtures only: topic folders (mosaic/, philips/, phase-encoding/, ...) hold vendor QA files with their own tests.
    const original = (f: string): boolean => !f.includes(sep) || /^(generated|series-)/.test(f);
    expect(series.filter((v) => original(String(v.meta.source))).length + errors.filter((e) => original(e.file)).length).toBe(32);
    expect(skipped.filter((k) => original(k.file))).toEqual([]);
    // The 3 single-file mosaic series in mosaic/ are unpacked.
    const mosaics = series.filter((v) => String(v.meta.source).startsWith(`mosaic${sep}`));
    expect(mosaics.map((v) => v.geometry.size[2]).sort()).toEqual([35, 36, 40]);
    for (const e of errors) expect(e.error.message).not.toMatch(PHI);
  });
});
