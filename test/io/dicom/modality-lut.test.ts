/**
 * applyRescale: output values equal pydicom's apply_modality_lut (raw * slope + intercept, float64)
 * in the narrowest type that holds the values present; the BitsStored range may decide the type
 * without a pass over the samples only when that range already fits.
 */
import { describe, expect, it } from 'vitest';
import { applyRescale, chooseLutType } from '../../../src/io/dicom/modality-lut.js';

const reference = (raw: ArrayLike<number>, s: number, b: number) => Array.from(raw, (v) => v * s + b);

describe('applyRescale', () => {
  it('12-bit CT with intercept -1024: int16 in place, chosen from the stored range', () => {
    const raw = Int16Array.from([0, 1, 2047, 1024, 3, -2048]);
    const copy = Array.from(raw);
    const { data, type } = applyRescale(raw, 'int16', [{ slope: 1, intercept: -1024 }], raw.length, { min: -2048, max: 2047 });
    expect(type).toBe('int16');
    expect(data).toBe(raw);
    expect(Array.from(data)).toEqual(reference(copy, 1, -1024));
  });

  it('16-bit stored range that would not fit: the values present decide (int16 here, int32 when they need it)', () => {
    const fits = Int16Array.from([-1000, 0, 3000]);
    expect(applyRescale(fits, 'int16', [{ slope: 1, intercept: -1024 }], 3, { min: -32768, max: 32767 }).type).toBe('int16');
    const wide = Int16Array.from([-32000, 0, 32000]);
    const r = applyRescale(wide, 'int16', [{ slope: 1, intercept: -1024 }], 3, { min: -32768, max: 32767 });
    expect(r.type).toBe('int32');
    expect(Array.from(r.data)).toEqual([-33024, -1024, 30976]);
  });

  it('uint16 with an integer slope per frame, and a fractional slope to float32', () => {
    const raw = Uint16Array.from([0, 1, 60000, 2, 3, 4]);
    const r = applyRescale(
      raw.slice(),
      'uint16',
      [
        { slope: 2, intercept: -10 },
        { slope: 3, intercept: 0 },
      ],
      3,
      { min: 0, max: 65535 },
    );
    expect(r.type).toBe('int32');
    expect(Array.from(r.data)).toEqual([-10, -8, 119990, 6, 9, 12]);
    const f = applyRescale(raw.slice(), 'uint16', [{ slope: 0.5, intercept: 1.25 }], 6, { min: 0, max: 65535 });
    expect(f.type).toBe('float32');
    expect(Array.from(f.data)).toEqual(reference(raw, 0.5, 1.25).map((v) => Math.fround(v)));
  });
  it('slope 1 over 16-bit samples (shifted in place while the range is gathered): values and type as the rule says, in every output type', () => {
    const lcg = (seed: number) => () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const cases: { raw: Int16Array | Uint16Array; rawType: 'int16' | 'uint16'; intercepts: number[]; type: string }[] = [
      { raw: Int16Array.from({ length: 64 }, (_, i) => (i * 977) % 4000), rawType: 'int16', intercepts: [-1024, -1000], type: 'int16' },
      { raw: Int16Array.from({ length: 64 }, (_, i) => 32000 - i), rawType: 'int16', intercepts: [0, 1000], type: 'uint16' },
      { raw: Int16Array.from({ length: 64 }, (_, i) => (i === 0 ? -100 : 32000 - i)), rawType: 'int16', intercepts: [0, 1000], type: 'int32' },
      { raw: Int16Array.from({ length: 64 }, (_, i) => i * 3), rawType: 'int16', intercepts: [10, 0], type: 'uint8' },
      { raw: Int16Array.from({ length: 64 }, (_, i) => -i), rawType: 'int16', intercepts: [-5, 0], type: 'int8' },
      { raw: Uint16Array.from({ length: 64 }, (_, i) => i * 500), rawType: 'uint16', intercepts: [-1024, -1024], type: 'int16' },
      { raw: Uint16Array.from({ length: 64 }, (_, i) => 65535 - i), rawType: 'uint16', intercepts: [-1024, 0], type: 'uint16' },
      { raw: Uint16Array.from({ length: 64 }, (_, i) => (i === 0 ? 0 : 65535 - i)), rawType: 'uint16', intercepts: [-1024, 0], type: 'int32' },
      { raw: Uint16Array.from({ length: 64 }, (_, i) => 65535 - i), rawType: 'uint16', intercepts: [-32768, -32768], type: 'uint16' },
      { raw: Uint16Array.from({ length: 64 }, (_, i) => i), rawType: 'uint16', intercepts: [0, -1], type: 'int8' },
    ];
    const next = lcg(7);
    for (let c = 0; c < 40; c++) {
      // Frames of 32-39 samples: whole SIMD vectors and scalar tails.
      const raw = Int16Array.from({ length: 64 + 2 * (c % 8) }, () => Math.floor(next() * 65536) - 32768);
      cases.push({ raw, rawType: 'int16', intercepts: [Math.floor(next() * 4000) - 2000, Math.floor(next() * 4000) - 2000], type: '' });
    }
    for (const { raw, rawType, intercepts, type } of cases) {
      const frame = raw.length / 2;
      const rescales = intercepts.map((intercept) => ({ slope: 1, intercept }));
      const expected = Array.from(raw, (v, p) => v + intercepts[Math.floor(p / frame)]!);
      // The two-pass rule: the type from the stored range of the whole volume and every frame's rescale.
      const rule = chooseLutType(rawType, rescales, Math.min(...raw), Math.max(...raw));
      const { data, type: got } = applyRescale(raw, rawType, rescales, frame);
      if (type) expect(got, `${rawType} ${intercepts}`).toBe(type);
      expect(got).toBe(rule);
      if (got === rawType) expect(data).toBe(raw);
      expect(Array.from(data)).toEqual(expected);
    }
  });
});
