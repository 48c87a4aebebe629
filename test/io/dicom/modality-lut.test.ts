/**
 * applyRescale: output values equal pydicom's apply_modality_lut (raw * slope + intercept, float64)
 * in the narrowest type that holds the values present; the BitsStored range may decide the type
 * without a pass over the samples only when that range already fits.
 */
import { describe, expect, it } from 'vitest';
import { applyRescale } from '../../../src/io/dicom/modality-lut.js';

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
});
