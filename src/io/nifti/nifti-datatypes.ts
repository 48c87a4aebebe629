/**
 * NIfTI datatype codes (nifti1.h `NIFTI_TYPE_*`) and how each maps onto an SDK VoxelType.
 * 64-bit integers have no VoxelType: they are read as float64 (exact up to 2^53), which is also
 * what nibabel's get_fdata returns. RGB24 / RGBA32 become uint8 with 3 / 4 interleaved components.
 */
import type { VoxelType } from '../../core/dtype.js';

export interface NiftiDatatype {
  readonly code: number;
  readonly name: string;
  /** Bytes of one stored element (one channel for RGB types). */
  readonly bytes: number;
  /** Type the SDK stores it as; undefined = not readable (complex, float128, bit). */
  readonly voxelType?: VoxelType;
  /** Interleaved channels per voxel (3 for RGB24, 4 for RGBA32). */
  readonly components: number;
}

const TABLE: readonly NiftiDatatype[] = [
  { code: 1, name: 'binary', bytes: 0, components: 1 },
  { code: 2, name: 'uint8', bytes: 1, voxelType: 'uint8', components: 1 },
  { code: 4, name: 'int16', bytes: 2, voxelType: 'int16', components: 1 },
  { code: 8, name: 'int32', bytes: 4, voxelType: 'int32', components: 1 },
  { code: 16, name: 'float32', bytes: 4, voxelType: 'float32', components: 1 },
  { code: 32, name: 'complex64', bytes: 8, components: 1 },
  { code: 64, name: 'float64', bytes: 8, voxelType: 'float64', components: 1 },
  { code: 128, name: 'rgb24', bytes: 1, voxelType: 'uint8', components: 3 },
  { code: 256, name: 'int8', bytes: 1, voxelType: 'int8', components: 1 },
  { code: 512, name: 'uint16', bytes: 2, voxelType: 'uint16', components: 1 },
  { code: 768, name: 'uint32', bytes: 4, voxelType: 'uint32', components: 1 },
  { code: 1024, name: 'int64', bytes: 8, voxelType: 'float64', components: 1 },
  { code: 1280, name: 'uint64', bytes: 8, voxelType: 'float64', components: 1 },
  { code: 1536, name: 'float128', bytes: 16, components: 1 },
  { code: 1792, name: 'complex128', bytes: 16, components: 1 },
  { code: 2048, name: 'complex256', bytes: 32, components: 1 },
  { code: 2304, name: 'rgba32', bytes: 1, voxelType: 'uint8', components: 4 },
];

export function findNiftiDatatype(code: number): NiftiDatatype | undefined {
  return TABLE.find((t) => t.code === code);
}

/** The datatype code a VoxelType is written as (components > 1 handled by the writer). */
export function getNiftiDatatypeCode(type: VoxelType): number {
  const entry = TABLE.find((t) => t.voxelType === type && t.components === 1 && t.code < 1024);
  // Every VoxelType has a native NIfTI code; the table above guarantees this lookup succeeds.
  return entry!.code;
}

export function getNiftiDatatypeName(code: number): string {
  return findNiftiDatatype(code)?.name ?? `unknown(${code})`;
}
