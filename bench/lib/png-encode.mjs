/**
 * A PNG encoder independent of the SDK's decoder and of sharp: rows filtered per the PNG spec
 * (9.2; filter (y + shift) % 5 on row y, or one `filter` on every row), zlib from node:zlib, chunk
 * CRCs from zlib.crc32. Used by test/io/raster/png-direct.test.ts (every filter and layout against
 * sharp) and bench/png-decode-filters.mjs (decode time by filter).
 */
import { crc32, deflateSync } from 'node:zlib';

/** One chunk: length, type, data, CRC of type + data. */
export function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Big-endian sample bytes of a w x h image (depth 8 or 16, colour type 0, 2, 4 or 6) -> PNG.
 * opts: filter (every row) or shift (row y gets (y + shift) % 5), split (IDAT chunks), interlace
 * (the IHDR byte only), extra (chunks before the IDATs).
 * @returns {Buffer}
 */
export function encodePng(raw, w, h, depth, colourType, opts = {}) {
  const samples = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType];
  const bpp = (samples * depth) / 8;
  const stride = w * bpp;
  const out = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const f = opts.filter ?? (y + (opts.shift ?? 0)) % 5;
    out[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * stride + i];
      const a = i >= bpp ? raw[y * stride + i - bpp] : 0;
      const b = y > 0 ? raw[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? raw[(y - 1) * stride + i - bpp] : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      out[y * (stride + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  ihdr[12] = opts.interlace ?? 0;
  const z = deflateSync(out);
  const parts = [];
  const step = opts.split ? Math.ceil(z.length / opts.split) : z.length;
  for (let p = 0; p < z.length; p += step) parts.push(pngChunk('IDAT', z.subarray(p, p + step)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...(opts.extra ?? []),
    ...parts,
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}
