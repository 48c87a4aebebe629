/**
 * Bad input gives a typed error naming the file and the cause: never a crash, a hang or a partial
 * Volume. Inputs are made from real fixtures by cutting or patching bytes at known places.
 */
import { describe, expect, test } from 'vitest';
import { readDicom, readDicomSeries } from '../../../src/io/dicom/index.js';
import { failure, fixtureBytes } from './helpers.js';

/** Offset of an explicit-LE element tag (group, element) in the file. */
function findTag(bytes: Uint8Array, group: number, element: number): number {
  for (let i = 132; i + 4 <= bytes.length; i++) {
    if (bytes[i] === (group & 0xff) && bytes[i + 1] === group >> 8 && bytes[i + 2] === (element & 0xff) && bytes[i + 3] === element >> 8) return i;
  }
  throw new Error(`tag ${group.toString(16)},${element.toString(16)} not found`);
}

function patched(bytes: Uint8Array, at: number, values: readonly number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, at);
  return out;
}

describe('truncated and non-DICOM files', () => {
  test('MR_truncated.dcm (real broken file) -> DecodeError naming the file', async () => {
    const err = await failure(readDicom(fixtureBytes('MR_truncated.dcm'), { name: 'MR_truncated.dcm' }));
    expect(err.code).toBe('E_DECODE');
    expect(err.details.file).toBe('MR_truncated.dcm');
    expect(err.message).toMatch(/^MR_truncated\.dcm: .*truncated/);
  });

  test.each([0, 100, 131, 200, 1000, 5000, 9000])('CT_small.dcm cut to %i bytes -> DecodeError', async (n) => {
    const err = await failure(readDicom(fixtureBytes('CT_small.dcm').subarray(0, n), { name: 'cut.dcm' }));
    expect(err.code).toBe('E_DECODE');
    expect(err.details.file).toBe('cut.dcm');
  });

  test('pixel data cut short -> DecodeError with expected and actual length', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    const err = await failure(readDicom(bytes.subarray(0, bytes.length - 100), { name: 'short.dcm' }));
    expect(err.code).toBe('E_DECODE');
  });

  test.each([
    ['text', new TextEncoder().encode('hello, this is not a DICOM file at all, just text '.repeat(10))],
    ['png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array<number>(300).fill(0)])],
    ['zeros', new Uint8Array(1000)],
  ])('not DICOM (%s) -> DecodeError "not a DICOM file"', async (_kind, bytes) => {
    const err = await failure(readDicom(bytes, { name: 'x.bin' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'x.bin', cause: 'not-dicom' } });
  });

  test('file that ends before Pixel Data -> DecodeError "no Pixel Data"', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    const err = await failure(readDicom(bytes.subarray(0, findTag(bytes, 0x7fe0, 0x0010)), { name: 'nopixels.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { cause: 'missing-pixel-data', file: 'nopixels.dcm' } });
  });
});

describe('corrupt geometry', () => {
  test('parallel row and column cosines -> DecodeError naming the file, not a bare ShapeError', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('1.000000\\0.000000\\0.000000\\0.000000\\1.000000\\0.000000');
    expect(at).toBeGreaterThan(0);
    const bad = patched(bytes, at, [...new TextEncoder().encode('1.000000\\0.000000\\0.000000\\1.000000\\0.000000\\0.000000')]);
    const err = await failure(readDicom(bad, { name: 'iop.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'iop.dcm', cause: 'geometry' } });
  });
});

describe('unsupported content', () => {
  test('12-bit JPEG Extended -> UnsupportedError "unsupported transfer syntax", no pixels', async () => {
    const err = await failure(readDicom(fixtureBytes('generated/jpeg_extended_12bit.dcm'), { name: 'jpeg12.dcm' }));
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED', details: { transferSyntax: '1.2.840.10008.1.2.4.51', file: 'jpeg12.dcm' } });
    expect(err.message).toContain('unsupported transfer syntax 1.2.840.10008.1.2.4.51');
  });

  test('unknown transfer syntax UID -> UnsupportedError', async () => {
    const bytes = fixtureBytes('MR_small.dcm');
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('1.2.840.10008.1.2.1\0');
    const err = await failure(readDicom(patched(bytes, at, [...new TextEncoder().encode('1.2.840.10008.1.2.9')]), { name: 'ts.dcm' }));
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED', details: { transferSyntax: '1.2.840.10008.1.2.9' } });
  });

  test('Siemens mosaic whose slice count cannot tile the frame -> DecodeError naming mosaic (mosaics are unpacked: mosaic.test.ts)', async () => {
    const err = await failure(readDicom(fixtureBytes('siemens_dwi_mosaic_0.dcm'), { name: 'mosaic.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'mosaic.dcm', cause: 'mosaic-count' } });
    expect(err.message).toMatch(/mosaic/i);
  });
});

describe('limits and options', () => {
  test('absurd Rows/Columns -> LimitError from the header, before allocating', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    const rows = findTag(bytes, 0x0028, 0x0010) + 8;
    const cols = findTag(bytes, 0x0028, 0x0011) + 8;
    const huge = patched(patched(bytes, rows, [0xff, 0xff]), cols, [0xff, 0xff]);
    const err = await failure(readDicom(huge, { name: 'huge.dcm' }));
    expect(err).toMatchObject({ code: 'E_LIMIT', details: { file: 'huge.dcm', voxels: 65535 * 65535, cause: 'max-voxels' } });
  });

  test('maxVoxels option is honoured exactly', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    await expect(readDicom(bytes, { maxVoxels: 128 * 128 })).resolves.toBeDefined();
    await expect(readDicom(bytes, { maxVoxels: 128 * 128 - 1 })).rejects.toMatchObject({ code: 'E_LIMIT' });
  });

  test('invalid options -> UsageError naming the option', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    await expect(readDicom(bytes, { maxVoxels: -1 })).rejects.toMatchObject({ code: 'E_USAGE', details: { field: 'maxVoxels' } });
    await expect(readDicom(bytes, { applyModalityLut: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'E_USAGE',
      details: { field: 'applyModalityLut' },
    });
  });

  test('malformed file lists -> UsageError naming the entry', async () => {
    await expect(readDicomSeries('x' as never)).rejects.toMatchObject({ code: 'E_USAGE', details: { field: 'files' } });
    await expect(readDicomSeries([{ name: 'a', bytes: [1, 2] as never }])).rejects.toMatchObject({ code: 'E_USAGE', details: { field: 'files[0]' } });
  });

  test('empty series -> InputError', async () => {
    await expect(readDicomSeries([], { name: 'none' })).rejects.toMatchObject({ code: 'E_INPUT', details: { file: 'none' } });
  });
});

describe('colour models', () => {
  test('native YBR_PARTIAL_422 -> UnsupportedError naming the photometric (never wrong colours)', async () => {
    const bytes = fixtureBytes('generated/ybr_full_native.dcm');
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('YBR_FULL');
    // 'YBR_FULL' -> 'YBR_PART' keeps the element length; the reader must refuse the unknown model.
    const err = await failure(readDicom(patched(bytes, at, [...new TextEncoder().encode('YBR_PART')]), { name: 'ybr.dcm' }));
    expect(err).toMatchObject({ code: 'E_UNSUPPORTED', details: { file: 'ybr.dcm', photometric: 'YBR_PART' } });
  });
});
