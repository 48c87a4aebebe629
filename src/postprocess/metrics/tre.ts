/**
 * Target registration error: per landmark || (p - q) * spacing ||_2 in mm for voxel-index points
 * (DIR-Lab protocol), or plain Euclidean distance for world-mm points (spacing [1, 1, 1]).
 * Summary statistics use the population standard deviation (numpy std, ddof = 0).
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { assertFiniteArray } from '../common/checks.js';

export interface TreResult {
  readonly distances: Float64Array;
  readonly mean: number;
  readonly std: number;
  readonly median: number;
  readonly max: number;
}

export function computeTre(predicted: ArrayLike<number>, target: ArrayLike<number>, spacing: readonly number[] = [1, 1, 1]): TreResult {
  if (predicted.length !== target.length || predicted.length % 3 !== 0)
    throw new ShapeError(`TRE needs two equal lists of 3D points, got ${predicted.length} and ${target.length} coordinates`);
  if (predicted.length === 0) throw new UsageError('TRE needs at least one landmark');
  if (spacing.length !== 3 || !spacing.every((s) => s > 0 && Number.isFinite(s)))
    throw new UsageError(`spacing must be 3 positive numbers, got [${spacing.join(', ')}]`, { field: 'spacing' });
  assertFiniteArray(predicted, 'predicted');
  assertFiniteArray(target, 'target');
  const n = predicted.length / 3;
  const distances = new Float64Array(n);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const dx = (predicted[3 * p]! - target[3 * p]!) * spacing[0]!;
    const dy = (predicted[3 * p + 1]! - target[3 * p + 1]!) * spacing[1]!;
    const dz = (predicted[3 * p + 2]! - target[3 * p + 2]!) * spacing[2]!;
    distances[p] = Math.sqrt(dx * dx + dy * dy + dz * dz);
    sum += distances[p]!;
  }
  const mean = sum / n;
  let sq = 0;
  for (let p = 0; p < n; p++) sq += (distances[p]! - mean) ** 2;
  const sorted = distances.slice().sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return { distances, mean, std: Math.sqrt(sq / n), median, max: sorted[n - 1]! };
}
