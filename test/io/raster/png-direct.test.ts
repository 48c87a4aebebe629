/**
 * The direct PNG decoder (src/io/raster/png-direct.ts) against sharp (libvips + libspng), the
 * decoder it replaces for common files: PNGs written here with every row filter (type y % 5,
 * computed per the PNG spec), every handled colour type at 8 and 16 bits, odd sizes and split
 * IDAT chunks must decode to exactly sharp's samples; damaged files must fail, unhandled layouts
 * must be left to sharp.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DecodeError, LimitError } from '../../../src/index.js';
import { decodePngDirect, paeth } from '../../../src/io/raster/png-direct.js';
import { readRaster } from '../../../src/io/raster/node-raster.js';
import { encodePng, pngChunk } from '../../../bench/lib/png-encode.mjs';

type EncodeOptions = { split?: number; shift?: number; interlace?: number; extra?: Buffer[] };
const chunk = pngChunk as (type: string, data: Uint8Array) => Buffer;
/** Big-endian sample bytes of a w x h image -> PNG with filter (y + shift) % 5 on row y (bench/lib/png-encode.mjs). */
const encode = encodePng as (raw: Uint8Array, w: number, h: number, depth: 8 | 16, colourType: number, opts?: EncodeOptions) => Buffer;

/** What node-raster's sharp path returns for the same bytes. */
async function viaSharp(png: Buffer, colour: boolean, sixteen: boolean): Promise<number[]> {
  let p = sharp(png, { failOn: 'error' }).removeAlpha();
  p = sixteen ? p.toColourspace(colour ? 'rgb16' : 'grey16') : p.toColourspace(colour ? 'srgb' : 'b-w');
  const { data } = await p.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  return Array.from(sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : data);
}

function pattern(n: number, seed: number): Uint8Array {
  // Smooth ramps plus noise: every filter's predictor matters, and wrap-around (mod 256) occurs.
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = ((i * 7) % 251) ^ (s >>> 27);
  }
  return out;
}

describe('decodePngDirect = sharp, sample for sample', () => {
  const cases = [0, 2, 4, 6].flatMap((ct) => [8, 16].map((depth) => ({ ct, depth: depth as 8 | 16 })));
  it.each(cases)('colour type $ct, $depth-bit, 37x23, every filter (each on the first row too), split IDAT', async ({ ct, depth }) => {
    const w = 37,
      h = 23;
    const samples = { 0: 1, 2: 3, 4: 2, 6: 4 }[ct as 0 | 2 | 4 | 6];
    for (const shift of [0, 1, 2, 3, 4]) {
      const png = encode(pattern(w * h * samples * (depth / 8), ct * 31 + depth + shift), w, h, depth, ct, { split: 3, shift });
      const v = decodePngDirect(png, 'case.png');
      expect(v).toBeDefined();
      const colour = ct === 2 || ct === 6;
      expect([...v!.geometry.size]).toEqual([w, h, 1]);
      expect(v!.components).toBe(colour ? 3 : 1);
      expect(v!.type).toBe(depth === 16 ? 'uint16' : 'uint8');
      expect(v!.meta).toMatchObject({ format: 'png', bitsStored: depth, photometric: colour ? 'RGB' : 'MONOCHROME2' });
      expect(v!.meta.warnings).toEqual(ct === 4 || ct === 6 ? ['alpha channel dropped'] : undefined);
      expect(Array.from(v!.data)).toEqual(await viaSharp(png, colour, depth === 16));
    }
  });

  it("readRaster takes the direct path for a sharp-written radiograph and gives sharp's pixels", async () => {
    const w = 300,
      h = 200;
    const grey = pattern(w * h, 5);
    const png = await sharp(grey, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ adaptiveFiltering: true })
      .toBuffer();
    expect(decodePngDirect(png, 'x.png')).toBeDefined();
    const v = await readRaster(png, { name: 'x.png' });
    expect(Array.from(v.data)).toEqual(Array.from(grey));
  });
});

describe('decodePngDirect refuses or hands over', () => {
  const png = encode(pattern(16 * 8, 1), 16, 8, 8, 0);
  it('a flipped bit in the image data is a DecodeError (CRC), as with sharp', () => {
    const bad = Buffer.from(png);
    bad[bad.length - 20] ^= 1;
    expect(() => decodePngDirect(bad, 'bad.png')).toThrow(DecodeError);
    expect(() => decodePngDirect(bad, 'bad.png')).toThrow(/bad\.png.*CRC/);
  });
  it('a truncated file is a DecodeError', () => {
    expect(() => decodePngDirect(png.subarray(0, png.length - 12), 'cut.png')).toThrow(/cut\.png.*IEND/);
  });
  it('image data that inflates to more than the header allows stops at the bound', () => {
    const big = encode(pattern(16 * 9, 1), 16, 9, 8, 0);
    const idat = big.subarray(33, big.length - 12); // IDAT chunk of 9 rows under an 8-row IHDR
    const lie = Buffer.concat([png.subarray(0, 33), idat, png.subarray(png.length - 12)]);
    expect(() => decodePngDirect(lie, 'lie.png')).toThrow(DecodeError);
  });
  it('image data that inflates to less than the header says is a DecodeError', () => {
    const tall = encode(pattern(16 * 9, 1), 16, 9, 8, 0);
    const short = Buffer.concat([tall.subarray(0, 33), png.subarray(33)]); // 9-row IHDR over 8 rows of data
    expect(() => decodePngDirect(short, 'short.png')).toThrow(/short\.png.*inflates to 136 bytes, expected 153/);
  });
  it('maxVoxels is checked from the header', () => {
    expect(() => decodePngDirect(png, 'big.png', 100)).toThrow(LimitError);
  });
  it('interlaced, palette, tRNS and ICC-profile files are left to sharp', () => {
    expect(decodePngDirect(encode(pattern(16 * 8, 1), 16, 8, 8, 0, { interlace: 1 }), 'i.png')).toBeUndefined();
    const pal = Buffer.from(png);
    pal[25] = 3;
    expect(decodePngDirect(pal, 'p.png')).toBeUndefined();
    expect(decodePngDirect(encode(pattern(16 * 8, 1), 16, 8, 8, 0, { extra: [chunk('tRNS', new Uint8Array([0, 7]))] }), 't.png')).toBeUndefined();
  });
});

describe('decodePngDirect into a given buffer', () => {
  it('inflates into the buffer it is given (the inflated size + 1 bytes) and gives the same samples as into fresh memory', () => {
    for (const [depth, colourType] of [
      [8, 0],
      [16, 0],
      [8, 6],
    ] as const) {
      const samples = { 0: 1, 6: 4 }[colourType];
      const png = encode(pattern(21 * 13 * samples * (depth / 8), 3), 21, 13, depth, colourType, { split: 3 });
      const fresh = decodePngDirect(png, 'a.png')!;
      let given: Uint8Array | undefined;
      const copy = Buffer.from(png);
      const v = decodePngDirect(copy, 'a.png', undefined, {
        allocate: (type, length) => {
          expect(type).toBe('uint8');
          expect(length).toBe(13 * (21 * samples * (depth / 8) + 1) + 1);
          given = new Uint8Array(length).fill(0x5a);
          return given;
        },
      })!;
      expect(v.data.buffer).toBe(given!.buffer);
      expect(v.data.constructor).toBe(fresh.data.constructor);
      expect(Array.from(v.data)).toEqual(Array.from(fresh.data));
      expect(Buffer.compare(copy, png)).toBe(0); // not owned: the caller's bytes untouched
    }
  });
  it('with bytes it owns, moves the split image data together inside them and gives the same samples', () => {
    for (const split of [1, 2, 7]) {
      const png = encode(pattern(33 * 17 * 2, 5), 33, 17, 16, 0, { split, shift: 2 });
      const fresh = decodePngDirect(png, 'a.png')!;
      const owned = Buffer.from(png);
      const v = decodePngDirect(owned, 'a.png', undefined, { ownsBytes: true })!;
      expect(Array.from(v.data)).toEqual(Array.from(fresh.data));
      if (split > 1) expect(Buffer.compare(owned, png)).not.toBe(0);
    }
  });
});

describe('paeth (branchless)', () => {
  it("equals the PNG spec's predictor for every left, up and up-left byte", () => {
    let mismatches = 0;
    for (let a = 0; a < 256; a++)
      for (let b = 0; b < 256; b++)
        for (let c = 0; c < 256; c++) {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          if (paeth(a, b, c) !== (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) mismatches++;
        }
    expect(mismatches).toBe(0);
  });
});
