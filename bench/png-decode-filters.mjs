#!/usr/bin/env node
/**
 * PNG decode by row filter (issue 26, requirement 2: the SDK's decode at least as fast as sharp's):
 * a 2048^2 8-bit grey chest phantom written five times, every row with one filter type (0 None,
 * 1 Sub, 2 Up, 3 Average, 4 Paeth; PNG spec 9.2), decoded by the SDK's direct path
 * (decodePngDirect into a reused buffer, as the classification pipeline does) and by sharp
 * (libvips + libspng, raw output), alternating side by side; with `--base DIR` (another build's
 * dist/) that build's decodePngDirect too (fresh memory, its own signature). The pipeline-overhead
 * area's input uses filter 0 only (sharp's writer); public radiograph PNGs mix them.
 *   npm run build && node bench/png-decode-filters.mjs [--base /path/to/other/dist] [--rounds 12]
 * Prints median (min) ms per side and filter, and the load average before and after.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { generateChestRadiograph } from '../dist/phantoms.js';
import { decodePngDirect } from '../dist/io/raster/png-direct.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const rounds = Number(arg('--rounds', 12));
const baseDir = arg('--base');
const base = baseDir ? (await import(pathToFileURL(`${resolve(baseDir)}/io/raster/png-direct.js`).href)).decodePngDirect : undefined;
const N = 2048;
const phantom = generateChestRadiograph({ seed: 3, size: N }).image.data; // uint16, 12 bits
const grey = new Uint8Array(N * N);
for (let i = 0; i < grey.length; i++) grey[i] = phantom[i] >> 4;

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** The phantom as a PNG whose rows all use `filter` (predictors per the PNG spec). */
function encode(filter) {
  const rows = new Uint8Array(N * (N + 1));
  for (let y = 0; y < N; y++) {
    rows[y * (N + 1)] = filter;
    for (let i = 0; i < N; i++) {
      const x = grey[y * N + i];
      const a = i ? grey[y * N + i - 1] : 0;
      const b = y ? grey[(y - 1) * N + i] : 0;
      const c = y && i ? grey[(y - 1) * N + i - 1] : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      rows[y * (N + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(N, 0);
  ihdr.writeUInt32BE(N, 4);
  ihdr[8] = 8;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const out = { load: { before: loadavg().map((x) => +x.toFixed(2)) }, rounds, size: `${N}x${N}`, filters: {} };
const reused = new Uint8Array(N * (N + 1) + 1);
for (const filter of [0, 1, 2, 3, 4]) {
  const png = encode(filter);
  const sides = {
    sdk: () => decodePngDirect(png, 'x.png', undefined, { allocate: () => reused }),
    sharp: () => sharp(png).raw().toBuffer(),
    ...(base ? { base: () => base(png, 'x.png') } : {}),
  };
  const keys = Object.keys(sides);
  const t = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < rounds + 2; r++) {
    for (const k of r % 2 ? [...keys].reverse() : keys) {
      const from = performance.now();
      await sides[k]();
      if (r >= 2) t[k].push(performance.now() - from);
    }
  }
  out.filters[filter] = Object.fromEntries(
    keys.map((k) => {
      const v = t[k].sort((a, b) => a - b);
      return [k, `${v[v.length >> 1].toFixed(1)} (${v[0].toFixed(1)})`];
    }),
  );
}
out.load.after = loadavg().map((x) => +x.toFixed(2));
console.log(JSON.stringify(out, null, 1));
