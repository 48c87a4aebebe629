/**
 * Voxel grid geometry in LPS world space (DICOM / ITK convention: +x = patient Left,
 * +y = Posterior, +z = Superior; millimetres). NIfTI's RAS is converted at the I/O edge.
 *
 * `direction` is a 3x3 matrix stored row-major: direction[r * 3 + c] is the r-th world component
 * of the unit vector along voxel axis c. So column c is where axis c points in the world.
 * `origin` is the world position of the centre of voxel (0, 0, 0).
 * The affine is always derived from spacing / origin / direction, never stored beside them.
 */
import { ShapeError } from './errors.js';

export type Vec3 = readonly [number, number, number];
/** Row-major 3x3 matrix. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];
/** Row-major 4x4 matrix. */
export type Mat4 = readonly number[];

export interface Geometry {
  /** Voxel counts along i, j, k (i fastest in memory). 2D images have k = 1. */
  readonly size: Vec3;
  /** Voxel spacing in mm along i, j, k. */
  readonly spacing: Vec3;
  /** World (LPS, mm) position of the centre of voxel (0, 0, 0). */
  readonly origin: Vec3;
  /** Row-major direction cosines; column c = world direction of axis c. */
  readonly direction: Mat3;
}

export const IDENTITY_DIRECTION: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export interface GeometryInit {
  size: readonly number[];
  spacing?: readonly number[];
  origin?: readonly number[];
  direction?: readonly number[];
}

/** Validates and fills defaults (spacing 1 mm, origin 0, identity direction). */
export function createGeometry(init: GeometryInit): Geometry {
  const size = toVec3(init.size, 'size', 1);
  for (const n of size) {
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`geometry size must be positive integers, got [${size.join(', ')}]`, { field: 'size' });
  }
  const spacing = toVec3(init.spacing ?? [1, 1, 1], 'spacing', 1);
  for (const s of spacing) {
    if (!(s > 0) || !Number.isFinite(s)) throw new ShapeError(`geometry spacing must be finite and > 0, got [${spacing.join(', ')}]`, { field: 'spacing' });
  }
  const origin = toVec3(init.origin ?? [0, 0, 0], 'origin', 0);
  if (!origin.every(Number.isFinite)) throw new ShapeError(`geometry origin must be finite, got [${origin.join(', ')}]`, { field: 'origin' });
  const direction = normaliseDirection(init.direction ?? IDENTITY_DIRECTION);
  return { size, spacing, origin, direction };
}

function toVec3(values: readonly number[], field: string, fill: number): Vec3 {
  if (values.length < 1 || values.length > 3) throw new ShapeError(`${field} must have 1 to 3 entries, got ${values.length}`, { field });
  return [values[0] ?? fill, values[1] ?? fill, values[2] ?? fill];
}

/** Checks a direction matrix has unit, linearly independent columns (oblique allowed). */
function normaliseDirection(d: readonly number[]): Mat3 {
  if (d.length !== 9 || !d.every(Number.isFinite)) throw new ShapeError('direction must be 9 finite numbers (row-major 3x3)', { field: 'direction' });
  const m = d as unknown as Mat3;
  if (Math.abs(determinant3(m)) < 1e-6) throw new ShapeError('direction matrix is singular', { field: 'direction' });
  const out = [...m];
  for (let c = 0; c < 3; c++) {
    const n = Math.hypot(m[c]!, m[3 + c]!, m[6 + c]!);
    if (Math.abs(n - 1) > 1e-3) throw new ShapeError(`direction column ${c} is not a unit vector (norm ${n})`, { field: 'direction' });
    for (let r = 0; r < 3; r++) out[r * 3 + c] = out[r * 3 + c]! / n;
  }
  return out as unknown as Mat3;
}

export function voxelCount(g: Geometry): number {
  return g.size[0] * g.size[1] * g.size[2];
}

/** 4x4 row-major affine mapping (i, j, k, 1) to LPS world mm: A = [D * diag(spacing) | origin]. */
export function affineFromGeometry(g: Geometry): Mat4 {
  const d = g.direction;
  const s = g.spacing;
  return [
    d[0] * s[0],
    d[1] * s[1],
    d[2] * s[2],
    g.origin[0],
    d[3] * s[0],
    d[4] * s[1],
    d[5] * s[2],
    g.origin[1],
    d[6] * s[0],
    d[7] * s[1],
    d[8] * s[2],
    g.origin[2],
    0,
    0,
    0,
    1,
  ];
}

/** Inverse of affineFromGeometry: spacing = column norms, direction = normalised columns. */
export function geometryFromAffine(affine: Mat4, size: readonly number[]): Geometry {
  if (affine.length !== 16) throw new ShapeError(`affine must have 16 entries, got ${affine.length}`, { field: 'affine' });
  const spacing: number[] = [];
  const direction: number[] = new Array<number>(9).fill(0);
  for (let c = 0; c < 3; c++) {
    const col = [affine[c]!, affine[4 + c]!, affine[8 + c]!];
    const n = Math.hypot(col[0]!, col[1]!, col[2]!);
    if (!(n > 0)) throw new ShapeError(`affine column ${c} is zero`, { field: 'affine' });
    spacing.push(n);
    for (let r = 0; r < 3; r++) direction[r * 3 + c] = col[r]! / n;
  }
  return createGeometry({ size, spacing, origin: [affine[3]!, affine[7]!, affine[11]!], direction });
}

/** Continuous voxel index (i, j, k) -> LPS world mm. */
export function indexToWorld(g: Geometry, index: readonly number[]): Vec3 {
  const d = g.direction;
  const a = (index[0] ?? 0) * g.spacing[0];
  const b = (index[1] ?? 0) * g.spacing[1];
  const c = (index[2] ?? 0) * g.spacing[2];
  return [g.origin[0] + d[0] * a + d[1] * b + d[2] * c, g.origin[1] + d[3] * a + d[4] * b + d[5] * c, g.origin[2] + d[6] * a + d[7] * b + d[8] * c];
}

/** LPS world mm -> continuous voxel index. Uses the inverse direction (not assumed orthogonal). */
export function worldToIndex(g: Geometry, world: readonly number[]): Vec3 {
  const inv = invert3(g.direction);
  const x = (world[0] ?? 0) - g.origin[0];
  const y = (world[1] ?? 0) - g.origin[1];
  const z = (world[2] ?? 0) - g.origin[2];
  return [
    (inv[0] * x + inv[1] * y + inv[2] * z) / g.spacing[0],
    (inv[3] * x + inv[4] * y + inv[5] * z) / g.spacing[1],
    (inv[6] * x + inv[7] * y + inv[8] * z) / g.spacing[2],
  ];
}

/** LPS <-> RAS is its own inverse: negate x and y. */
export function lpsToRas(p: readonly number[]): Vec3 {
  return [-(p[0] ?? 0), -(p[1] ?? 0), p[2] ?? 0];
}
export const rasToLps = lpsToRas;

/** Converts a 4x4 affine between LPS and RAS world frames (left-multiply by diag(-1,-1,1,1)). */
export function flipAffineLpsRas(affine: Mat4): Mat4 {
  return affine.map((v, idx) => (idx < 8 ? -v : v));
}

/** True when two geometries describe the same grid within `toleranceMm` at every corner. */
export function sameGrid(a: Geometry, b: Geometry, toleranceMm = 1e-3): boolean {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1] || a.size[2] !== b.size[2]) return false;
  for (const corner of [
    [0, 0, 0],
    [a.size[0] - 1, a.size[1] - 1, a.size[2] - 1],
    [a.size[0] - 1, 0, 0],
    [0, a.size[1] - 1, 0],
    [0, 0, a.size[2] - 1],
  ]) {
    const pa = indexToWorld(a, corner);
    const pb = indexToWorld(b, corner);
    if (Math.hypot(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]) > toleranceMm) return false;
  }
  return true;
}

export function determinant3(m: Mat3): number {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

export function invert3(m: Mat3): Mat3 {
  const det = determinant3(m);
  if (Math.abs(det) < 1e-12) throw new ShapeError('matrix is singular');
  const k = 1 / det;
  return [
    (m[4] * m[8] - m[5] * m[7]) * k,
    (m[2] * m[7] - m[1] * m[8]) * k,
    (m[1] * m[5] - m[2] * m[4]) * k,
    (m[5] * m[6] - m[3] * m[8]) * k,
    (m[0] * m[8] - m[2] * m[6]) * k,
    (m[2] * m[3] - m[0] * m[5]) * k,
    (m[3] * m[7] - m[4] * m[6]) * k,
    (m[1] * m[6] - m[0] * m[7]) * k,
    (m[0] * m[4] - m[1] * m[3]) * k,
  ];
}

/** Orientation code of each voxel axis in LPS naming, e.g. 'LPS' or 'RAI' (ITK / DICOM "from" letters). */
export function axisCodes(g: Geometry): string {
  let codes = '';
  for (let c = 0; c < 3; c++) {
    const col = [g.direction[c]!, g.direction[3 + c]!, g.direction[6 + c]!];
    let best = 0;
    for (let r = 1; r < 3; r++) if (Math.abs(col[r]!) > Math.abs(col[best]!)) best = r;
    const positive = col[best]! > 0;
    codes += best === 0 ? (positive ? 'L' : 'R') : best === 1 ? (positive ? 'P' : 'A') : positive ? 'S' : 'I';
  }
  return codes;
}
