/**
 * resample {spacing, mode, rule, separateZ?}: to a target voxel spacing (mm) along i, j, k.
 *
 * rule 'monai' reproduces Spacingd (scale_extent=False, align_corners=False, padding "border"):
 * the new shape is round((n - 1) * old / new + 1) (numpy round), voxel 0 keeps its world position
 * and output voxel t samples input index t * new / old.
 * rule 'nnunet' reproduces nnU-Net's resample_data_or_seg (skimage resize, mode "edge"): the new
 * shape is round(old / new * n) and voxel centres map as in = (t + 0.5) * n / n' - 0.5, so the
 * realised spacing is old * n / n' (recorded in the geometry; the requested spacing is in params).
 * Modes: 'nearest', 'linear' (scipy order 1 / grid_sample bilinear), 'cubic' (scipy order 3
 * B-spline, nnU-Net's order for images; see cubic-spline.ts). separateZ: nnU-Net's anisotropic
 * scheme, the low-resolution axis with order 0 (see axis-resample.ts).
 */
import { InputError } from '../core/errors.js';
import type { Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { createRecord } from './record.js';
import { resampleGrid } from './resample-grid.js';
import { roundHalfEven } from './rounding.js';
import type { IndexTransform, ResampleParams, StepResult } from './types.js';
import { createScaleOffsetTransform, deriveGeometry } from './index-transform.js';
import { findSeparateAxis, resampleAxisByOrder, type SplineOrder } from './axis-resample.js';
import { channelCount, checkOutputSize, createPlanarVolume, toPlanar } from './planar.js';
import type { TypedArray } from '../core/dtype.js';

export function readResampleParams(r: ParamReader): ResampleParams {
  const spacing = r.numberArray('spacing', [2, 3], { above: 0 });
  const mode = r.oneOf('mode', ['nearest', 'linear', 'cubic'] as const, 'linear');
  const rule = r.oneOf('rule', ['monai', 'nnunet'] as const, 'monai');
  if (!r.has('separateZ')) return { spacing, mode, rule };
  const separateZ = r.isLiteral('separateZ', 'auto') ? r.oneOf('separateZ', ['auto'] as const) : r.boolean('separateZ');
  if (separateZ !== false && mode === 'nearest') r.fail('separateZ', 'false with mode "nearest" (every axis is nearest already)', separateZ);
  return { spacing, mode, rule, separateZ };
}

/** New shape and index transform of a resampling, per rule. */
export function planResample(
  size: Vec3,
  oldSpacing: Vec3,
  newSpacing: readonly number[],
  rule: ResampleParams['rule'],
): { size: Vec3; transform: IndexTransform } {
  const out: number[] = [];
  const scale: number[] = [];
  const offset: number[] = [];
  for (let a = 0; a < 3; a++) {
    const n = size[a]!;
    const s0 = oldSpacing[a]!;
    const s1 = newSpacing[a] ?? s0;
    if (rule === 'monai') {
      const m = Math.max(1, roundHalfEven(((n - 1) * s0) / s1 + 1));
      out.push(m);
      scale.push(s1 / s0);
      offset.push(0);
    } else {
      const m = Math.max(1, roundHalfEven((s0 / s1) * n));
      const f = n / m;
      out.push(m);
      scale.push(f);
      offset.push(0.5 * f - 0.5);
    }
  }
  return { size: [out[0]!, out[1]!, out[2]!], transform: createScaleOffsetTransform(scale, offset) };
}

/** Axis by axis (k, j, then i) with a spline order per axis; float32 output. */
function resampleByAxis(volume: Volume, t: IndexTransform, outSize: Vec3, orders: readonly [SplineOrder, SplineOrder, SplineOrder]): Volume {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  let data: TypedArray = v.data;
  let size: Vec3 = v.geometry.size;
  for (const axis of [2, 1, 0] as const) {
    if (size[axis] === outSize[axis] && t.scale[axis] === 1 && t.offset[axis] === 0) continue;
    ({ data, size } = resampleAxisByOrder(data, size, channels, axis, outSize[axis], t.scale[axis], t.offset[axis], orders[axis]));
  }
  const out = data instanceof Float32Array ? data : Float32Array.from(data);
  return createPlanarVolume(deriveGeometry(v.geometry, t, outSize), out, channels, v.meta);
}

export function resampleVolume(volume: Volume, params: ResampleParams): StepResult {
  if (params.spacing.length < 2 || params.spacing.length > 3 || !params.spacing.every((s) => s > 0 && Number.isFinite(s))) {
    throw new InputError(`resample: spacing must be 2 or 3 positive numbers, got [${params.spacing.join(', ')}]`, { field: 'spacing' });
  }
  const g = volume.geometry;
  const plan = planResample(g.size, g.spacing, params.spacing, params.rule);
  checkOutputSize('resample', plan.size, channelCount(volume));
  const t = plan.transform;
  // Already on the target grid (same shape, identity mapping): no copy, type kept.
  if (plan.size.every((n, a) => n === g.size[a] && t.scale[a] === 1 && t.offset[a] === 0)) {
    return { volume, record: createRecord('resample', params, g, g, t) };
  }
  const order: SplineOrder = params.mode === 'cubic' ? 3 : params.mode === 'linear' ? 1 : 0;
  const separate =
    params.mode === 'nearest'
      ? null
      : findSeparateAxis(
          g.spacing,
          [0, 1, 2].map((a) => params.spacing[a] ?? g.spacing[a]!),
          params.separateZ ?? false,
        );
  const orders = [0, 1, 2].map((a) => (a === separate ? 0 : order)) as [SplineOrder, SplineOrder, SplineOrder];
  const out =
    order === 3 || separate !== null
      ? resampleByAxis(volume, t, plan.size, orders)
      : resampleGrid(volume, t, plan.size, { linear: order === 1, edge: 'border' });
  return { volume: out, record: createRecord('resample', params, g, out.geometry, t, separate === null ? undefined : { separateAxis: separate }) };
}
