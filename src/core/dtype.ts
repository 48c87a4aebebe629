/** Voxel / tensor element types and their typed-array constructors. */

export type VoxelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type TypedArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface TypedArrayMap {
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
}

const CONSTRUCTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

export const VOXEL_TYPES: readonly VoxelType[] = Object.keys(CONSTRUCTORS) as VoxelType[];

export function allocateTypedArray<T extends VoxelType>(type: T, length: number): TypedArrayMap[T] {
  return new CONSTRUCTORS[type](length) as TypedArrayMap[T];
}

/** Zeroed, on a SharedArrayBuffer (for passes split over worker threads, core/threads/). */
export function allocateSharedTypedArray<T extends VoxelType>(type: T, length: number): TypedArrayMap[T] {
  const ctor = CONSTRUCTORS[type] as unknown as { new (b: SharedArrayBuffer): TypedArrayMap[T]; readonly BYTES_PER_ELEMENT: number };
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}

export function voxelTypeOf(data: TypedArray): VoxelType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

export function bytesPerElement(type: VoxelType): number {
  return CONSTRUCTORS[type].BYTES_PER_ELEMENT;
}

export function isIntegerType(type: VoxelType): boolean {
  return type !== 'float32' && type !== 'float64';
}
