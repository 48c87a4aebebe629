/**
 * Windows cut from a volume read in 'ijk' tensor order (strides [1, n0, n0 * n1]: the tensor's
 * first spatial axis runs along the stored rows, its innermost axis is the stored planes), as
 * MONAI-trained NIfTI models read it. The staged-plane path (transposeBlock, 4x4 SIMD blocks with
 * scalar tails) and the plain loops (kernels switched off) must both give each voxel's value by
 * index arithmetic, with the pad value where a window overhangs. Sizes are odd so every tail
 * (x and z not multiples of 4, a last group of fewer than 16 planes) is taken.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeferredTensorView } from '../../src/core/tensor.js';
import { setVolumeKernelsEnabled } from '../../src/core/volume-kernels.js';
import { WindowCutter } from '../../src/runtime/sliding-window/window-cutter.js';
import type { Grid } from '../../src/runtime/sliding-window/window-grid.js';

const size = [37, 29, 43];
const channels = 2;
const n = size[0]! * size[1]! * size[2]!;
// Stored order: channel, then axis 2 (slowest), axis 1, axis 0 (fastest).
const data = Float32Array.from({ length: channels * n }, (_, p) => (p % 9973) * 0.25 - 7);
const strides = [channels * n, n, 1, size[0]!, size[0]! * size[1]!];
const view = { type: 'float32' as const, data, dims: [1, channels, ...size], strides };
const PAD = -3.5;

/** The expected window by index arithmetic, [C, r0, r1, r2]. */
function expected(grid: Grid, start: readonly number[]): Float32Array {
  const [r0, r1, r2] = grid.roi as [number, number, number];
  const out = new Float32Array(channels * r0 * r1 * r2);
  let p = 0;
  for (let c = 0; c < channels; c++)
    for (let x = 0; x < r0; x++)
      for (let y = 0; y < r1; y++)
        for (let z = 0; z < r2; z++) {
          const [i, j, k] = [x, y, z].map((w, d) => start[d]! + w - grid.padBefore[d]!) as [number, number, number];
          const inside = i >= 0 && j >= 0 && k >= 0 && i < size[0]! && j < size[1]! && k < size[2]!;
          out[p++] = inside ? data[c * n + k * size[0]! * size[1]! + j * size[0]! + i]! : PAD;
        }
  return out;
}

function cutAll(input: typeof view | DeferredTensorView, grid: Grid, starts: number[][]): Float32Array[] {
  const cutter = new WindowCutter(input, grid, 2, PAD);
  const out: Float32Array[] = [];
  for (let b = 0; b < starts.length; b += 2) {
    const batch = starts.slice(b, b + 2);
    const buf = cutter.cut(batch).slice();
    const per = buf.length / batch.length;
    for (let w = 0; w < batch.length; w++) out.push(buf.subarray(w * per, (w + 1) * per));
  }
  return out;
}

describe("window cutter, 'ijk' strided input", () => {
  afterEach(() => setVolumeKernelsEnabled(true));
  // roi [13, 10, 21]: 13 = 3 x-blocks of 4 + 1, 21 = one group of 16 planes + 5 (1 z-group + 1).
  const grid: Grid = { size, roi: [13, 10, 21], padBefore: [0, 0, 0], starts: [] };
  const starts = [
    [0, 0, 0],
    [24, 19, 22],
    [11, 7, 5],
    [30, 25, 30], // overhangs every axis (padded voxels)
    [-5, -2, -9], // overhangs before every axis
  ];
  // An image smaller than the roi on axis 0 (padBefore as the sliding window plans it).
  const small: Grid = { size, roi: [41, 6, 8], padBefore: [2, 0, 0], starts: [] };
  const smallStarts = [
    [0, 0, 0],
    [0, 23, 35],
  ];

  for (const kernels of [true, false]) {
    it(`every voxel by index arithmetic (kernels ${kernels ? 'on' : 'off'})`, () => {
      setVolumeKernelsEnabled(kernels);
      for (const [g, s] of [
        [grid, starts],
        [small, smallStarts],
      ] as const) {
        const got = cutAll(view, g, s as number[][]);
        s.forEach((st, w) =>
          expect(Buffer.from(got[w]!.buffer, got[w]!.byteOffset, got[w]!.byteLength).equals(Buffer.from(expected(g, st).buffer))).toBe(true),
        );
      }
    });
  }

  it('a deferred view of the same values (read in storage-order runs) gives the same windows, kernels on and off', () => {
    const deferred: DeferredTensorView = {
      type: 'float32',
      dims: view.dims,
      strides,
      length: data.length,
      read: (start, count, out, at) => out.set(data.subarray(start, start + count), at),
    };
    for (const kernels of [true, false]) {
      setVolumeKernelsEnabled(kernels);
      const got = cutAll(deferred, grid, starts);
      starts.forEach((st, w) => expect(Array.from(got[w]!)).toEqual(Array.from(expected(grid, st))));
    }
  });

  for (const Type of [Int16Array, Uint16Array]) {
    it(`16-bit channels with an affine16 map (${Type.name}): the kernel path equals the view's own reads, kernels on and off`, () => {
      // Zeros (kept 0 under zeroStays), negatives for int16, and the full 16-bit range.
      const ints = [0, 1].map((c) =>
        Type.from({ length: n }, (_, p) => (p % 7 === 0 ? 0 : ((p * 2654435761 + c * 977) >>> 16) - (Type === Int16Array ? 32768 : 0))),
      );
      const subtract = [Math.fround(103.7), Math.fround(-5.25)];
      const multiply = [Math.fround(1 / 37.1), Math.fround(1 / 0.3)];
      const value = (c: number, x: number): number => (x === 0 ? 0 : Math.fround(Math.fround(x - subtract[c]!) * multiply[c]!));
      const deferred: DeferredTensorView = {
        type: 'float32',
        dims: view.dims,
        strides,
        length: channels * n,
        read: (start, count, out, at) => {
          const c = Math.floor(start / n);
          for (let q = 0; q < count; q++) out[at + q] = value(c, ints[c]![start - c * n + q]!);
        },
        affine16: { channels: ints, subtract, multiply, zeroStays: true },
      };
      const plain = { ...deferred, affine16: undefined };
      for (const kernels of [true, false]) {
        setVolumeKernelsEnabled(kernels);
        const got = cutAll(deferred, grid, starts);
        const want = cutAll(plain, grid, starts);
        starts.forEach((_, w) =>
          expect(
            Buffer.from(got[w]!.buffer, got[w]!.byteOffset, got[w]!.byteLength).equals(Buffer.from(want[w]!.buffer, want[w]!.byteOffset, want[w]!.byteLength)),
          ).toBe(true),
        );
        expect(got[0]!.some((v) => v < -1) && got[0]!.some((v) => v === 0)).toBe(true);
      }
    });
  }
});
