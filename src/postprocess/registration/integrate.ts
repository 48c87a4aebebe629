/**
 * Scaling and squaring of a stationary velocity field (VoxelMorph VecInt, MONAI DVF2DDF):
 * v <- v / 2^N, then N times v <- v + warp(v, v), where warp samples v at x + v(x) trilinearly
 * with zeros padding (grid_sample align_corners=True, as both libraries call it). Intermediate
 * fields stay float64 so N squarings do not accumulate float32 rounding; the result is float32.
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { checkField } from './field.js';
import { allocateSharedTypedArray } from '../../core/dtype.js';
import { planThreads, runSlabs } from '../../core/threads/slab-pool.js';
import { SQUARE_FIELD_KERNEL } from './square-field.js';
import { IDENTITY_MAPPING, resampleThroughField, type WarpPadding } from './warp.js';

export interface IntegrateOptions {
  /** Number of squarings N (VoxelMorph int_steps default 7). 0 returns the velocity unchanged. */
  steps?: number;
  /** Default 'zeros' (VoxelMorph and MONAI). */
  padding?: WarpPadding;
  /** Worker threads for large fields (default: configureKernelThreads / all cores; 1 = none). */
  threads?: number;
}

/** Velocity in voxel units on its own grid -> displacement field in voxel units. */
export function integrateVelocity(velocity: Volume, options: IntegrateOptions = {}): Volume<'float32'> {
  const v = checkField(velocity, 'velocity');
  const steps = options.steps ?? 7;
  if (!Number.isInteger(steps) || steps < 0 || steps > 30)
    throw new UsageError(`steps must be an integer in [0, 30], got ${steps}`, { field: 'steps', received: steps });
  const size = v.geometry.size;
  const scale = 1 / 2 ** steps;
  const threads = planThreads(size[0] * size[1] * size[2], size[2], options.threads);
  // Threaded: both float64 buffers live on shared memory; each step is one slab pass, the swap
  // happens after all slabs finished (a step reads the whole previous field).
  const alloc = (n: number) => (threads > 1 ? allocateSharedTypedArray('float64', n) : new Float64Array(n));
  let current = alloc(v.data.length);
  for (let p = 0; p < current.length; p++) current[p] = v.data[p]! * scale;
  let sampled = alloc(current.length);
  const padding = options.padding ?? 'zeros';
  for (let s = 0; s < steps; s++) {
    runSlabs(SQUARE_FIELD_KERNEL, { cur: current, out: sampled, size, padding }, size[2], threads);
    const swap = current;
    current = sampled;
    sampled = swap;
  }
  return createVolume({ geometry: v.geometry, data: toFloat32(current, threads), components: 3, meta: { ...velocity.meta, displacementUnits: 'voxel' } });
}

/**
 * Composition of two voxel-unit fields on the same grid: c(x) = inner(x) + outer(x + inner(x)).
 * Warping by c equals warping by `outer` and then warping that result by `inner`
 * (warp(warp(m, outer), inner)), i.e. points go through `inner` first. compose(v, v) is one
 * squaring step of integrateVelocity.
 */
export function composeFields(outer: Volume, inner: Volume, options: { padding?: WarpPadding } = {}): Volume<'float32'> {
  const a = checkField(outer, 'outer');
  const b = checkField(inner, 'inner');
  const sa = a.geometry.size;
  const sb = b.geometry.size;
  if (sa[0] !== sb[0] || sa[1] !== sb[1] || sa[2] !== sb[2])
    throw new ShapeError(`fields to compose must share a grid ([${sa.join('x')}] vs [${sb.join('x')}])`);
  const out = new Float64Array(b.data.length);
  resampleThroughField({ data: a.data, size: sa, components: 3 }, b.data, sb, IDENTITY_MAPPING, 'linear', options.padding ?? 'zeros', out);
  const result = new Float32Array(out.length);
  for (let p = 0; p < out.length; p++) result[p] = b.data[p]! + out[p]!;
  return createVolume({ geometry: b.geometry, data: result, components: 3, meta: { ...inner.meta, displacementUnits: 'voxel' } });
}

/** float64 -> float32, on shared memory when threaded (so a later warp or Jacobian need not copy). */
function toFloat32(src: Float64Array, threads: number): Float32Array {
  const out = threads > 1 ? allocateSharedTypedArray('float32', src.length) : new Float32Array(src.length);
  out.set(src);
  return out;
}
