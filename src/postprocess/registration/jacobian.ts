/**
 * Jacobian determinant of the transform phi(x) = x + u(x), with derivatives as numpy.gradient
 * takes them (VoxelMorph py/utils.jacobian_determinant): central differences (f[n+1] - f[n-1]) / 2
 * inside, one-sided first-order differences at the borders, unit voxel steps. An axis of size 1
 * (2D fields) has zero derivative, which yields the 2D determinant.
 * The determinant is unitless and the same whether computed in voxel or (via D diag(spacing))
 * world coordinates (similar matrices). For an mm field u_mm = A u_vox (A = D diag(spacing)):
 * det(I + A^-1 G_mm) = det(A + G_mm) / det(A), with G_mm the voxel-axis gradient of u_mm, so the
 * mm field is read as it is instead of being converted to voxels in a full-size copy first.
 */
import { allocateSharedTypedArray } from '../../core/dtype.js';
import { asShared, planThreads, runSlabs, type SlabKernel } from '../../core/threads/slab-pool.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { checkField, checkUnits, voxelToWorldMatrix, type DisplacementUnits } from './field.js';

export interface JacobianResult {
  /** det(J) per voxel on the field grid (float64). */
  readonly determinant: Volume<'float64'>;
  /** Voxels with det(J) <= 0 (folding). */
  readonly foldedVoxels: number;
  /** 100 * foldedVoxels / voxels. */
  readonly foldingPercent: number;
}

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1] as const;

/** Offsets (in array elements) to the lower / upper neighbour and 1 / step along one axis at p. */
function neighbours(p: number, n: number, stride: number): [number, number, number] {
  if (n === 1) return [0, 0, 0]; // no derivative along a singleton axis
  const lo = p === 0 ? 0 : stride;
  const hi = p === n - 1 ? 0 : stride;
  return [lo, hi, lo && hi ? 0.5 : 1];
}

export interface JacobianOptions {
  units?: DisplacementUnits;
  /** Worker threads for large fields (default: configureKernelThreads / all cores; 1 = none). */
  threads?: number;
}

export function computeJacobianDeterminant(field: Volume, options: JacobianOptions = {}): JacobianResult {
  const units = checkUnits(options.units ?? 'voxel');
  const f = checkField(field);
  const a = units === 'mm' ? voxelToWorldMatrix(f.geometry) : IDENTITY;
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = a;
  const detA = a0 * (a4 * a8 - a5 * a7) - a1 * (a3 * a8 - a5 * a6) + a2 * (a3 * a7 - a4 * a6);
  const size = f.geometry.size;
  const voxels = size[0] * size[1] * size[2];
  const threads = planThreads(voxels, size[2], options.threads);
  const det = threads > 1 ? allocateSharedTypedArray('float64', voxels) : new Float64Array(voxels);
  const args: JacobianArgs = { u: threads > 1 ? asShared(f.data) : f.data, size, a: [...a], invDetA: 1 / detA, det };
  // Folded voxels per slab are integers: their sum is exact in any order.
  const folded = runSlabs(JACOBIAN_KERNEL, args, size[2], threads);
  return {
    determinant: createVolume({ geometry: f.geometry, data: det, meta: { ...field.meta } }),
    foldedVoxels: folded,
    foldingPercent: (100 * folded) / det.length,
  };
}

export interface JacobianArgs {
  readonly u: Float32Array | Float64Array;
  readonly size: readonly number[];
  /** A (row-major): identity for voxel fields, D diag(spacing) for mm fields. */
  readonly a: readonly number[];
  readonly invDetA: number;
  readonly det: Float64Array;
}

/** det(J) for slices k0 <= k < k1 into args.det; returns the folded voxels among them. */
function jacobianSlab(args: JacobianArgs, k0: number, k1: number): number {
  const { u, det, invDetA } = args;
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = args.a as [number, number, number, number, number, number, number, number, number];
  const [ni, nj, nk] = [args.size[0]!, args.size[1]!, args.size[2]!];
  const sj = 3 * ni;
  const sk = 3 * ni * nj;
  // Along i the neighbours only change at the two ends: flat tables, read per voxel.
  const xLo = new Int32Array(ni);
  const xHi = new Int32Array(ni);
  const xScale = new Float64Array(ni);
  for (let i = 0; i < ni; i++) [xLo[i], xHi[i], xScale[i]] = neighbours(i, ni, 3);
  let folded = 0;
  let v = k0 * ni * nj;
  for (let k = k0; k < k1; k++) {
    const [zl, zh, zs] = neighbours(k, nk, sk);
    for (let j = 0; j < nj; j++) {
      const [yl, yh, ys] = neighbours(j, nj, sj);
      for (let i = 0; i < ni; i++, v++) {
        const xl = xLo[i]!;
        const xh = xHi[i]!;
        const xs = xScale[i]!;
        const b = 3 * v;
        // Column c of A + G: A's column plus d u / d axis c (all three components).
        const m0 = a0 + (u[b + xh]! - u[b - xl]!) * xs;
        const m3 = a3 + (u[b + 1 + xh]! - u[b + 1 - xl]!) * xs;
        const m6 = a6 + (u[b + 2 + xh]! - u[b + 2 - xl]!) * xs;
        const m1 = a1 + (u[b + yh]! - u[b - yl]!) * ys;
        const m4 = a4 + (u[b + 1 + yh]! - u[b + 1 - yl]!) * ys;
        const m7 = a7 + (u[b + 2 + yh]! - u[b + 2 - yl]!) * ys;
        const m2 = a2 + (u[b + zh]! - u[b - zl]!) * zs;
        const m5 = a5 + (u[b + 1 + zh]! - u[b + 1 - zl]!) * zs;
        const m8 = a8 + (u[b + 2 + zh]! - u[b + 2 - zl]!) * zs;
        const value = (m0 * (m4 * m8 - m5 * m7) - m1 * (m3 * m8 - m5 * m6) + m2 * (m3 * m7 - m4 * m6)) * invDetA;
        det[v] = value;
        if (value <= 0) folded++;
      }
    }
  }
  return folded;
}

export const JACOBIAN_KERNEL: SlabKernel<JacobianArgs> = { name: 'jacobianDeterminant', run: jacobianSlab };
