/**
 * Copies one 3D block between two memory orders: `dst` is written in (x, y, z) order with z
 * fastest, `src` is read through arbitrary strides (s0, s1, s2). Used for the stored order
 * (k, j, i) <-> tensor order (i, j, k) transposes of NIfTI-trained models.
 *
 * A naive loop over z reads src with a stride of a whole slice for every element, missing the
 * cache each time (a 512x512x300 four-channel stack took seconds). Walking the block in 16^3
 * tiles keeps the src lines of one tile (16 x 16 lines of 64 bytes) in cache while they are
 * used 16 times, which makes the transpose several times faster. Same values, same order.
 */
import type { TypedArray } from './dtype.js';

const TILE = 16;

export interface BlockLayout {
  /** Extents of the destination axes, slowest first. */
  readonly dims: readonly [number, number, number];
  /** Source strides (elements) for those axes. */
  readonly srcStrides: readonly [number, number, number];
  /**
   * Destination strides of the two outer axes (the last axis is contiguous in dst). Default:
   * the block is dense, [d1 * d2, d2]. A sub-box of a larger buffer (a window) passes its rows.
   */
  readonly dstStrides?: readonly [number, number];
}

export function copyPermutedBlock(src: TypedArray, srcOffset: number, dst: TypedArray, dstOffset: number, layout: BlockLayout): void {
  const [d0, d1, d2] = layout.dims;
  const [s0, s1, s2] = layout.srcStrides;
  const [t0, t1] = layout.dstStrides ?? [d1 * d2, d2];
  if (s2 === 1) {
    // Rows are contiguous on both sides: plain row copies.
    for (let x = 0; x < d0; x++) {
      for (let y = 0; y < d1; y++) {
        const from = srcOffset + x * s0 + y * s1;
        dst.set(src.subarray(from, from + d2), dstOffset + x * t0 + y * t1);
      }
    }
    return;
  }
  for (let xb = 0; xb < d0; xb += TILE) {
    const xe = Math.min(d0, xb + TILE);
    for (let yb = 0; yb < d1; yb += TILE) {
      const ye = Math.min(d1, yb + TILE);
      for (let zb = 0; zb < d2; zb += TILE) {
        const ze = Math.min(d2, zb + TILE);
        for (let x = xb; x < xe; x++) {
          for (let y = yb; y < ye; y++) {
            const rowSrc = srcOffset + x * s0 + y * s1;
            const rowDst = dstOffset + x * t0 + y * t1;
            for (let z = zb; z < ze; z++) dst[rowDst + z] = src[rowSrc + z * s2]!;
          }
        }
      }
    }
  }
}
