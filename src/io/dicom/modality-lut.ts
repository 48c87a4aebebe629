/**
 * Modality LUT (rescale slope / intercept, PS3.3 C.11.1): stored values -> output units (HU for
 * CT). Values equal pydicom's `apply_modality_lut` (raw * slope + intercept in float64). The
 * output type is chosen so those values are kept exactly where that is cheap:
 *  - no rescale, or slope 1 and intercept 0 on every frame: the raw type is kept;
 *  - integer slopes and intercepts: the narrowest integer type holding every output value
 *    present - e.g. int16 for most CT;
 *  - otherwise float32: each value is float32(pydicom's float64 value). float32 is what models
 *    consume; the rounding is below 1e-7 relative and documented here rather than hidden.
 */
import { allocateTypedArray, type TypedArray, type VoxelType } from '../../core/dtype.js';
import { getSimdKernels, shiftRange16Simd } from '../../preprocess/simd.js';

export interface Rescale {
  readonly slope: number;
  readonly intercept: number;
}

const INTEGER_TYPES: readonly { type: VoxelType; min: number; max: number }[] = [
  { type: 'uint8', min: 0, max: 255 },
  { type: 'int8', min: -128, max: 127 },
  { type: 'uint16', min: 0, max: 65535 },
  { type: 'int16', min: -32768, max: 32767 },
  { type: 'uint32', min: 0, max: 4294967295 },
  { type: 'int32', min: -2147483648, max: 2147483647 },
];

function isIdentity(r: Rescale | undefined): boolean {
  return r === undefined || (r.slope === 1 && r.intercept === 0);
}

/** Output type for `rescales` (one per frame, undefined = none) over stored values in [lo, hi]. */
export function chooseLutType(rawType: VoxelType, rescales: readonly (Rescale | undefined)[], lo: number, hi: number): VoxelType {
  if (rescales.every(isIdentity)) return rawType;
  let outMin = Infinity;
  let outMax = -Infinity;
  for (const r of rescales) {
    const s = r?.slope ?? 1;
    const b = r?.intercept ?? 0;
    if (!Number.isInteger(s) || !Number.isInteger(b)) return 'float32';
    outMin = Math.min(outMin, lo * s + b, hi * s + b);
    outMax = Math.max(outMax, lo * s + b, hi * s + b);
  }
  for (const t of INTEGER_TYPES) if (outMin >= t.min && outMax <= t.max) return t.type;
  return 'float64';
}

/**
 * Applies per-frame rescales to `raw` (frames of `frameSize` samples, in order). `raw` must be
 * the reader's own buffer: it is returned unchanged when nothing applies, and rescaled in place
 * when the output type equals the stored type (CT int16 -> HU int16), which saves allocating a
 * second volume-sized buffer. The type follows the rule above, from the exact value range - or,
 * when `storedRange` (what BitsStored allows) already fits the stored type after the rescale
 * (12-bit CT, intercept -1024), from that range without a pass over the samples.
 */
export function applyRescale(
  raw: TypedArray,
  rawType: VoxelType,
  rescales: readonly (Rescale | undefined)[],
  frameSize: number,
  storedRange?: { readonly min: number; readonly max: number },
): { data: TypedArray; type: VoxelType } {
  if (rescales.every(isIdentity)) return { data: raw, type: rawType };
  const integral = rescales.every((r) => r === undefined || (Number.isInteger(r.slope) && Number.isInteger(r.intercept)));
  const byStoredRange = integral && storedRange !== undefined && chooseLutType(rawType, rescales, storedRange.min, storedRange.max) === rawType;
  const slopeOne = rescales.every((r) => (r?.slope ?? 1) === 1);
  if (integral && !byStoredRange && slopeOne && raw.length > 0 && (raw instanceof Int16Array || raw instanceof Uint16Array)) {
    return shiftInPlaceWithRange(raw, rawType, rescales, frameSize);
  }
  const { min, max } = !integral ? { min: 0, max: 0 } : byStoredRange ? storedRange : valueRange(raw);
  const type = chooseLutType(rawType, rescales, min, max);
  const out = type === rawType ? raw : allocateTypedArray(type, raw.length);
  for (let f = 0; f < rescales.length; f++) {
    const r = rescales[f];
    const s = r?.slope ?? 1;
    const b = r?.intercept ?? 0;
    const start = f * frameSize;
    const end = Math.min(raw.length, (f + 1) * frameSize);
    if (s === 1 && b === 0 && out === raw) continue;
    rescaleRange(raw, out, start, end, s, b, type !== 'float32' && type !== 'float64');
  }
  return { data: out, type };
}

/**
 * Slope 1 and integer intercepts over 16-bit samples (most CT: intercept -1024 with 16 bits
 * stored), in one pass instead of a value-range pass and a rescale pass: each sample is shifted
 * by its frame's intercept in place while the stored range is gathered. The 16-bit store wraps
 * (ToInt16 / ToUint16), so the pass loses nothing: when the range then asks for another output
 * type (the shifted values do not fit the stored type - rare), the stored samples are recovered
 * exactly (wrap(x - b)) and written into that type. The result equals the two-pass one bit for bit.
 */
function shiftInPlaceWithRange(
  raw: Int16Array | Uint16Array,
  rawType: VoxelType,
  rescales: readonly (Rescale | undefined)[],
  frameSize: number,
): { data: TypedArray; type: VoxelType } {
  let min = raw instanceof Int16Array ? 32767 : 65535;
  let max = raw instanceof Int16Array ? -32768 : 0;
  const simd = getSimdKernels();
  for (let f = 0; f < rescales.length; f++) {
    const b = rescales[f]?.intercept ?? 0;
    const end = Math.min(raw.length, (f + 1) * frameSize);
    if (simd !== null) {
      const r = shiftRange16Simd(simd, raw, f * frameSize, end, b);
      min = r.min < min ? r.min : min;
      max = r.max > max ? r.max : max;
      continue;
    }
    // Without SIMD: two copies of one loop keep each monomorphic (see rescaleRange).
    if (raw instanceof Int16Array) {
      for (let p = f * frameSize; p < end; p++) {
        const v = raw[p]!;
        min = v < min ? v : min;
        max = v > max ? v : max;
        raw[p] = v + b;
      }
    } else {
      for (let p = f * frameSize; p < end; p++) {
        const v = raw[p]!;
        min = v < min ? v : min;
        max = v > max ? v : max;
        raw[p] = v + b;
      }
    }
  }
  const type = chooseLutType(rawType, rescales, min, max);
  if (type === rawType) return { data: raw, type };
  const out = allocateTypedArray(type, raw.length);
  const bits = raw instanceof Int16Array ? 16 : 0;
  for (let f = 0; f < rescales.length; f++) {
    const b = rescales[f]?.intercept ?? 0;
    const end = Math.min(raw.length, (f + 1) * frameSize);
    // Stored value back from the wrapped store: int16 sign-extends, uint16 masks.
    for (let p = f * frameSize; p < end; p++) {
      const x = (raw[p]! - b) & 0xffff;
      out[p] = ((x << bits) >> bits) + b;
    }
  }
  return { data: out, type };
}

/**
 * out[p] = raw[p] * s + b over [start, end). Separate loops per common array class keep each one
 * monomorphic (a generic loop over TypedArray runs several times slower in V8). `integer`: the
 * output type is an integer type chosen to hold every value, so `| 0` (exact for int8..int32,
 * and uint16 / uint8 are < 2^31) skips the double -> integer store conversion; uint32 keeps the
 * plain store.
 */
function rescaleRange(raw: TypedArray, out: TypedArray, start: number, end: number, s: number, b: number, integer: boolean): void {
  if (integer && raw instanceof Int16Array && out instanceof Int16Array) {
    if (s === 1) for (let p = start; p < end; p++) out[p] = (raw[p]! + b) | 0;
    else for (let p = start; p < end; p++) out[p] = (raw[p]! * s + b) | 0;
    return;
  }
  if (integer && raw instanceof Uint16Array && out instanceof Int16Array) {
    for (let p = start; p < end; p++) out[p] = (raw[p]! * s + b) | 0;
    return;
  }
  if (integer && raw instanceof Uint16Array && out instanceof Int32Array) {
    for (let p = start; p < end; p++) out[p] = (raw[p]! * s + b) | 0;
    return;
  }
  if (integer && raw instanceof Int16Array && out instanceof Int32Array) {
    for (let p = start; p < end; p++) out[p] = (raw[p]! * s + b) | 0;
    return;
  }
  if (raw instanceof Uint16Array && out instanceof Float32Array) {
    for (let p = start; p < end; p++) out[p] = raw[p]! * s + b;
    return;
  }
  if (raw instanceof Int16Array && out instanceof Float32Array) {
    for (let p = start; p < end; p++) out[p] = raw[p]! * s + b;
    return;
  }
  // Stores round to float32 or hold exact integers (the type was chosen to fit every value).
  for (let p = start; p < end; p++) out[p] = raw[p]! * s + b;
}

function valueRange(data: TypedArray): { min: number; max: number } {
  if (data instanceof Int16Array) return rangeInt16(data);
  if (data instanceof Uint16Array) return rangeUint16(data);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function rangeInt16(data: Int16Array): { min: number; max: number } {
  let min = 32767;
  let max = -32768;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return data.length === 0 ? { min: Infinity, max: -Infinity } : { min, max };
}

function rangeUint16(data: Uint16Array): { min: number; max: number } {
  let min = 65535;
  let max = 0;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return data.length === 0 ? { min: Infinity, max: -Infinity } : { min, max };
}
