/**
 * Landmark displacement: p' = p + u(p) with u trilinearly sampled at the (continuous) voxel
 * index p, as DIR-Lab TRE scripts do (pred = src + DVF(src)). Points are voxel indices along
 * i, j, k (0-based; DIR-Lab files are 1-based, subtract 1 when reading them).
 */
import { InputError, ShapeError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { assertFiniteArray } from '../common/checks.js';
import { checkField, checkUnits, convertFieldToVoxels, type DisplacementUnits } from './field.js';
import { resampleThroughField, type WarpPadding } from './warp.js';

export interface DisplacePointsOptions {
  units?: DisplacementUnits;
  /** Points outside [0, size - 1]: 'border' (default) clamps the sample position, 'error' throws. */
  outside?: WarpPadding | 'error';
}

/** Flat [x0, y0, z0, x1, ...] voxel points -> displaced voxel points (float64). */
export function displacePoints(field: Volume, points: ArrayLike<number>, options: DisplacePointsOptions = {}): Float64Array {
  const units = checkUnits(options.units ?? 'voxel');
  const f = units === 'mm' ? convertFieldToVoxels(field) : checkField(field);
  if (points.length % 3 !== 0) throw new ShapeError(`${points.length} coordinates are not whole 3D points`);
  assertFiniteArray(points, 'points');
  const n = points.length / 3;
  const size = f.geometry.size;
  const outside = options.outside ?? 'border';
  if (outside === 'error') {
    for (let p = 0; p < n; p++) {
      for (let a = 0; a < 3; a++) {
        const x = points[3 * p + a]!;
        if (x < 0 || x > size[a]! - 1) throw new InputError(`point ${p} lies outside the field grid on axis ${a} (${x})`, { point: p, axis: a });
      }
    }
  }
  // Sample the field at the points: a 1 x n "fixed grid" whose positions are the points
  // themselves (M = 0, no translation, L = I applied to the point coordinates).
  const sampled = new Float64Array(n * 3);
  resampleThroughField(
    { data: f.data, size, components: 3 },
    points,
    [n, 1, 1],
    { m: [0, 0, 0, 0, 0, 0, 0, 0, 0], t: [0, 0, 0], l: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    'linear',
    outside === 'zeros' ? 'zeros' : 'border',
    sampled,
  );
  const out = new Float64Array(n * 3);
  for (let q = 0; q < n * 3; q++) out[q] = points[q]! + sampled[q]!;
  return out;
}
