/**
 * Resampling a moving volume through a displacement field, reproducing
 * torch.nn.functional.grid_sample(align_corners=True) as VoxelMorph's SpatialTransformer and
 * MONAI's Warp call it: the sample position of fixed voxel x is x + u(x) in moving voxel indices
 * (voxel centres at integers), 'linear' = trilinear, 'nearest' = round half to even (nearbyint),
 * 'zeros' padding = corners outside the grid contribute 0, 'border' = the position is clamped to
 * [0, size - 1] first. Arithmetic is float64; outputs are float32 (linear) or the input type
 * (nearest, so label maps keep their labels).
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { allocateSharedTypedArray, allocateTypedArray, type TypedArray, type VoxelType } from '../../core/dtype.js';
import { invert3, type Mat3 } from '../../core/geometry.js';
import { asShared, planThreads, runSlabs, type SlabKernel } from '../../core/threads/slab-pool.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { checkField, checkUnits, voxelToWorldMatrix, type DisplacementUnits } from './field.js';

export type WarpInterpolation = 'linear' | 'nearest';
export type WarpPadding = 'zeros' | 'border';

export interface WarpOptions {
  /** Default 'linear'. Use 'nearest' for label maps. */
  interpolation?: WarpInterpolation;
  /** Default 'zeros' (VoxelMorph SpatialTransformer); MONAI Warp uses 'border'. */
  padding?: WarpPadding;
  /** Units of the field (default 'voxel'). */
  units?: DisplacementUnits;
  /** Worker threads for large volumes (default: configureKernelThreads / all cores; 1 = none). */
  threads?: number;
}

/** Where fixed voxel x samples the moving grid: M x + t + L u(x). */
export interface SampleMapping {
  readonly m: Mat3;
  readonly t: readonly [number, number, number];
  readonly l: Mat3;
}

export const IDENTITY_MAPPING: SampleMapping = { m: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0], l: [1, 0, 0, 0, 1, 0, 0, 0, 1] };

export interface SampledGrid {
  readonly data: ArrayLike<number>;
  readonly size: readonly number[];
  readonly components: number;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Core kernel: out[v * C + c] = moving sampled at the mapped position of fixed voxel v. `field`
 * is interleaved xyz per voxel on the fixed grid `fixedSize`. Longer than 60 lines on purpose:
 * one flat loop with row terms hoisted and matrix entries in locals (less CPU than the
 * straightforward version; BENCHMARKS.md, "Design measurements").
 */
export function resampleThroughField(
  moving: SampledGrid,
  field: ArrayLike<number>,
  fixedSize: readonly number[],
  mapping: SampleMapping,
  interpolation: WarpInterpolation,
  padding: WarpPadding,
  out: TypedArray,
  k0 = 0,
  k1 = fixedSize[2]!,
): void {
  const [fi, fj] = [fixedSize[0]!, fixedSize[1]!];
  const [si, sj, sk] = [moving.size[0]!, moving.size[1]!, moving.size[2]!];
  const nc = moving.components;
  const src = moving.data;
  const { m, t, l } = mapping;
  const border = padding === 'border';
  const linear = interpolation === 'linear';
  const sliceStride = si * sj;
  // Matrix entries as locals so the per-voxel arithmetic stays in registers.
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m;
  const [l0, l1, l2, l3, l4, l5, l6, l7, l8] = l;
  const sy = si * nc;
  const sz = sliceStride * nc;
  let v = k0 * fi * fj;
  for (let k = k0; k < k1; k++) {
    for (let j = 0; j < fj; j++) {
      const rx = m1 * j + m2 * k + t[0];
      const ry = m4 * j + m5 * k + t[1];
      const rz = m7 * j + m8 * k + t[2];
      for (let i = 0; i < fi; i++, v++) {
        const a = field[3 * v]!;
        const b = field[3 * v + 1]!;
        const c = field[3 * v + 2]!;
        let x = rx + m0 * i + l0 * a + l1 * b + l2 * c;
        let y = ry + m3 * i + l3 * a + l4 * b + l5 * c;
        let z = rz + m6 * i + l6 * a + l7 * b + l8 * c;
        if (border) {
          x = x < 0 ? 0 : x > si - 1 ? si - 1 : x;
          y = y < 0 ? 0 : y > sj - 1 ? sj - 1 : y;
          z = z < 0 ? 0 : z > sk - 1 ? sk - 1 : z;
        }
        const o = v * nc;
        if (!linear) {
          const xi = roundHalfEven(x);
          const yi = roundHalfEven(y);
          const zi = roundHalfEven(z);
          if (xi < 0 || yi < 0 || zi < 0 || xi >= si || yi >= sj || zi >= sk) {
            for (let q = 0; q < nc; q++) out[o + q] = 0;
          } else {
            const s = (xi + si * yi + sliceStride * zi) * nc;
            for (let q = 0; q < nc; q++) out[o + q] = src[s + q]!;
          }
          continue;
        }
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        const inside = x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < si - 1 && y0 < sj - 1 && z0 < sk - 1;
        if (inside && nc === 1) {
          // Common case (one scalar image, all 8 corners in the grid): no per-component loop.
          const s0 = x0 + si * y0 + sliceStride * z0;
          const c00 = src[s0]! + (src[s0 + 1]! - src[s0]!) * fx;
          const c10 = src[s0 + si]! + (src[s0 + si + 1]! - src[s0 + si]!) * fx;
          const c01 = src[s0 + sliceStride]! + (src[s0 + sliceStride + 1]! - src[s0 + sliceStride]!) * fx;
          const c11 = src[s0 + sliceStride + si]! + (src[s0 + sliceStride + si + 1]! - src[s0 + sliceStride + si]!) * fx;
          const c0 = c00 + (c10 - c00) * fy;
          out[o] = c0 + (c01 + (c11 - c01) * fy - c0) * fz;
          continue;
        }
        for (let q = 0; q < nc; q++) {
          let acc = 0;
          if (inside) {
            const s = (x0 + si * y0 + sliceStride * z0) * nc + q;
            const sx = nc;
            const c00 = src[s]! + (src[s + sx]! - src[s]!) * fx;
            const c10 = src[s + sy]! + (src[s + sy + sx]! - src[s + sy]!) * fx;
            const c01 = src[s + sz]! + (src[s + sz + sx]! - src[s + sz]!) * fx;
            const c11 = src[s + sz + sy]! + (src[s + sz + sy + sx]! - src[s + sz + sy]!) * fx;
            const c0 = c00 + (c10 - c00) * fy;
            const c1 = c01 + (c11 - c01) * fy;
            acc = c0 + (c1 - c0) * fz;
          } else {
            acc = sampleCellEdge(src, nc, q, x0, y0, z0, fx, fy, fz, si, sj, sk);
          }
          out[o + q] = acc;
        }
      }
    }
  }
}

/** Mapping from fixed voxel + field units to moving voxel positions. */
export function mappingFor(moving: Volume, field: Volume, units: DisplacementUnits): SampleMapping {
  if (units === 'voxel') {
    const a = moving.geometry.size;
    const b = field.geometry.size;
    if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2])
      throw new ShapeError(
        `a voxel-unit field needs moving and field on the same grid size ([${a.join('x')}] vs [${b.join('x')}]); use an mm field for different grids`,
        { moving: [...a], field: [...b] },
      );
    return IDENTITY_MAPPING;
  }
  // moving index = A_m^-1 (A_f x + u_mm): M = A_m^-1 A_f, t = A_m^-1 (o_f - o_m), L = A_m^-1.
  const inv = invert3(voxelToWorldMatrix(moving.geometry));
  const af = voxelToWorldMatrix(field.geometry);
  const mul = (p: Mat3, q: Mat3): Mat3 => {
    const r: number[] = [];
    for (let row = 0; row < 3; row++)
      for (let col = 0; col < 3; col++) r.push(p[row * 3]! * q[col]! + p[row * 3 + 1]! * q[3 + col]! + p[row * 3 + 2]! * q[6 + col]!);
    return r as unknown as Mat3;
  };
  const d = [0, 1, 2].map((r) => field.geometry.origin[r]! - moving.geometry.origin[r]!);
  const t = [0, 1, 2].map((r) => inv[r * 3]! * d[0]! + inv[r * 3 + 1]! * d[1]! + inv[r * 3 + 2]! * d[2]!) as [number, number, number];
  return { m: mul(inv, af), t, l: inv };
}

/**
 * Warps `moving` by `field` (on the fixed grid). Linear -> float32 volume; nearest -> the moving
 * volume's type. The result carries the field's (fixed) geometry.
 */
export function warpVolume(moving: Volume, field: Volume, options: WarpOptions = {}): Volume {
  const f = checkField(field);
  const interpolation = options.interpolation ?? 'linear';
  const padding = options.padding ?? 'zeros';
  if (interpolation !== 'linear' && interpolation !== 'nearest')
    throw new UsageError(`interpolation must be 'linear' or 'nearest', got ${String(interpolation)}`, { field: 'interpolation' });
  if (padding !== 'zeros' && padding !== 'border') throw new UsageError(`padding must be 'zeros' or 'border', got ${String(padding)}`, { field: 'padding' });
  if (moving.frames !== 1) throw new ShapeError(`warpVolume needs a single-frame volume, got ${moving.frames} frames`);
  const mapping = mappingFor(moving, f, checkUnits(options.units ?? 'voxel'));
  const size = f.geometry.size;
  const type: VoxelType = interpolation === 'linear' ? 'float32' : moving.type;
  const length = size[0] * size[1] * size[2] * moving.components;
  const threads = planThreads(size[0] * size[1] * size[2], size[2], options.threads);
  // Threaded: inputs copied onto shared memory unless they already are (a field from
  // upsampleField or integrateVelocity is), the output allocated there.
  const out = threads > 1 ? allocateSharedTypedArray(type, length) : allocateTypedArray(type, length);
  const args: ResampleArgs = {
    moving: { data: threads > 1 ? asShared(moving.data) : moving.data, size: moving.geometry.size, components: moving.components },
    field: threads > 1 ? asShared(f.data) : f.data,
    fixedSize: size,
    mapping,
    interpolation,
    padding,
    out,
  };
  runSlabs(RESAMPLE_FIELD_KERNEL, args, size[2], threads);
  return createVolume({ geometry: f.geometry, data: out, components: moving.components, meta: { ...moving.meta } });
}

export interface ResampleArgs {
  readonly moving: SampledGrid;
  readonly field: ArrayLike<number>;
  readonly fixedSize: readonly number[];
  readonly mapping: SampleMapping;
  readonly interpolation: WarpInterpolation;
  readonly padding: WarpPadding;
  readonly out: TypedArray;
}

/** resampleThroughField over fixed slices k0 <= k < k1, as a slab kernel. */
export const RESAMPLE_FIELD_KERNEL: SlabKernel<ResampleArgs> = {
  name: 'resampleThroughField',
  run: (a, k0, k1) => {
    resampleThroughField(a.moving, a.field, a.fixedSize, a.mapping, a.interpolation, a.padding, a.out, k0, k1);
    return 0;
  },
};

/**
 * Trilinear sample of component q of an nc-component interleaved grid (si x sj x sk) at cell
 * (x0, y0, z0) + (fx, fy, fz) when the cell straddles the grid edge: each in-grid corner
 * weighted, out-of-grid corners read as 0 (grid_sample padding 'zeros').
 */
export function sampleCellEdge(
  src: ArrayLike<number>,
  nc: number,
  q: number,
  x0: number,
  y0: number,
  z0: number,
  fx: number,
  fy: number,
  fz: number,
  si: number,
  sj: number,
  sk: number,
): number {
  let acc = 0;
  for (let corner = 0; corner < 8; corner++) {
    const xx = x0 + (corner & 1);
    const yy = y0 + ((corner >> 1) & 1);
    const zz = z0 + (corner >> 2);
    if (xx < 0 || yy < 0 || zz < 0 || xx >= si || yy >= sj || zz >= sk) continue;
    const w = (corner & 1 ? fx : 1 - fx) * ((corner >> 1) & 1 ? fy : 1 - fy) * (corner >> 2 ? fz : 1 - fz);
    acc += w * src[(xx + si * (yy + sj * zz)) * nc + q]!;
  }
  return acc;
}
