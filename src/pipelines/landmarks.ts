/**
 * Landmark files for registration: DIR-Lab text (one "x y z" per line, 1-based voxel indices,
 * x = column, y = row, z = slice) or CSV in world millimetres (LPS, header optional). Both become
 * 0-based continuous voxel indices on the image they belong to.
 */
import { InputError } from '../core/errors.js';
import { indexToWorld, worldToIndex, type Geometry } from '../core/geometry.js';

export type LandmarkFormat = 'dirlab' | 'csv-mm';

export function parseLandmarks(text: string, format: LandmarkFormat, geometry: Geometry, name = 'landmarks'): Float64Array {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  const points: number[] = [];
  for (const [n, row] of rows.entries()) {
    const cells = row.split(format === 'dirlab' ? /\s+/ : /\s*[,;\t]\s*/);
    const values = cells.slice(0, 3).map(Number);
    if (values.length < 3 || values.some((v) => !Number.isFinite(v))) {
      if (n === 0 && format === 'csv-mm') continue; // header row
      throw new InputError(`${name}: line ${n + 1} is not three numbers: '${row.slice(0, 60)}'`, { file: name, line: n + 1 });
    }
    if (format === 'dirlab') points.push(values[0]! - 1, values[1]! - 1, values[2]! - 1);
    else points.push(...worldToIndex(geometry, values));
  }
  if (points.length === 0) throw new InputError(`${name} holds no landmarks`, { file: name });
  return Float64Array.from(points);
}

/** Voxel points (flat x, y, z) -> LPS world mm on `geometry`. */
export function pointsToWorld(points: ArrayLike<number>, geometry: Geometry): Float64Array {
  const out = new Float64Array(points.length);
  for (let p = 0; p < points.length; p += 3) out.set(indexToWorld(geometry, [points[p]!, points[p + 1]!, points[p + 2]!]), p);
  return out;
}

export interface TreSummary {
  readonly meanMm: number;
  readonly stdMm: number;
  readonly maxMm: number;
  /** Mean distance before registration (identity transform), for comparison. */
  readonly identityMeanMm: number;
  readonly count: number;
  readonly perPointMm: Float64Array;
}

/** Euclidean distances between world-mm point sets (TRE as DIR-Lab reports it: mean and SD). */
export function summarizeTre(predicted: Float64Array, target: Float64Array, identity: Float64Array): TreSummary {
  const n = target.length / 3;
  const per = new Float64Array(n);
  let sum = 0;
  let idSum = 0;
  let max = 0;
  for (let p = 0; p < n; p++) {
    const d = Math.hypot(predicted[3 * p]! - target[3 * p]!, predicted[3 * p + 1]! - target[3 * p + 1]!, predicted[3 * p + 2]! - target[3 * p + 2]!);
    per[p] = d;
    sum += d;
    max = Math.max(max, d);
    idSum += Math.hypot(identity[3 * p]! - target[3 * p]!, identity[3 * p + 1]! - target[3 * p + 1]!, identity[3 * p + 2]! - target[3 * p + 2]!);
  }
  const mean = sum / n;
  let v = 0;
  for (let p = 0; p < n; p++) v += (per[p]! - mean) ** 2;
  return { meanMm: mean, stdMm: Math.sqrt(v / n), maxMm: max, identityMeanMm: idSum / n, count: n, perPointMm: per };
}
