/**
 * Voxel payload decoding for NIfTI: raw bytes (either byte order) -> typed array, then the
 * scl_slope / scl_inter rule exactly as nibabel applies it (get_slope_inter + get_fdata):
 * slope 0 or non-finite = no scaling; valid slope with non-finite intercept = error.
 */
import { DecodeError } from '../../core/errors.js';
import { allocateTypedArray, type TypedArray, type VoxelType } from '../../core/dtype.js';
import type { NiftiDatatype } from './nifti-datatypes.js';
import { firstNonFinite } from '../../postprocess/common/activations-simd.js';

const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `count` elements at `offset` as a typed array in platform order. When the caller owns `bytes`
 * (a freshly gunzipped buffer) and the samples are aligned, the array is a view: no copy.
 */
export function decodeNiftiSamples(bytes: Uint8Array, offset: number, count: number, dt: NiftiDatatype, littleEndian: boolean, owned = false): TypedArray {
  const width = dt.bytes;
  // Callers check the size first; this keeps a typed-array RangeError from ever being the answer.
  if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + count * width <= bytes.length)) {
    throw new DecodeError(`voxel data of ${count} x ${width} bytes at offset ${offset} lies outside the ${bytes.length} bytes read`, {
      cause: 'truncated',
      offset,
      expected: count * width,
      actual: bytes.length,
    });
  }
  const aligned = (bytes.byteOffset + offset) % Math.max(1, width) === 0;
  let region: Uint8Array;
  // Only a buffer that is exactly ours (not a slice of a pooled allocation) is viewed in place.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  if (owned && whole && aligned) {
    region = bytes.subarray(offset, offset + count * width);
  } else {
    // A fresh buffer: a Node Buffer's slice() is a view into a shared pool, and typed arrays
    // over it would be misaligned or see the whole pool.
    region = new Uint8Array(count * width);
    region.set(bytes.subarray(offset, offset + count * width));
  }
  if (littleEndian !== PLATFORM_LITTLE_ENDIAN && width > 1) swapBytes(region, width);
  const buffer = region.buffer;
  const at = region.byteOffset;
  const n = count;
  switch (dt.code) {
    case 1024:
      return bigIntsToFloat64(new BigInt64Array(buffer, at, n));
    case 1280:
      return bigIntsToFloat64(new BigUint64Array(buffer, at, n));
    default:
      return viewAs(dt.voxelType!, buffer, at, n);
  }
}

function viewAs(type: VoxelType, buffer: ArrayBufferLike, at: number, n: number): TypedArray {
  switch (type) {
    case 'uint8':
      return new Uint8Array(buffer, at, n);
    case 'int8':
      return new Int8Array(buffer, at, n);
    case 'uint16':
      return new Uint16Array(buffer, at, n);
    case 'int16':
      return new Int16Array(buffer, at, n);
    case 'uint32':
      return new Uint32Array(buffer, at, n);
    case 'int32':
      return new Int32Array(buffer, at, n);
    case 'float32':
      return new Float32Array(buffer, at, n);
    case 'float64':
      return new Float64Array(buffer, at, n);
  }
}

function swapBytes(data: Uint8Array, width: number): void {
  const half = width >> 1;
  for (let base = 0; base < data.length; base += width) {
    for (let k = 0; k < half; k++) {
      const a = base + k;
      const b = base + width - 1 - k;
      const t = data[a]!;
      data[a] = data[b]!;
      data[b] = t;
    }
  }
}

function bigIntsToFloat64(src: BigInt64Array | BigUint64Array): Float64Array {
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
  return out;
}

export interface NiftiScaling {
  readonly slope: number;
  readonly inter: number;
}

/** The scaling nibabel would apply, or undefined for none (including the identity 1, 0). */
export function resolveNiftiScaling(slope: number, inter: number, file: string): NiftiScaling | undefined {
  if (slope === 0 || !Number.isFinite(slope)) return undefined;
  if (!Number.isFinite(inter)) throw new DecodeError(`${file}: valid scl_slope ${slope} but invalid scl_inter ${inter}`, { file, field: 'scl_inter' });
  if (slope === 1 && inter === 0) return undefined;
  return { slope, inter };
}

const INT_RANGE: Partial<Record<VoxelType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

/**
 * Output type for scaled data. Integer slope/intercept on <= 16-bit integers stay exact in int32
 * (the common CT case: slope 1, intercept -1024). Otherwise float32, or float64 where float32
 * would lose integer precision of the source (32/64-bit ints, float64).
 */
export function chooseScaledVoxelType(raw: VoxelType, s: NiftiScaling): VoxelType {
  const range = INT_RANGE[raw];
  if (range && Number.isInteger(s.slope) && Number.isInteger(s.inter)) {
    const a = range[0] * s.slope + s.inter;
    const b = range[1] * s.slope + s.inter;
    if (Math.min(a, b) >= -2147483648 && Math.max(a, b) <= 2147483647) return 'int32';
  }
  return range ? 'float32' : 'float64';
}

/** raw * slope + inter in float64 (nibabel's get_fdata), stored in `type`. */
export function applyNiftiScaling(raw: TypedArray, s: NiftiScaling, type: VoxelType): TypedArray {
  const out = allocateTypedArray(type, raw.length);
  const { slope, inter } = s;
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! * slope + inter;
  return out;
}

/** NIfTI stores vector components as whole blocks along dim 5; the SDK interleaves per voxel. */
export function interleaveComponents(blocks: TypedArray, components: number, type: VoxelType): TypedArray {
  const voxels = blocks.length / components;
  const out = allocateTypedArray(type, blocks.length);
  for (let c = 0; c < components; c++) {
    const base = c * voxels;
    for (let v = 0; v < voxels; v++) out[v * components + c] = blocks[base + v]!;
  }
  return out;
}

/** NaN / +-Infinity samples (float data as stored, or integers after an overflowing scl_slope). */
export function countNonFinite(data: TypedArray): number {
  // Large float32 volumes: the SIMD scan (faster than this loop; BENCHMARKS.md, "Design measurements") finds the first bad sample,
  // or proves there is none; the loop then counts from there only.
  const first = data instanceof Float32Array && data.length >= 4096 ? firstNonFinite(data, true) : null;
  if (first === -1) return 0;
  let count = 0;
  // x - x is NaN exactly for NaN and +-Infinity: one subtraction, no call per element.
  for (let i = first ?? 0; i < data.length; i++) {
    const x = data[i] as number;
    if (x - x !== 0) count++;
  }
  return count;
}

export function describeNonFinite(count: number, total: number, scaling: NiftiScaling | undefined): string {
  const cause = scaling
    ? ` after scaling (scl_slope ${scaling.slope}, scl_inter ${scaling.inter}: overflow of the stored type, or NaN/Inf in the file)`
    : ' (NaN or +-Infinity stored in the file)';
  return `${count} of ${total} samples are not finite${cause}; models refuse such input`;
}
