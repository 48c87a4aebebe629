/**
 * Volume: a voxel grid (Geometry) with its samples. Data is stored i-fastest, then j, then k,
 * with `components` values per voxel interleaved (RGB, vector fields). `frames` > 1 holds 4D
 * data (time / diffusion / channels of a NIfTI), frame-major after the 3D block.
 */
import { ShapeError } from './errors.js';
import { createGeometry, voxelCount, type Geometry, type GeometryInit } from './geometry.js';
import { allocateTypedArray, voxelTypeOf, type TypedArray, type TypedArrayMap, type VoxelType } from './dtype.js';

export interface VolumeMeta {
  /** DICOM modality ('CT', 'MR', 'CR', 'DX', ...) or 'OT' when unknown. */
  modality?: string;
  /** Where the data came from (file name or 'memory'); never a patient identifier. */
  source?: string;
  /** Input format: 'dicom' | 'nifti' | 'png' | 'jpeg' | ... */
  format?: string;
  seriesInstanceUid?: string;
  /** DICOM photometric interpretation; MONOCHROME1 means low values are bright. */
  photometric?: string;
  /** Default display window (centre / width) in output units. */
  window?: { center: number; width: number };
  /** Bits stored of the source pixels (TorchXRayVision's maxval = 2**bitsStored - 1). */
  bitsStored?: number;
  /** Non-fatal observations made while reading (irregular spacing, ...). */
  warnings?: string[];
  [key: string]: unknown;
}

export interface Volume<T extends VoxelType = VoxelType> {
  readonly geometry: Geometry;
  readonly type: T;
  readonly components: number;
  readonly frames: number;
  readonly data: TypedArrayMap[T];
  readonly meta: VolumeMeta;
}

export interface VolumeInit<T extends VoxelType> {
  geometry: Geometry | GeometryInit;
  data: TypedArrayMap[T];
  components?: number;
  frames?: number;
  meta?: VolumeMeta;
}

/** The voxel type named by a typed-array class (so `createVolume` infers `Volume<'uint16'>` from a Uint16Array). */
export type VoxelTypeOf<A extends TypedArray> = A extends Uint8Array
  ? 'uint8'
  : A extends Int8Array
    ? 'int8'
    : A extends Uint16Array
      ? 'uint16'
      : A extends Int16Array
        ? 'int16'
        : A extends Uint32Array
          ? 'uint32'
          : A extends Int32Array
            ? 'int32'
            : A extends Float32Array
              ? 'float32'
              : A extends Float64Array
                ? 'float64'
                : VoxelType;

export function createVolume<A extends TypedArray>(init: Omit<VolumeInit<VoxelType>, 'data'> & { data: A }): Volume<VoxelTypeOf<A>>;
export function createVolume<T extends VoxelType>(init: VolumeInit<T>): Volume<T>;
export function createVolume<T extends VoxelType>(init: VolumeInit<T>): Volume<T> {
  // Re-validating an existing Geometry is cheap and keeps one code path.
  const geometry = createGeometry(init.geometry);
  const components = init.components ?? 1;
  const frames = init.frames ?? 1;
  if (!Number.isInteger(components) || components < 1) throw new ShapeError(`components must be a positive integer, got ${components}`);
  if (!Number.isInteger(frames) || frames < 1) throw new ShapeError(`frames must be a positive integer, got ${frames}`);
  const expected = voxelCount(geometry) * components * frames;
  if (init.data.length !== expected) {
    throw new ShapeError(
      `volume data has ${init.data.length} elements, geometry [${geometry.size.join('x')}] x ${components} components x ${frames} frames needs ${expected}`,
      { expected, actual: init.data.length },
    );
  }
  return { geometry, type: voxelTypeOf(init.data) as T, components, frames, data: init.data, meta: { ...(init.meta ?? {}) } };
}

/** A new zero-filled volume on the same grid (optionally of another type / component count). */
export function createVolumeLike<T extends VoxelType>(ref: Volume, type: T, components = 1, frames = 1): Volume<T> {
  const data = allocateTypedArray(type, voxelCount(ref.geometry) * components * frames);
  return createVolume<T>({ geometry: ref.geometry, data, components, frames, meta: { ...ref.meta } });
}

/** Min / max / mean over all samples (NaN skipped), in float64. */
export function volumeStats(v: Volume): { min: number; max: number; mean: number } {
  return arrayStats(v.data);
}

export function arrayStats(data: TypedArray): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x !== x) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    n++;
  }
  return n === 0 ? { min: NaN, max: NaN, mean: NaN } : { min, max, mean: sum / n };
}

/** Linear offset of voxel (i, j, k) in a single-component, single-frame volume. */
export function voxelOffset(g: Geometry, i: number, j: number, k: number): number {
  return i + g.size[0] * (j + g.size[1] * k);
}
