/**
 * PS3.5 8.1.1: bits outside [HighBit - BitsStored + 1, HighBit] are not part of the value. Real
 * 12-bit fixtures get garbage written into bits 12-15 (and, with HighBit raised to 15, into the low
 * bits): values must equal the clean file's (pydicom's), unsigned masked, signed sign-extended.
 */
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { maskStoredBits } from '../../../src/io/dicom/stored-bits.js';
import { fixtureBytes, hashValues, loadReference } from './helpers.js';

/** Offset of the value of (7FE0,0010): explicit VR OW has a 12-byte header, implicit VR 8. */
function pixelDataAt(bytes: Uint8Array, explicit: boolean): number {
  for (let i = bytes.length - 8; i >= 132; i--) {
    if (bytes[i] === 0xe0 && bytes[i + 1] === 0x7f && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00) return i + (explicit ? 12 : 8);
  }
  throw new Error('no pixel data');
}

function tagAt(bytes: Uint8Array, group: number, element: number): number {
  for (let i = 132; i + 4 <= bytes.length; i++) {
    if (bytes[i] === (group & 0xff) && bytes[i + 1] === group >> 8 && bytes[i + 2] === (element & 0xff) && bytes[i + 3] === element >> 8) return i;
  }
  throw new Error('tag not found');
}

/** Rewrites every 16-bit LE word with `f(word, index)`. */
function rewriteWords(bytes: Uint8Array, start: number, count: number, f: (w: number, p: number) => number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let p = 0; p < count; p++) view.setUint16(start + 2 * p, f(view.getUint16(start + 2 * p, true), p) & 0xffff, true);
  return out;
}

const cases = [
  { file: 'generated/uint16_bits12_source.dcm', explicit: true },
  { file: 'generated/cr_monochrome1_uint12.dcm', explicit: true },
  { file: 'generated/int16_bits12_signed_implicit.dcm', explicit: false },
];
const reference = loadReference();

describe('stored values are masked to BitsStored', () => {
  for (const c of cases) {
    const ref = reference.files.find((f) => f.file === c.file)!;
    test(`${c.file}: garbage in bits 12-15 is cleared (values = pydicom's on the clean file)`, async () => {
      const clean = fixtureBytes(c.file);
      const count = ref.raw.count;
      const dirty = rewriteWords(clean, pixelDataAt(clean, c.explicit), count, (w, p) => (w & 0x0fff) | (((p * 7 + 5) & 0xf) << 12));
      expect(hashValues(dirty)).not.toBe(hashValues(clean));
      const v = await readDicom(dirty, { name: c.file, applyModalityLut: false });
      expect(v.type).toBe(ref.raw.dtype);
      expect(hashValues(v.data)).toBe(ref.raw.sha256);
      expect(Array.from(v.data.subarray(0, 8) as ArrayLike<number>)).toEqual(ref.raw.first);
      // Samples whose garbage nibble is not a plain sign extension are reported, not silently fixed.
      expect(v.meta.warnings?.some((w) => /stored values had bits set outside BitsStored 12/.test(w))).toBe(true);
      const cleanRead = await readDicom(clean, { name: c.file, applyModalityLut: false });
      expect(cleanRead.meta.warnings?.some((w) => /outside BitsStored/.test(w))).toBe(false);
    });
    test(`${c.file}: HighBit 15 takes the value from bits 4-15`, async () => {
      const clean = fixtureBytes(c.file);
      const shifted = rewriteWords(clean, pixelDataAt(clean, c.explicit), ref.raw.count, (w, p) => ((w & 0x0fff) << 4) | (p & 0xf));
      const hb = tagAt(shifted, 0x0028, 0x0102) + 8;
      shifted[hb] = 15;
      const v = await readDicom(shifted, { name: c.file, applyModalityLut: false });
      expect(hashValues(v.data)).toBe(ref.raw.sha256);
    });
  }

  test('maskStoredBits on every container', () => {
    const u8 = Uint8Array.from([0xff, 0x80, 0x3f]);
    maskStoredBits(u8, { bitsAllocated: 8, bitsStored: 6, highBit: 5, pixelRepresentation: 0 });
    expect(Array.from(u8)).toEqual([0x3f, 0x00, 0x3f]);
    const i8 = Int8Array.from([-1, 0x20, 0x1f]);
    maskStoredBits(i8, { bitsAllocated: 8, bitsStored: 6, highBit: 5, pixelRepresentation: 1 });
    expect(Array.from(i8)).toEqual([-1, -32, 31]);
    const u32 = Uint32Array.from([0xffffffff, 0x80001234]);
    maskStoredBits(u32, { bitsAllocated: 32, bitsStored: 24, highBit: 23, pixelRepresentation: 0 });
    expect(Array.from(u32)).toEqual([0xffffff, 0x1234]);
    const i32 = Int32Array.from([0x7f800000, 0x007fffff]);
    maskStoredBits(i32, { bitsAllocated: 32, bitsStored: 24, highBit: 23, pixelRepresentation: 1 });
    expect(Array.from(i32)).toEqual([-8388608, 8388607]);
    const late = Uint16Array.from([1, 4095, 0xf003, 7]);
    maskStoredBits(late, { bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 0 });
    expect(Array.from(late)).toEqual([1, 4095, 3, 7]);
    const lateSigned = Int16Array.from([-2048, 2047, 0x0800, -1]);
    maskStoredBits(lateSigned, { bitsAllocated: 16, bitsStored: 12, highBit: 11, pixelRepresentation: 1 });
    expect(Array.from(lateSigned)).toEqual([-2048, 2047, -2048, -1]);
    const full = Int16Array.from([-5, 7]);
    maskStoredBits(full, { bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1 });
    expect(Array.from(full)).toEqual([-5, 7]);
  });
});

describe('clean-data scans of large arrays (packed words, blocks)', () => {
  const n = 3 * 4096 + 17;
  const cases = [
    { name: 'uint16, 12 bits, aligned (word scan)', make: () => new Uint16Array(n), bits: 12, alloc: 16, signed: 0, stray: 0x1000 | 7, expect: 7 },
    {
      name: 'uint16, 12 bits, at an odd word (sample scan)',
      make: () => new Uint16Array(n + 1).subarray(1),
      bits: 12,
      alloc: 16,
      signed: 0,
      stray: 0x8000 | 3,
      expect: 3,
    },
    { name: 'uint8, 7 bits (word scan)', make: () => new Uint8Array(n + 3), bits: 7, alloc: 8, signed: 0, stray: 0x80 | 5, expect: 5 },
    { name: 'int16, 12 bits signed (block scan)', make: () => new Int16Array(n), bits: 12, alloc: 16, signed: 1, stray: 0x0800, expect: -2048 },
  ] as const;
  for (const c of cases) {
    test(c.name, () => {
      const data = c.make();
      for (let p = 0; p < data.length; p++) data[p] = c.signed ? (p % 4000) - 2000 : p % 100;
      const pm = { bitsAllocated: c.alloc, bitsStored: c.bits, highBit: c.bits - 1, pixelRepresentation: c.signed };
      const clean = data.slice();
      expect(maskStoredBits(data, pm)).toBe(0);
      expect(data).toEqual(clean);
      // One stray sample in the last block: found, masked (or sign-extended), nothing else touched.
      const at = data.length - 2;
      data[at] = c.stray;
      expect(maskStoredBits(data, pm)).toBe(1);
      expect(data[at]).toBe(c.expect);
      data[at] = clean[at]!;
      expect(data).toEqual(clean);
    });
  }
});
