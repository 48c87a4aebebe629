/**
 * xrvNormalize {maxval?}: TorchXRayVision's normalize(img, maxval): (2 * (x / maxval) - 1) * 1024
 * -> [-1024, 1024], evaluated in float32 like numpy does on a float32 array. maxval is a number,
 * or 'bitsStored' (default) = 2**meta.bitsStored - 1 as read_xray_dcm does; 8-bit data without
 * bitsStored uses 255. Like torchxrayvision, a value above maxval is an error (wrong bit depth
 * would silently shift every prediction).
 */
import { InputError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import { orPackedSamples, replicateLanes } from './simd.js';
import type { StepOptions, StepResult, XrvNormalizeParams } from './types.js';

export function readXrvNormalizeParams(r: ParamReader): XrvNormalizeParams {
  if (r.isLiteral('maxval', 'bitsStored')) return { maxval: r.oneOf('maxval', ['bitsStored'] as const) };
  const maxval = r.optionalNumber('maxval', { above: 0 });
  return maxval === undefined ? {} : { maxval };
}

/** maxval from params / meta, or an InputError saying what is missing. */
export function resolveMaxval(volume: Volume, maxval: number | 'bitsStored' | undefined, op: string): number {
  if (typeof maxval === 'number') return maxval;
  const bits = volume.meta.bitsStored;
  if (typeof bits === 'number' && Number.isInteger(bits) && bits > 0) return 2 ** bits - 1;
  if (maxval === undefined && volume.type === 'uint8') return 255;
  throw new InputError(`${op}: maxval not given and the volume has no meta.bitsStored`, { field: 'maxval' });
}

/** The float32 evaluation order of numpy: ((2 * f32(x / maxval)) - 1) * 1024. */
function normalizeOne(x: number, maxval: number): number {
  const f = Math.fround;
  return f(f(2 * f(f(x) / maxval)) - 1) * 1024;
}

/**
 * For 8/16-bit data and maxval = 2**b - 1 below the type's maximum: the bits of a 32-bit word of
 * packed samples that no value <= maxval sets (the OR of all words must have none of them).
 * Null otherwise (other types, other maxval, or nothing to check).
 */
export function xrvWordMask(volume: Volume, maxval: number): number | null {
  const src = volume.data;
  const bits = Math.log2(maxval + 1);
  if (!(src instanceof Uint16Array || src instanceof Uint8Array) || !Number.isInteger(bits)) return null;
  const lane = src instanceof Uint16Array ? 0xffff : 0xff;
  const high = (lane & ~maxval) >>> 0;
  if (high === 0) return null;
  return replicateLanes(high, src instanceof Uint16Array ? 2 : 1);
}

/**
 * Throws when a value exceeds maxval, like torchxrayvision. For 8/16-bit data and maxval =
 * 2**b - 1 this ORs 32-bit words and tests the bits above b: one cheap pass, no comparisons.
 */
export function checkXrvRange(volume: Volume, maxval: number): void {
  const src = volume.data;
  // No value of the type can exceed maxval (8-bit PNG radiographs, maxval 255): nothing to scan.
  if ((src instanceof Uint8Array && maxval >= 255) || (src instanceof Uint16Array && maxval >= 65535)) return;
  const mask = xrvWordMask(volume, maxval);
  const acc = mask === null ? null : orPackedSamples(src as Uint8Array | Uint16Array);
  if (mask !== null && acc !== null && (acc & mask) >>> 0 === 0) return;
  let max = -Infinity;
  for (let p = 0; p < src.length; p++) if (src[p]! > max) max = src[p]!;
  if (max > maxval) throw new InputError(`xrvNormalize: value ${max} exceeds maxval ${maxval} (wrong bit depth?)`, { field: 'maxval', value: max, maxval });
}

/**
 * The normalisation itself, without the range check (see checkXrvRange). With options.inPlace a
 * float32 input (the resize's output when the plan deferred this step after it) is overwritten
 * instead of allocating a second array of the same size (allocateOutput).
 */
export function applyXrvNormalization(volume: Volume, params: XrvNormalizeParams, maxval: number, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  if ((src instanceof Uint8Array || src instanceof Uint16Array) && maxval <= 65535) {
    // Integer pixels: a lookup table evaluated once per grey level gives numpy's exact float32
    // results at the cost of one gather per pixel (the table is at most 256 KiB).
    const levels = src instanceof Uint8Array ? 256 : 65536;
    const lut = new Float32Array(levels);
    for (let x = 0; x < levels; x++) lut[x] = normalizeOne(x, maxval);
    for (let p = 0; p < src.length; p++) out[p] = lut[src[p]!]!;
  } else {
    // Non-integer input (e.g. after a fused resize): one multiply-add in float64, within one
    // float32 rounding step of numpy's three-step float32 evaluation.
    const a = 2048 / maxval;
    for (let p = 0; p < src.length; p++) out[p] = src[p]! * a - 1024;
  }
  return createGridKeepingResult('xrvNormalize', params, volume, createPlanarVolume(v.geometry, out, channelCount(v), v.meta), { maxval });
}

export function normalizeXrv(volume: Volume, params: XrvNormalizeParams): StepResult {
  const maxval = resolveMaxval(volume, params.maxval, 'xrvNormalize');
  checkXrvRange(volume, maxval);
  return applyXrvNormalization(volume, params, maxval);
}
