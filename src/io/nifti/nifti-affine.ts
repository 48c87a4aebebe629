/**
 * The voxel -> world affine of a NIfTI header, computed exactly as nibabel 5 does
 * (`Nifti1Header.get_best_affine` after `check_fix`): sform if sform_code > 0, else qform if
 * qform_code > 0, else the Analyze-style base affine diag(-dx, dy, dz) centred on the volume.
 * World space here is NIfTI's RAS+ (+x towards the subject's Right, +y Anterior, +z Superior);
 * read-nifti.ts converts to the SDK's LPS at the edge. All matrices are 4x4 row-major.
 */
import { DecodeError } from '../../core/errors.js';
import type { Mat4 } from '../../core/geometry.js';
import { getNiftiShape, type NiftiHeader } from './nifti-header.js';

export type NiftiAffineSource = 'sform' | 'qform' | 'base';

/** nibabel's check_fix resets xform codes outside 0..5 to 0 (unknown). */
function validCode(code: number): number {
  return Number.isInteger(code) && code >= 0 && code <= 5 ? code : 0;
}

export function resolveXformCodes(h: NiftiHeader): { sform: number; qform: number } {
  return { sform: validCode(h.sformCode), qform: validCode(h.qformCode) };
}

/** pixdim[1..3] as nibabel fixes them on load: zero -> 1, negative -> absolute value. */
export function resolveVoxelSizes(h: NiftiHeader): [number, number, number] {
  const fix = (v: number): number => (v === 0 || !Number.isFinite(v) ? 1 : Math.abs(v));
  return [fix(h.pixdim[1]!), fix(h.pixdim[2]!), fix(h.pixdim[3]!)];
}

export function selectNiftiAffine(h: NiftiHeader, file: string): { affine: Mat4; source: NiftiAffineSource } {
  const codes = resolveXformCodes(h);
  if (codes.sform > 0) return { affine: computeSformAffine(h), source: 'sform' };
  if (codes.qform > 0) return { affine: computeQformAffine(h, file), source: 'qform' };
  return { affine: computeBaseAffine(h), source: 'base' };
}

export function computeSformAffine(h: NiftiHeader): Mat4 {
  return [...h.srow, 0, 0, 0, 1];
}

/** Unit quaternion (w, x, y, z) from (b, c, d) with w >= 0, as nibabel's fillpositive. */
function fillPositive(h: NiftiHeader, file: string): [number, number, number, number] {
  const [b, c, d] = h.quatern;
  const w2 = 1 - (b * b + c * c + d * d);
  // nibabel's tolerance depends on the stored precision: 3 eps of float32 (v1) or float64 (v2).
  const threshold = -3 * (h.version === 1 ? 1.1920928955078125e-7 : 2.220446049250313e-16);
  if (w2 < 0) {
    if (w2 < threshold) throw new DecodeError(`${file}: qform quaternion (b, c, d) has norm > 1 (w^2 = ${w2})`, { file, field: 'quatern' });
    return [0, b, c, d];
  }
  return [Math.sqrt(w2), b, c, d];
}

/** Rotation matrix of a quaternion (nibabel quaternions.quat2mat), row-major 3x3. */
export function computeRotationMatrix(q: readonly [number, number, number, number]): number[] {
  const [w, x, y, z] = q;
  const n = w * w + x * x + y * y + z * z;
  if (n < 2.220446049250313e-16) return [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const s = 2 / n;
  // The products nibabel forms (same operands, same rounding), one row of the table a line.
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [x * X, x * Y, x * Z];
  const [yY, yZ, zZ] = [y * Y, y * Z, z * Z];
  return [1 - (yY + zZ), xY - wZ, xZ + wY, xY + wZ, 1 - (xX + zZ), yZ - wX, xZ - wY, yZ + wX, 1 - (xX + yY)];
}

export function computeQformAffine(h: NiftiHeader, file: string): Mat4 {
  const r = computeRotationMatrix(fillPositive(h, file));
  const vox = resolveVoxelSizes(h);
  // qfac (pixdim[0]) flips the third axis; anything but -1 is treated as +1 (nibabel's fix).
  const qfac = h.pixdim[0] === -1 ? -1 : 1;
  vox[2] *= qfac;
  const out: number[] = [];
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) out.push(r[row * 3 + col]! * vox[col]!);
    out.push(h.qoffset[row]!);
  }
  return [...out, 0, 0, 0, 1];
}

/** Analyze base affine (nibabel shape_zoom_affine with x flip): voxel grid centred on 0. */
export function computeBaseAffine(h: NiftiHeader): Mat4 {
  const shape = getNiftiShape(h);
  const vox = resolveVoxelSizes(h);
  const ndim = h.dim[0]!;
  // Axes beyond dim[0] have extent 1 and zoom 1 (nibabel pads shape and zooms with ones).
  const zooms = [0, 1, 2].map((k) => (k < ndim ? vox[k]! : 1));
  zooms[0] = -zooms[0]!;
  const t = [0, 1, 2].map((k) => -((shape[k]! - 1) / 2) * zooms[k]!);
  return [zooms[0]!, 0, 0, t[0]!, 0, zooms[1]!, 0, t[1]!, 0, 0, zooms[2]!, t[2]!, 0, 0, 0, 1];
}
