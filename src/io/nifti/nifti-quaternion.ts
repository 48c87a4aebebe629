/**
 * qform parameters from an affine, as nibabel's `set_qform(affine, strip_shears=True)`:
 * the rotation is the nearest orthogonal matrix (polar factor) of the normalised 3x3 part, an
 * improper rotation is stored as qfac = -1 with the third axis negated, and the quaternion has
 * w >= 0 so only (b, c, d) are stored. A sheared sform therefore loses its shear in the qform.
 */
import { determinant3, invert3, type Mat3 } from '../../core/geometry.js';

export interface QformParameters {
  readonly quatern: [number, number, number];
  readonly qfac: 1 | -1;
}

/** Orthogonal polar factor of a non-singular 3x3 by Newton iteration X <- (X + X^-T) / 2. */
export function findNearestRotation(m: Mat3): number[] {
  let x: number[] = [...m];
  for (let iter = 0; iter < 100; iter++) {
    const inv = invert3(x as unknown as Mat3);
    const next = x.map((v, idx) => 0.5 * (v + inv[(idx % 3) * 3 + Math.floor(idx / 3)]!));
    const change = next.reduce((acc, v, idx) => Math.max(acc, Math.abs(v - x[idx]!)), 0);
    x = next;
    if (change < 1e-15) break;
  }
  return x;
}

/** Unit quaternion (w >= 0) of a proper rotation matrix (row-major), Shepperd's method. */
export function computeQuaternion(r: readonly number[]): [number, number, number, number] {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = r as [number, number, number, number, number, number, number, number, number];
  const trace = m00 + m11 + m22;
  let q: [number, number, number, number];
  if (trace > 0) {
    const s = 2 * Math.sqrt(trace + 1);
    q = [0.25 * s, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s];
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    q = [(m21 - m12) / s, 0.25 * s, (m01 + m10) / s, (m02 + m20) / s];
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    q = [(m02 - m20) / s, (m01 + m10) / s, 0.25 * s, (m12 + m21) / s];
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    q = [(m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, 0.25 * s];
  }
  const n = Math.hypot(...q);
  const sign = q[0] < 0 ? -1 : 1;
  return q.map((v) => (sign * v) / n) as [number, number, number, number];
}

/** qform rotation parameters for a direction matrix with unit columns (RAS world). */
export function computeQformParameters(direction: Mat3): QformParameters {
  const r = findNearestRotation(direction);
  let qfac: 1 | -1 = 1;
  if (determinant3(r as unknown as Mat3) < 0) {
    qfac = -1;
    for (let row = 0; row < 3; row++) r[row * 3 + 2] = -r[row * 3 + 2]!;
  }
  const [, b, c, d] = computeQuaternion(r);
  return { quatern: [b, c, d], qfac };
}
