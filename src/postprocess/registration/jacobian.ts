/**
 * Jacobian determinant of the transform phi(x) = x + u(x), with derivatives as numpy.gradient
 * takes them (VoxelMorph py/utils.jacobian_determinant): central differences (f[n+1] - f[n-1]) / 2
 * inside, one-sided first-order differences at the borders, unit voxel steps. An axis of size 1
 * (2D fields) has zero derivative, which yields the 2D determinant.
 * The determinant is unitless and the same whether computed in voxel or (via D diag(spacing))
 * world coordinates (similar matrices), so mm fields are converted to voxels first.
 */
import { createVolume, type Volume } from '../../core/volume.js';
import { checkField, checkUnits, convertFieldToVoxels, type DisplacementUnits } from './field.js';

export interface JacobianResult {
  /** det(J) per voxel on the field grid (float64). */
  readonly determinant: Volume<'float64'>;
  /** Voxels with det(J) <= 0 (folding). */
  readonly foldedVoxels: number;
  /** 100 * foldedVoxels / voxels. */
  readonly foldingPercent: number;
}

export function computeJacobianDeterminant(field: Volume, options: { units?: DisplacementUnits } = {}): JacobianResult {
  const units = checkUnits(options.units ?? 'voxel');
  const f = units === 'mm' ? convertFieldToVoxels(field) : checkField(field);
  const [ni, nj, nk] = f.geometry.size;
  const u = f.data;
  const det = new Float64Array(ni * nj * nk);
  const strides = [3, 3 * ni, 3 * ni * nj];
  const sizes = [ni, nj, nk];
  const g = new Float64Array(9); // g[r * 3 + c] = d u_r / d x_c
  let folded = 0;
  let v = 0;
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++, v++) {
        for (let c = 0; c < 3; c++) {
          const n = sizes[c]!;
          const p = c === 0 ? i : c === 1 ? j : k;
          const st = strides[c]!;
          const base = 3 * v;
          if (n === 1) {
            g[c] = 0;
            g[3 + c] = 0;
            g[6 + c] = 0;
            continue;
          }
          const hi = p === n - 1 ? base : base + st;
          const lo = p === 0 ? base : base - st;
          const h = p === 0 || p === n - 1 ? 1 : 2;
          for (let r = 0; r < 3; r++) g[r * 3 + c] = (u[hi + r]! - u[lo + r]!) / h;
        }
        const a = g[0]! + 1;
        const b = g[1]!;
        const c = g[2]!;
        const d = g[3]!;
        const e = g[4]! + 1;
        const ff = g[5]!;
        const gg = g[6]!;
        const h = g[7]!;
        const ii = g[8]! + 1;
        const value = a * (e * ii - ff * h) - b * (d * ii - ff * gg) + c * (d * h - e * gg);
        det[v] = value;
        if (value <= 0) folded++;
      }
    }
  }
  return {
    determinant: createVolume({ geometry: f.geometry, data: det, meta: { ...field.meta } }),
    foldedVoxels: folded,
    foldingPercent: (100 * folded) / det.length,
  };
}
