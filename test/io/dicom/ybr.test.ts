/**
 * YBR_FULL / YBR_FULL_422 with photographic content (where rounding differences show) against
 * pydicom 2.3 + Pillow: JPEG frames are decoded to YCbCr and converted with pydicom's arithmetic
 * (codecs/jpeg-colour-transform.ts), native 4:2:2 is upsampled by repeating chroma. Reference:
 * test/fixtures/dicom/ybr/reference.json from scripts/reference/dicom/ybr-fixtures.py.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { withoutColourTransform } from '../../../src/io/dicom/codecs/jpeg-colour-transform.js';
import { FIXTURES, hashValues, oddOffsetView } from './helpers.js';

const DIR = join(FIXTURES, 'ybr');
const reference = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Record<string, { sha256: string; first: number[]; photometric: string }>;

describe('YBR colour equals pydicom + convert_color_space', () => {
  for (const [file, ref] of Object.entries(reference)) {
    test(`${file} (${ref.photometric})`, async () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, file)));
      for (const input of [bytes, oddOffsetView(bytes, 5, true)]) {
        const v = await readDicom(input, { name: file });
        expect(v.components).toBe(3);
        expect(v.meta.colorSpace).toBe('RGB');
        expect(Array.from(v.data.subarray(0, 12) as ArrayLike<number>)).toEqual(ref.first);
        expect(hashValues(v.data)).toBe(ref.sha256);
      }
    });
  }
});

describe('withoutColourTransform', () => {
  const sos = [0xff, 0xda, 0x00, 0x02, 0x12, 0x34];
  test('disables JFIF and inserts an Adobe marker with transform 0; scan data untouched', () => {
    const jfif = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0];
    const frame = Uint8Array.from([0xff, 0xd8, ...jfif, ...sos]);
    const out = withoutColourTransform(frame)!;
    expect(out.length).toBe(frame.length + 16);
    expect(Array.from(out.subarray(0, 4))).toEqual([0xff, 0xd8, 0xff, 0xee]);
    expect(String.fromCharCode(...out.subarray(6, 11))).toBe('Adobe');
    expect(out[17]).toBe(0);
    expect(String.fromCharCode(...out.subarray(22, 26))).toBe('XFIF');
    expect(Array.from(out.subarray(out.length - 6))).toEqual(sos);
    expect(frame[6]).toBe(0x4a); // the caller's bytes are not modified
  });

  test('an existing Adobe marker gets transform 0, nothing inserted', () => {
    const adobe = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0, 0, 0, 0, 1];
    const frame = Uint8Array.from([0xff, 0xd8, ...adobe, ...sos]);
    const out = withoutColourTransform(frame)!;
    expect(out.length).toBe(frame.length);
    expect(out[17]).toBe(0);
    expect(frame[17]).toBe(1);
  });

  test('malformed headers give undefined', () => {
    expect(withoutColourTransform(Uint8Array.from([0xff, 0xd8, 0x00, 0x00]))).toBeUndefined();
    expect(withoutColourTransform(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x40, 0x00]))).toBeUndefined();
  });
});
