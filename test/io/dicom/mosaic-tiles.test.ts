/**
 * unpackMosaicTiles on synthetic frames, one case per copy loop it picks (32-bit words for even
 * 16-bit tiles, 16-bit for odd widths or unaligned views, the generic loop for other types), each
 * against the tile formula written out per sample: slice s, row y, column x comes from frame row
 * floor(s / grid) * tileRows + y, column (s % grid) * tileColumns + x. Frame and output in one
 * WebAssembly kernel memory (streamed runs) take the memory.copy path, checked the same way.
 */
import { describe, expect, it } from 'vitest';
import { allocateTypedArray, type TypedArray, type VoxelType } from '../../../src/core/dtype.js';
import { createKernelArena } from '../../../src/core/volume-kernels.js';
import type { MosaicLayout } from '../../../src/io/dicom/mosaic-geometry.js';
import { unpackMosaicTiles } from '../../../src/io/dicom/mosaic.js';
import type { PixelModule } from '../../../src/io/dicom/pixel-module.js';

function pixelModule(rawType: VoxelType, columns: number, rows: number): PixelModule {
  const bits = allocateTypedArray(rawType, 0).BYTES_PER_ELEMENT * 8;
  return {
    rows,
    columns,
    frames: 1,
    samplesPerPixel: 1,
    bitsAllocated: bits,
    bitsStored: bits,
    highBit: bits - 1,
    pixelRepresentation: 0,
    photometric: 'MONOCHROME2',
    planarConfiguration: 0,
    rawType,
  };
}

function layoutOf(images: number, tileColumns: number, tileRows: number): MosaicLayout {
  return { images, grid: Math.ceil(Math.sqrt(images)), tileColumns, tileRows, sliceNormal: undefined, sliceTimesMs: undefined };
}

/** The slices by the formula, sample by sample. */
function expected(raw: TypedArray, columns: number, layout: MosaicLayout): number[] {
  const { grid, tileColumns: tc, tileRows: tr, images } = layout;
  const out: number[] = [];
  for (let s = 0; s < images; s++)
    for (let y = 0; y < tr; y++) for (let x = 0; x < tc; x++) out.push(raw[(Math.floor(s / grid) * tr + y) * columns + (s % grid) * tc + x]!);
  return out;
}

/** A frame of distinct values (mod the type's range) in a buffer starting `offset` elements in. */
function frame(rawType: VoxelType, length: number, offset = 0): TypedArray {
  const whole = allocateTypedArray(rawType, length + offset);
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 7919) % 251;
  return whole.subarray(offset);
}

describe('unpackMosaicTiles', () => {
  const cases: [string, VoxelType, number, number, number, number][] = [
    // name, type, images, tile columns, tile rows, raw offset (elements)
    ['uint16, even tiles (32-bit words)', 'uint16', 7, 6, 5, 0],
    ['int16, odd tiles (16-bit loop)', 'int16', 5, 5, 4, 0],
    ['uint16, view not 4-byte aligned (16-bit loop)', 'uint16', 4, 6, 3, 1],
    ['uint8 (generic loop)', 'uint8', 3, 4, 4, 0],
    ['float32 (generic loop)', 'float32', 9, 3, 2, 0],
  ];
  for (const [name, type, images, tc, tr, offset] of cases) {
    it(name, () => {
      const layout = layoutOf(images, tc, tr);
      const columns = layout.grid * tc;
      const rows = layout.grid * tr;
      const raw = frame(type, columns * rows, offset);
      const slices = unpackMosaicTiles(raw, pixelModule(type, columns, rows), layout);
      expect(slices.length).toBe(tc * tr * images);
      expect(Array.from(slices)).toEqual(expected(raw, columns, layout));
    });
  }

  it('writes into a 4D buffer at an offset and leaves the rest alone', () => {
    const layout = layoutOf(4, 4, 3);
    const columns = 8;
    const rows = 6;
    const raw = frame('uint16', columns * rows);
    const out = new Uint16Array(4 * 4 * 3 * 3).fill(9999);
    const at = 4 * 4 * 3;
    const view = unpackMosaicTiles(raw, pixelModule('uint16', columns, rows), layout, { out, offset: at });
    expect(Array.from(view)).toEqual(expected(raw, columns, layout));
    expect(Array.from(out.subarray(at, at + view.length))).toEqual(expected(raw, columns, layout));
    expect(out.subarray(0, at).every((v) => v === 9999)).toBe(true);
    expect(out.subarray(at + view.length).every((v) => v === 9999)).toBe(true);
  });

  describe('frame and output in one kernel memory (memory.copy per tile row)', () => {
    const cases: [string, VoxelType, number, number, number][] = [
      // name, type, images, tile columns, tile rows
      ['uint16, 64x64 tiles, 40 slices (a 7x7 fMRI mosaic)', 'uint16', 40, 64, 64],
      ['int16, even tiles', 'int16', 5, 6, 3],
      ['uint16, odd tiles (row bytes not a multiple of 4: JS loop)', 'uint16', 5, 5, 4],
      ['uint8, tiles of 4 samples', 'uint8', 3, 4, 4],
      ['float32', 'float32', 9, 3, 2],
    ];
    for (const [name, type, images, tc, tr] of cases) {
      it(name, () => {
        const layout = layoutOf(images, tc, tr);
        const columns = layout.grid * tc;
        const rows = layout.grid * tr;
        const bytes = allocateTypedArray(type, 0).BYTES_PER_ELEMENT;
        const samples = tc * tr * images;
        // Output block first, frame after it, as mosaic-series.ts lays them out; the output is
        // written one volume in, after a volume that must stay untouched.
        const arena = createKernelArena([2 * samples * bytes, columns * rows * bytes]);
        expect(arena).not.toBeNull();
        const ctor = allocateTypedArray(type, 0).constructor as new (b: ArrayBufferLike, at: number, n: number) => TypedArray;
        const raw = new ctor(arena!.u8.buffer, arena!.offsets[1]!, columns * rows);
        raw.set(frame(type, columns * rows));
        const out = new ctor(arena!.u8.buffer, arena!.offsets[0]!, 2 * samples);
        out.fill(77);
        const view = unpackMosaicTiles(raw, pixelModule(type, columns, rows), layout, { out, offset: samples });
        expect(Array.from(view)).toEqual(expected(raw, columns, layout));
        expect(out.subarray(0, samples).every((v) => v === 77)).toBe(true);
      });
    }
  });
});
