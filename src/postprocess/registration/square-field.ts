/**
 * One scaling-and-squaring step, v <- v + v o (id + v), as one fused pass: the three components
 * of v are sampled at x + v(x) with ONE set of trilinear weights (grid_sample align_corners=True
 * semantics, the same as resampleThroughField: 'zeros' = corners outside the grid read 0,
 * 'border' = the position is clamped to the grid first) and added to v(x) in the same loop.
 * resampleThroughField + a separate add recomputed the corner weights per component and made a
 * second pass; on VoxelMorph's full-resolution velocities this step runs 7 times per registration.
 */
import type { SlabKernel } from '../../core/threads/slab-pool.js';
import { sampleCellEdge, type WarpPadding } from './warp.js';

/** Slices k0 <= k < k1 of one step (all by default); the rest of `out` is left untouched. */
export function squareFieldStep(cur: Float64Array, size: readonly number[], padding: WarpPadding, out: Float64Array, k0 = 0, k1 = size[2]!): void {
  const si = size[0]!;
  const sj = size[1]!;
  const sk = size[2]!;
  const border = padding === 'border';
  const sy = 3 * si;
  const sz = 3 * si * sj;
  let v = k0 * si * sj;
  for (let k = k0; k < k1; k++) {
    for (let j = 0; j < sj; j++) {
      for (let i = 0; i < si; i++, v++) {
        const o = 3 * v;
        const a = cur[o]!;
        const b = cur[o + 1]!;
        const c = cur[o + 2]!;
        let x = i + a;
        let y = j + b;
        let z = k + c;
        if (border) {
          x = x < 0 ? 0 : x > si - 1 ? si - 1 : x;
          y = y < 0 ? 0 : y > sj - 1 ? sj - 1 : y;
          z = z < 0 ? 0 : z > sk - 1 ? sk - 1 : z;
        }
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < si - 1 && y0 < sj - 1 && z0 < sk - 1) {
          // All 8 corners in the grid: weights once, three components from the same corners.
          const gx = 1 - fx;
          const gy = 1 - fy;
          const gz = 1 - fz;
          const w000 = gx * gy * gz;
          const w100 = fx * gy * gz;
          const w010 = gx * fy * gz;
          const w110 = fx * fy * gz;
          const w001 = gx * gy * fz;
          const w101 = fx * gy * fz;
          const w011 = gx * fy * fz;
          const w111 = fx * fy * fz;
          // The three components written out (a loop over them with a branch per component
          // was slower, BENCHMARKS.md, "Design measurements"; so was one 8-corner sum helper
          // called per component, although V8 inlined it).
          const p = 3 * (x0 + si * y0 + si * sj * z0);
          s0 =
            w000 * cur[p]! +
            w100 * cur[p + 3]! +
            w010 * cur[p + sy]! +
            w110 * cur[p + sy + 3]! +
            w001 * cur[p + sz]! +
            w101 * cur[p + sz + 3]! +
            w011 * cur[p + sz + sy]! +
            w111 * cur[p + sz + sy + 3]!;
          const p1 = p + 1;
          s1 =
            w000 * cur[p1]! +
            w100 * cur[p1 + 3]! +
            w010 * cur[p1 + sy]! +
            w110 * cur[p1 + sy + 3]! +
            w001 * cur[p1 + sz]! +
            w101 * cur[p1 + sz + 3]! +
            w011 * cur[p1 + sz + sy]! +
            w111 * cur[p1 + sz + sy + 3]!;
          const p2 = p + 2;
          s2 =
            w000 * cur[p2]! +
            w100 * cur[p2 + 3]! +
            w010 * cur[p2 + sy]! +
            w110 * cur[p2 + sy + 3]! +
            w001 * cur[p2 + sz]! +
            w101 * cur[p2 + sz + 3]! +
            w011 * cur[p2 + sz + sy]! +
            w111 * cur[p2 + sz + sy + 3]!;
        } else {
          // Partial neighbourhood (grid edge): out-of-grid corners read as 0.
          s0 = sampleCellEdge(cur, 3, 0, x0, y0, z0, fx, fy, fz, si, sj, sk);
          s1 = sampleCellEdge(cur, 3, 1, x0, y0, z0, fx, fy, fz, si, sj, sk);
          s2 = sampleCellEdge(cur, 3, 2, x0, y0, z0, fx, fy, fz, si, sj, sk);
        }
        out[o] = a + s0;
        out[o + 1] = b + s1;
        out[o + 2] = c + s2;
      }
    }
  }
}

export interface SquareFieldArgs {
  readonly cur: Float64Array;
  readonly out: Float64Array;
  readonly size: readonly number[];
  readonly padding: WarpPadding;
}

/** squareFieldStep as a slab kernel (arrays on shared memory when threaded). */
export const SQUARE_FIELD_KERNEL: SlabKernel<SquareFieldArgs> = {
  name: 'squareField',
  run: (a, k0, k1) => {
    squareFieldStep(a.cur, a.size, a.padding, a.out, k0, k1);
    return 0;
  },
};
