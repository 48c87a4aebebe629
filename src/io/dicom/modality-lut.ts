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
 * Applies per-frame rescales to `raw` (frames of `frameSize` samples, in order); returns `raw`
 * itself when nothing changes. One pass in the common case: the output type is guessed from a
 * strided sample, the pass records the true stored range, and if that range calls for another
 * type (the rule above, on all values) the pass is redone - so the type never depends on the guess.
 */
export function applyRescale(raw: TypedArray, rawType: VoxelType, rescales: readonly (Rescale | undefined)[], frameSize: number): { data: TypedArray; type: VoxelType } {
  if (rescales.every(isIdentity)) return { data: raw, type: rawType };
  const sample = sampleValueRange(raw);
  const guess = chooseLutType(rawType, rescales, sample.min, sample.max);
  const first = rescalePass(raw, guess, rescales, frameSize);
  const needed = chooseLutType(rawType, rescales, first.min, first.max);
  if (needed === guess) return { data: first.out, type: guess };
  return { data: rescalePass(raw, needed, rescales, frameSize).out, type: needed };
}

function sampleValueRange(data: TypedArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  const step = Math.max(1, Math.floor(data.length / 4096));
  for (let p = 0; p < data.length; p += step) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function rescalePass(raw: TypedArray, type: VoxelType, rescales: readonly (Rescale | undefined)[], frameSize: number): { out: TypedArray; min: number; max: number } {
  const out = allocateTypedArray(type, raw.length);
  let min = Infinity;
  let max = -Infinity;
  for (let f = 0; f < rescales.length; f++) {
    const r = rescales[f];
    const s = r?.slope ?? 1;
    const b = r?.intercept ?? 0;
    const end = Math.min(raw.length, (f + 1) * frameSize);
    // Typed-array stores round to float32 / wrap integers; the type check after the pass catches wraps.
    for (let p = f * frameSize; p < end; p++) {
      const v = raw[p]!;
      if (v < min) min = v;
      if (v > max) max = v;
      out[p] = v * s + b;
    }
  }
  return { out, min, max };
}
