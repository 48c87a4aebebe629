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
import { orPackedSamples, replicateLanes } from '../../preprocess/simd.js';
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
    first = !signed && packedClean(data, bits) ? n : scannerFor(data)(data, bits, signed);
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

type RangeScan = (data: TypedArray, bits: number, signed: boolean) => number;

/**
 * One scan closure per array type: the element loads stay monomorphic (one shared loop over
 * uint8 / int16 / uint16 / ... arrays is slower; BENCHMARKS.md, "Design measurements").
 */
const scanners = new Map<unknown, RangeScan>();

function scannerFor(data: TypedArray): RangeScan {
  let scan = scanners.get(data.constructor);
  if (scan === undefined) {
    scan = createRangeScan();
    scanners.set(data.constructor, scan);
  }
  return scan;
}

const BLOCK = 4096;

/** Unsigned 8- and 16-bit samples: clean when no sample has a bit above the stored bits (one OR pass). */
function packedClean(data: TypedArray, bits: number): boolean {
  if (!(data instanceof Uint8Array || data instanceof Uint16Array)) return false;
  const acc = orPackedSamples(data);
  return acc !== null && (acc & ~replicateLanes(2 ** bits - 1, data.BYTES_PER_ELEMENT as 1 | 2)) === 0;
}

/**
 * Index of the first sample outside the stored range, or the length when all are inside. Blocks
 * are tested branch-free first: an unsigned value fits in `bits` bits when the OR of the block
 * does; a signed one when v ^ (v >> 31) (its magnitude bits, one less for negatives) fits in
 * bits - 1. Only a block that fails is walked sample by sample.
 */
function createRangeScan(): RangeScan {
  return (data, bits, signed) => {
    const n = data.length;
    const limit = 2 ** (signed ? bits - 1 : bits);
    for (let b = 0; b < n; b += BLOCK) {
      const end = Math.min(n, b + BLOCK);
      let acc = 0;
      if (signed) for (let p = b; p < end; p++) acc |= data[p]! ^ (data[p]! >> 31);
      else for (let p = b; p < end; p++) acc |= data[p]!;
      if (acc >= 0 && acc < limit) continue;
      const lo = signed ? -limit : 0;
      for (let p = b; p < end; p++) if (data[p]! < lo || data[p]! >= limit) return p;
    }
    return n;
  };
}
