/**
 * Input checks shared by postprocessing steps. They run once per call on typed arrays (no
 * allocation per element) and turn NaN / shape problems into typed errors instead of letting a
 * NaN travel silently into a clinical result.
 */
import { InputError, ShapeError, UsageError } from '../../core/errors.js';
import type { TypedArray } from '../../core/dtype.js';
import { firstNonFinite } from './activations-simd.js';

/** Any numeric array a model or caller may hand over. */
export type NumericArray = TypedArray | readonly number[];

/**
 * Throws InputError naming the first non-finite element (NaN or +-Infinity) and how many there
 * are in all, so a caller can tell one bad voxel from an overflowed volume.
 */
export function assertFiniteArray(values: ArrayLike<number>, what: string): void {
  // Large float32 arrays (fields, volumes) are scanned by the SIMD kernel; the loop below then
  // only runs from the first offending element (or everywhere without kernels).
  const from = values instanceof Float32Array && values.length >= 4096 ? firstNonFinite(values, true) : null;
  if (from === -1) return;
  let first = -1;
  let count = 0;
  for (let i = from ?? 0; i < values.length; i++) {
    const x = values[i]!;
    if (x - x !== 0) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const x = values[first]!;
  throw new InputError(`${what} contains a non-finite value (${x}) at index ${first} (${count} of ${values.length} values are NaN or +-Infinity)`, {
    field: what,
    index: first,
    value: x,
    count,
  });
}

/** Throws InputError naming the first NaN (infinities allowed, e.g. logits of +-Infinity). */
export function assertNoNaN(values: ArrayLike<number>, what: string): void {
  const from = values instanceof Float32Array && values.length >= 4096 ? firstNonFinite(values, false) : null;
  if (from === -1) return;
  for (let i = from ?? 0; i < values.length; i++) {
    if (values[i] !== values[i]) throw new InputError(`${what} contains NaN at index ${i}`, { field: what, index: i });
  }
}

export function assertLength(values: { length: number }, expected: number, what: string): void {
  if (values.length !== expected)
    throw new ShapeError(`${what} has ${values.length} elements, expected ${expected}`, { field: what, expected, actual: values.length });
}

export function requireInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${what} must be an integer in [${min}, ${max}], got ${String(value)}`, {
      field: what,
      expected: `integer in [${min}, ${max}]`,
      received: value,
    });
  }
  return value;
}

export function requireNumberInRange(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new UsageError(`${what} must be a number in [${min}, ${max}], got ${String(value)}`, {
      field: what,
      expected: `number in [${min}, ${max}]`,
      received: value,
    });
  }
  return value;
}

/** Product of a shape, validating every dimension is a positive integer. */
export function shapeSize(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1)
      throw new ShapeError(`${what} shape [${shape.join(', ')}] must hold positive integers`, { field: what, shape: [...shape] });
    n *= d;
  }
  return n;
}
