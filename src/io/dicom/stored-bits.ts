/**
 * Stored values inside their container (PS3.5 8.1.1): a sample occupies BitsStored bits ending at
 * HighBit inside BitsAllocated; the bits outside are not part of the value and may hold garbage
 * (overlay planes in old files, vendor flags, uninitialised memory). They are cleared here, and
 * signed values (PixelRepresentation 1) are sign-extended from bit BitsStored - 1, as pydicom >= 3
 * and dcm2niix do. Applies to native data and to codec output alike (a JPEG-LS / JPEG 2000
 * codestream can declare more precision than BitsStored). HighBit outside
 * [BitsStored - 1, BitsAllocated - 1] is invalid; then the value is taken from the low bits
 * (HighBit = BitsStored - 1), which is what every current writer does.
 */
import type { TypedArray } from '../../core/dtype.js';
import type { PixelModule } from './pixel-module.js';

/** Bit position of the value's least significant bit inside the container. */
export function storedBitShift(pm: Pick<PixelModule, 'bitsAllocated' | 'bitsStored' | 'highBit'>): number {
  const shift = pm.highBit - pm.bitsStored + 1;
  return shift > 0 && pm.highBit < pm.bitsAllocated ? shift : 0;
}

/**
 * In place: keep the BitsStored value bits (sign-extended when signed). No-op for full-width or
 * 1-bit data. Returns how many samples changed (reported as a warning by the reader: e.g. a
 * PixelPaddingValue written outside BitsStored becomes an in-range value).
 */
export function maskStoredBits(data: TypedArray, pm: Pick<PixelModule, 'bitsAllocated' | 'bitsStored' | 'highBit' | 'pixelRepresentation'>): number {
  const bits = pm.bitsStored;
  if (pm.bitsAllocated === 1 || bits >= pm.bitsAllocated) return 0;
  const shift = storedBitShift(pm);
  const n = data.length;
  const signed = pm.pixelRepresentation === 1;
  let first = 0;
  if (shift === 0) {
    // Clean data (the usual case) is only read: find the first sample outside the stored range.
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    while (first < n && data[first]! >= lo && data[first]! <= hi) first++;
    if (first === n) return 0;
  }
  if (signed) {
    // Move the value's top bit to bit 31, then arithmetic-shift back: masks and sign-extends at once.
    const up = 32 - bits - shift;
    const down = 32 - bits;
    let changed = 0;
    for (let p = first; p < n; p++) {
      const v = data[p]!;
      const m = (v << up) >> down;
      if (m !== v) {
        data[p] = m;
        changed++;
      }
    }
    return changed;
  }
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  // >>> keeps uint32 containers unsigned; the mask is applied after the shift.
  let changed = 0;
  for (let p = first; p < n; p++) {
    const v = data[p]!;
    const m = ((v >>> shift) & mask) >>> 0;
    if (m !== v) {
      data[p] = m;
      changed++;
    }
  }
  return changed;
}
