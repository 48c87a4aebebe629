/**
 * Upsampling of a voxel-unit displacement field from a coarse grid (VoxelMorph's half-resolution
 * velocity, after integration) onto the model grid, trilinear with align_corners = True as
 * VoxelMorph's ResizeTransform, displacements rescaled to target voxels, and optionally turned
 * into LPS mm (u_mm = D diag(spacing) u_vox) while interleaving: the three components are split
 * into planes on the coarse grid (an eighth of the target's voxels at half resolution), resampled
 * by the shared separable sampler (SIMD kernels; sampleGrid where they are unavailable), then
 * mixed by A diag(factor) into the interleaved full-size field - no full-size conversion copy.
 * `align: 'origin'` reproduces the 2018 Keras VoxelMorph models instead (interp_upsampling:
 * target voxel x samples the coarse field at x * n / N, clamped at the far border, and values
 * are scaled by N / n): voxel 0 of both grids coincide and the coarse spacing is N / n target
 * voxels, not (N - 1) / (n - 1).
 */
import type { Geometry } from '../../core/geometry.js';
import { allocateSharedTypedArray } from '../../core/dtype.js';
import { planThreads } from '../../core/threads/slab-pool.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { buildLinearTable, linearCoordinates, type AxisTable } from '../../preprocess/axis-tables.js';
import { sourceStrides } from '../../preprocess/resample-grid.js';
import { sampleGrid } from '../../preprocess/sample-grid.js';
import { sampleTrilinearSeparable } from '../../preprocess/separable-trilinear.js';
import { checkField, voxelToWorldMatrix, type DisplacementUnits } from './field.js';

/** Row-major 3x3 matrix as nine numbers (destructured into locals for the hot loop). */
type Matrix3x3 = [number, number, number, number, number, number, number, number, number];

export type FieldAlignment = 'corners' | 'origin';

export function upsampleField(field: Volume, target: Geometry, options: { units?: DisplacementUnits; align?: FieldAlignment } = {}): Volume<'float32'> {
  const f = checkField(field, 'field');
  const size = f.geometry.size;
  // Coarse index per target index: (source - 1) / (target - 1) with aligned corners (as
  // resizeField in src/pipelines/field-from-tensor.ts; 1 for a degenerate axis), source / target
  // with aligned origins. Displacements in coarse voxels -> target voxels: times 1 / step.
  const origin = options.align === 'origin';
  const step = [0, 1, 2].map((a) => (origin ? size[a]! / target.size[a]! : (size[a]! - 1) / Math.max(1, target.size[a]! - 1) || 1));
  const factor = step.map((s) => 1 / s);
  const toMm = options.units === 'mm';
  const a = toMm ? voxelToWorldMatrix(target) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  // Combined linear map applied to the interpolated coarse displacement: A diag(factor).
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = a.map((v, idx) => v * factor[idx % 3]!) as Matrix3x3;
  const planes = resamplePlanes(f.data, size, target.size, step);
  const voxels = target.size[0] * target.size[1] * target.size[2];
  // On shared memory where the passes that follow (warp, Jacobian) run threaded: they then read
  // it in place instead of copying it.
  const out = planThreads(voxels, target.size[2]) > 1 ? allocateSharedTypedArray('float32', 3 * voxels) : new Float32Array(3 * voxels);
  for (let v = 0, o = 0; v < voxels; v++, o += 3) {
    const c0 = planes[v]!;
    const c1 = planes[voxels + v]!;
    const c2 = planes[2 * voxels + v]!;
    out[o] = m0 * c0 + m1 * c1 + m2 * c2;
    out[o + 1] = m3 * c0 + m4 * c1 + m5 * c2;
    out[o + 2] = m6 * c0 + m7 * c1 + m8 * c2;
  }
  return createVolume({ geometry: target, data: out, components: 3, meta: { ...field.meta, displacementUnits: toMm ? 'mm' : 'voxel' } });
}

/** The three interleaved components as planes on the target grid, target x at coarse x * step. */
function resamplePlanes(
  src: ArrayLike<number>,
  size: readonly [number, number, number],
  target: readonly [number, number, number],
  step: readonly number[],
): Float32Array {
  const n = size[0] * size[1] * size[2];
  const planar = new Float32Array(3 * n);
  for (let v = 0; v < n; v++) {
    planar[v] = src[3 * v]!;
    planar[n + v] = src[3 * v + 1]!;
    planar[2 * n + v] = src[3 * v + 2]!;
  }
  const strides = sourceStrides(size);
  const tables = [0, 1, 2].map((a) => buildLinearTable(linearCoordinates(target[a]!, step[a]!, 0), size[a]!, strides[a]!, 'border')) as [
    AxisTable,
    AxisTable,
    AxisTable,
  ];
  const fast = sampleTrilinearSeparable({ src: planar, srcSize: size, channels: 3, outSize: target, tables, fill: 0 });
  if (fast !== null) return fast;
  const planes = new Float32Array(3 * target[0] * target[1] * target[2]);
  sampleGrid({ src: planar, srcVoxels: n, channels: 3, outSize: target, tables, linear: true, fill: 0 }, planes);
  return planes;
}
