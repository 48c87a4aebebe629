/** Sample conversions for the NIfTI writer: type casts with range checks, component layout. */
import { ShapeError } from '../../core/errors.js';
import { allocateTypedArray, isIntegerType, type TypedArray, type VoxelType } from '../../core/dtype.js';

const RANGES: Partial<Record<VoxelType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

/**
 * Converts samples to `type`. Integer targets round half away from zero and refuse values
 * outside the type's range or NaN (silent wrap-around would corrupt intensities).
 */
export function castSamples(src: TypedArray, type: VoxelType): TypedArray {
  const out = allocateTypedArray(type, src.length);
  const range = RANGES[type];
  if (!range || !isIntegerType(type)) {
    for (let i = 0; i < src.length; i++) out[i] = src[i]!;
    return out;
  }
  const [lo, hi] = range;
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    const r = x < 0 ? -Math.round(-x) : Math.round(x);
    if (!(r >= lo && r <= hi)) {
      throw new ShapeError(`writeNifti: sample ${i} = ${x} does not fit datatype ${type} [${lo}, ${hi}]`, { index: i, value: x, datatype: type });
    }
    out[i] = r;
  }
  return out;
}

/** Interleaved components (SDK layout) -> one block per component (NIfTI dim 5 layout). */
export function deinterleaveComponents(src: TypedArray, components: number, type: VoxelType): TypedArray {
  const voxels = src.length / components;
  const out = allocateTypedArray(type, src.length);
  for (let c = 0; c < components; c++) {
    const base = c * voxels;
    for (let v = 0; v < voxels; v++) out[base + v] = src[v * components + c]!;
  }
  return out;
}
