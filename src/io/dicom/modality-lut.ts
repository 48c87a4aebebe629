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
 * Applies per-frame rescales to `raw` (frames of `frameSize` samples, in order). `raw` must be
 * the reader's own buffer: it is returned unchanged when nothing applies, and rescaled in place
 * when the output type equals the stored type (CT int16 -> HU int16), which saves allocating a
 * second volume-sized buffer. The type follows the rule above, from the exact value range.
 */
export function applyRescale(raw: TypedArray, rawType: VoxelType, rescales: readonly (Rescale | undefined)[], frameSize: number): { data: TypedArray; type: VoxelType } {
  if (rescales.every(isIdentity)) return { data: raw, type: rawType };
  const integral = rescales.every((r) => r === undefined || (Number.isInteger(r.slope) && Number.isInteger(r.intercept)));
  const { min, max } = integral ? valueRange(raw) : { min: 0, max: 0 };
  const type = chooseLutType(rawType, rescales, min, max);
  const out = type === rawType ? raw : allocateTypedArray(type, raw.length);
  for (let f = 0; f < rescales.length; f++) {
    const r = rescales[f];
    const s = r?.slope ?? 1;
    const b = r?.intercept ?? 0;
    const end = Math.min(raw.length, (f + 1) * frameSize);
    if (s === 1 && b === 0 && out === raw) continue;
    // Stores round to float32 or hold exact integers (the type was chosen to fit every value).
    for (let p = f * frameSize; p < end; p++) out[p] = raw[p]! * s + b;
  }
  return { data: out, type };
}

function valueRange(data: TypedArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const v = data[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
