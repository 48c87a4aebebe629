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

/** Four consecutive bytes of a Uint32Array element are its bytes in little-endian order (every platform V8 ships on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function copyPermutedBlock(src: TypedArray, srcOffset: number, dst: TypedArray, dstOffset: number, layout: BlockLayout): void {
  const [d0, d1, d2] = layout.dims;
  const [s0, s1, s2] = layout.srcStrides;
  const [t0, t1] = layout.dstStrides ?? [d1 * d2, d2];
  if (packsBytes(src, dst, dstOffset, layout)) {
    copyBytesPacked(src as Uint8Array, srcOffset, dst as Uint8Array, dstOffset, layout);
    return;
  }
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

/**
 * Bytes whose destination rows are whole 4-byte words and whose source runs along the
 * destination's slowest axis (s0 = 1): the stored-order (k, j, i) <-> tensor-order (i, j, k)
 * transposition of a uint8 label map. Then four source runs are read side by side and each
 * group of four destination bytes is written as one Uint32 word: 240 x 240 x 155 took 5.3-5.5 ms
 * instead of 14.0 ms through the 16^3 tiles (BENCHMARKS.md, "the uint8 transposition packed").
 */
function packsBytes(src: TypedArray, dst: TypedArray, dstOffset: number, layout: BlockLayout): boolean {
  const [d0, d1, d2] = layout.dims;
  const [t0, t1] = layout.dstStrides ?? [d1 * d2, d2];
  return (
    LITTLE_ENDIAN &&
    src instanceof Uint8Array &&
    dst instanceof Uint8Array &&
    layout.srcStrides[0] === 1 &&
    d0 > 0 &&
    d1 > 0 &&
    d2 > 0 &&
    d2 % 4 === 0 &&
    t0 > 0 &&
    t1 > 0 &&
    t0 % 4 === 0 &&
    t1 % 4 === 0 &&
    (dst.byteOffset + dstOffset) % 4 === 0 &&
    dstOffset + (d0 - 1) * t0 + (d1 - 1) * t1 + d2 <= dst.length
  );
}

function copyBytesPacked(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, layout: BlockLayout): void {
  const [d0, d1, d2] = layout.dims;
  const [, s1, s2] = layout.srcStrides;
  const [t0, t1] = layout.dstStrides ?? [d1 * d2, d2];
  const start = dst.byteOffset + dstOffset;
  const words = new Uint32Array(dst.buffer, start, ((d0 - 1) * t0 + (d1 - 1) * t1 + d2) >> 2);
  const step = t0 >> 2;
  for (let y = 0; y < d1; y++) {
    for (let z = 0; z < d2; z += 4) {
      const p0 = srcOffset + y * s1 + z * s2;
      const p1 = p0 + s2;
      const p2 = p1 + s2;
      const p3 = p2 + s2;
      let w = (y * t1 + z) >> 2;
      for (let x = 0; x < d0; x++, w += step) words[w] = src[p0 + x]! | (src[p1 + x]! << 8) | (src[p2 + x]! << 16) | (src[p3 + x]! << 24);
    }
  }
}
