/**
 * Axis-aligned index transforms (see IndexTransform in types.ts) and the geometry they imply.
 * Deriving every output geometry from the same transform the kernels sample with is what makes
 * the inverse mapping and the world coordinates agree to rounding error.
 */
import { indexToWorld, type Geometry, type Vec3 } from '../core/geometry.js';
import { createGeometry } from '../core/geometry.js';
import type { AxisIndex, IndexTransform } from './types.js';

export const IDENTITY_TRANSFORM: IndexTransform = { axes: [0, 1, 2], scale: [1, 1, 1], offset: [0, 0, 0] };

export function createScaleOffsetTransform(scale: readonly number[], offset: readonly number[]): IndexTransform {
  return { axes: [0, 1, 2], scale: [scale[0] ?? 1, scale[1] ?? 1, scale[2] ?? 1], offset: [offset[0] ?? 0, offset[1] ?? 0, offset[2] ?? 0] };
}

/** Continuous output index -> continuous input index. */
export function applyTransform(t: IndexTransform, q: readonly number[]): Vec3 {
  const p = [0, 0, 0];
  for (let a = 0; a < 3; a++) p[t.axes[a]!] = t.scale[a]! * (q[a] ?? 0) + t.offset[a]!;
  return [p[0]!, p[1]!, p[2]!];
}

/** Continuous input index -> continuous output index. */
export function applyInverseTransform(t: IndexTransform, p: readonly number[]): Vec3 {
  const q = [0, 0, 0];
  for (let a = 0; a < 3; a++) q[a] = ((p[t.axes[a]!] ?? 0) - t.offset[a]!) / t.scale[a]!;
  return [q[0]!, q[1]!, q[2]!];
}

/** x -> outer(inner(x)): `outer` is the earlier step (closer to the input), `inner` the later. */
export function composeTransforms(outer: IndexTransform, inner: IndexTransform): IndexTransform {
  const axes: AxisIndex[] = [];
  const scale: number[] = [];
  const offset: number[] = [];
  for (let a = 0; a < 3; a++) {
    const mid = inner.axes[a]!;
    axes.push(outer.axes[mid]!);
    scale.push(outer.scale[mid]! * inner.scale[a]!);
    offset.push(outer.scale[mid]! * inner.offset[a]! + outer.offset[mid]!);
  }
  return { axes: [axes[0]!, axes[1]!, axes[2]!], scale: [scale[0]!, scale[1]!, scale[2]!], offset: [offset[0]!, offset[1]!, offset[2]!] };
}

/**
 * Geometry of the output grid: axis a points along input axis axes[a] (negated when the scale
 * is negative, i.e. a flip), spacing scales with |scale|, and the origin is the world position
 * of output voxel (0,0,0).
 */
export function deriveGeometry(input: Geometry, t: IndexTransform, size: readonly number[]): Geometry {
  const d = input.direction;
  const direction = new Array<number>(9).fill(0);
  const spacing: number[] = [];
  for (let a = 0; a < 3; a++) {
    const src = t.axes[a]!;
    const sign = t.scale[a]! < 0 ? -1 : 1;
    // "+ 0" turns -0 into 0 so flipped zero components compare equal.
    for (let r = 0; r < 3; r++) direction[r * 3 + a] = d[r * 3 + src]! * sign + 0;
    spacing.push(input.spacing[src]! * Math.abs(t.scale[a]!));
  }
  const origin = indexToWorld(input, applyTransform(t, [0, 0, 0]));
  return createGeometry({ size, spacing, origin, direction });
}

/** The inverse transform: input index -> output index (still axis-aligned). */
export function invertTransform(t: IndexTransform): IndexTransform {
  const axes: AxisIndex[] = [0, 0, 0];
  const scale = [1, 1, 1];
  const offset = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const b = t.axes[a]!;
    axes[b] = a as AxisIndex;
    scale[b] = 1 / t.scale[a]!;
    offset[b] = -t.offset[a]! / t.scale[a]!;
  }
  return { axes: [axes[0]!, axes[1]!, axes[2]!], scale: [scale[0]!, scale[1]!, scale[2]!], offset: [offset[0]!, offset[1]!, offset[2]!] };
}
