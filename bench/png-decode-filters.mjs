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
import sharp from 'sharp';
import { generateChestRadiograph } from '../dist/phantoms.js';
import { decodePngDirect } from '../dist/io/raster/png-direct.js';
import { encodePng } from './lib/png-encode.mjs';

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

const out = { load: { before: loadavg().map((x) => +x.toFixed(2)) }, rounds, size: `${N}x${N}`, filters: {} };
const reused = new Uint8Array(N * (N + 1) + 1);
for (const filter of [0, 1, 2, 3, 4]) {
  const png = encodePng(grey, N, N, 8, 0, { filter });
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
