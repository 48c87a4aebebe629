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
        // Per axis: the cell's lower corner, the weight of the upper (f) and of the lower (g) corner.
        const x0 = Math.floor(x);
        const fx = x - x0;
        const gx = 1 - fx;
        const y0 = Math.floor(y);
        const fy = y - y0;
        const gy = 1 - fy;
        const z0 = Math.floor(z);
        const fz = z - z0;
        const gz = 1 - fz;
        if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 < si - 1 && y0 < sj - 1 && z0 < sk - 1) {
          // All 8 corners in the grid: weights once, three components from the same corners (one
          // loop over the components measured as fast as writing the three sums out).
          const w000 = gx * gy * gz;
          const w100 = fx * gy * gz;
          const w010 = gx * fy * gz;
          const w110 = fx * fy * gz;
          const w001 = gx * gy * fz;
          const w101 = fx * gy * fz;
          const w011 = gx * fy * fz;
          const w111 = fx * fy * fz;
          // The three components from the same corners and weights, added to v(x) in place.
          const p = 3 * (x0 + si * y0 + si * sj * z0);
          for (let q = 0; q < 3; q++) {
            const pq = p + q;
            out[o + q] =
              cur[o + q]! +
              (w000 * cur[pq]! +
                w100 * cur[pq + 3]! +
                w010 * cur[pq + sy]! +
                w110 * cur[pq + sy + 3]! +
                w001 * cur[pq + sz]! +
                w101 * cur[pq + sz + 3]! +
                w011 * cur[pq + sz + sy]! +
                w111 * cur[pq + sz + sy + 3]!);
          }
          continue;
        }
        // Partial neighbourhood (grid edge): out-of-grid corners read as 0.
        out[o] = a + sampleCellEdge(cur, 3, 0, x0, y0, z0, fx, fy, fz, si, sj, sk);
        out[o + 1] = b + sampleCellEdge(cur, 3, 1, x0, y0, z0, fx, fy, fz, si, sj, sk);
        out[o + 2] = c + sampleCellEdge(cur, 3, 2, x0, y0, z0, fx, fy, fz, si, sj, sk);
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
