/**
 * Upsampling of a voxel-unit displacement field from a coarse grid (VoxelMorph's half-resolution
 * velocity, after integration) onto the model grid, trilinear with align_corners = True as
 * VoxelMorph's ResizeTransform, displacements rescaled to target voxels, and optionally turned
 * into LPS mm (u_mm = D diag(spacing) u_vox) in the same pass: one read of the coarse field and
 * one write of the full-size one, instead of a resize pass and a full-size conversion copy.
 */
import type { Geometry } from '../../core/geometry.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { buildLinearTable, linearCoordinates, type AxisTable } from '../../preprocess/axis-tables.js';
import { sourceStrides } from '../../preprocess/resample-grid.js';
import { sampleTrilinearSeparable } from '../../preprocess/separable-trilinear.js';
import { checkField, voxelToWorldMatrix, type DisplacementUnits } from './field.js';

/** Per target index along one axis: lower source index (times `stride`), upper offset, weight. */
function axisTable(target: number, source: number, stride: number): { lo: Int32Array; step: Int32Array; w: Float64Array } {
  const scale = (source - 1) / Math.max(1, target - 1);
  const lo = new Int32Array(target);
  const step = new Int32Array(target);
  const w = new Float64Array(target);
  for (let t = 0; t < target; t++) {
    const x = t * scale;
    const x0 = Math.min(Math.floor(x), source - 1);
    lo[t] = x0 * stride;
    step[t] = x0 + 1 < source ? stride : 0;
    w[t] = x - x0;
  }
  return { lo, step, w };
}

export function upsampleField(field: Volume, target: Geometry, options: { units?: DisplacementUnits } = {}): Volume<'float32'> {
  const f = checkField(field, 'field');
  const [ni, nj, nk] = f.geometry.size;
  const [ti, tj, tk] = target.size;
  // Displacements in coarse voxels -> target voxels: times (target - 1) / (source - 1) per axis.
  // (as resizeField in src/pipelines/field-from-tensor.ts: 1 / scale, 1 for a degenerate axis)
  const factor = [0, 1, 2].map((a) => 1 / ((f.geometry.size[a]! - 1) / Math.max(1, target.size[a]! - 1) || 1));
  const toMm = options.units === 'mm';
  const a = toMm ? voxelToWorldMatrix(target) : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  // Combined linear map applied to the interpolated coarse displacement: A diag(factor).
  const m = a.map((v, idx) => v * factor[idx % 3]!);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m as [number, number, number, number, number, number, number, number, number];
  const fast = upsampleSeparable(f.data, f.geometry.size, target.size, m);
  if (fast !== null) return createVolume({ geometry: target, data: fast, components: 3, meta: { ...field.meta, displacementUnits: toMm ? 'mm' : 'voxel' } });
  const xs = axisTable(ti, ni, 3);
  const ys = axisTable(tj, nj, 3 * ni);
  const zs = axisTable(tk, nk, 3 * ni * nj);
  const src = f.data;
  const out = new Float32Array(3 * ti * tj * tk);
  let o = 0;
  for (let k = 0; k < tk; k++) {
    const z0 = zs.lo[k]!;
    const dz = zs.step[k]!;
    const fz = zs.w[k]!;
    for (let j = 0; j < tj; j++) {
      const row00 = z0 + ys.lo[j]!;
      const dy = ys.step[j]!;
      const fy = ys.w[j]!;
      for (let i = 0; i < ti; i++, o += 3) {
        const dx = xs.step[i]!;
        const fx = xs.w[i]!;
        const p000 = row00 + xs.lo[i]!;
        const p010 = p000 + dy;
        const p001 = p000 + dz;
        const p011 = p001 + dy;
        let c0 = 0;
        let c1 = 0;
        let c2 = 0;
        for (let c = 0; c < 3; c++) {
          const e00 = src[p000 + c]! + (src[p000 + dx + c]! - src[p000 + c]!) * fx;
          const e10 = src[p010 + c]! + (src[p010 + dx + c]! - src[p010 + c]!) * fx;
          const e01 = src[p001 + c]! + (src[p001 + dx + c]! - src[p001 + c]!) * fx;
          const e11 = src[p011 + c]! + (src[p011 + dx + c]! - src[p011 + c]!) * fx;
          const e0 = e00 + (e10 - e00) * fy;
          const val = e0 + (e01 + (e11 - e01) * fy - e0) * fz;
          if (c === 0) c0 = val;
          else if (c === 1) c1 = val;
          else c2 = val;
        }
        out[o] = m0 * c0 + m1 * c1 + m2 * c2;
        out[o + 1] = m3 * c0 + m4 * c1 + m5 * c2;
        out[o + 2] = m6 * c0 + m7 * c1 + m8 * c2;
      }
    }
  }
  return createVolume({ geometry: target, data: out, components: 3, meta: { ...field.meta, displacementUnits: toMm ? 'mm' : 'voxel' } });
}

/**
 * The same upsampling on the separable SIMD kernels (float32): the three components split into
 * planes on the coarse grid (an eighth of the target's voxels for VoxelMorph's half resolution),
 * resampled with align_corners = True tables, then mixed by `m` and interleaved. Null where the
 * kernels are unavailable.
 */
function upsampleSeparable(src: ArrayLike<number>, size: readonly [number, number, number], target: readonly [number, number, number], m: readonly number[]): Float32Array | null {
  const n = size[0] * size[1] * size[2];
  const planar = new Float32Array(3 * n);
  for (let v = 0; v < n; v++) {
    planar[v] = src[3 * v]!;
    planar[n + v] = src[3 * v + 1]!;
    planar[2 * n + v] = src[3 * v + 2]!;
  }
  const strides = sourceStrides(size);
  const tables = [0, 1, 2].map((a) => buildLinearTable(linearCoordinates(target[a]!, (size[a]! - 1) / Math.max(1, target[a]! - 1), 0), size[a]!, strides[a]!, 'border')) as [AxisTable, AxisTable, AxisTable];
  const planes = sampleTrilinearSeparable({ src: planar, srcSize: size, channels: 3, outSize: target, tables, fill: 0 });
  if (planes === null) return null;
  const voxels = target[0] * target[1] * target[2];
  const out = new Float32Array(3 * voxels);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m as [number, number, number, number, number, number, number, number, number];
  for (let v = 0, o = 0; v < voxels; v++, o += 3) {
    const c0 = planes[v]!;
    const c1 = planes[voxels + v]!;
    const c2 = planes[2 * voxels + v]!;
    out[o] = m0 * c0 + m1 * c1 + m2 * c2;
    out[o + 1] = m3 * c0 + m4 * c1 + m5 * c2;
    out[o + 2] = m6 * c0 + m7 * c1 + m8 * c2;
  }
  return out;
}
