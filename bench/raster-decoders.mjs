/**
 * Could Node drop sharp for PNG / JPEG (issue 25)? Times the pure-JS / wasm codecs medinfer
 * already ships (fast-png; the cornerstone libjpeg-turbo wasm build it uses for DICOM JPEG)
 * against sharp (libvips), which node-raster.ts uses, on the same bytes in the same run. Not a
 * test. `ratio` = candidate ms / sharp ms (> 1: the JS codec is that many times slower).
 *   node bench/raster-decoders.mjs [--quick]
 * Data: a 2048x2048 synthetic radiograph-like image (smooth field + noise), as 16-bit grey PNG,
 * 8-bit RGB PNG and 8-bit RGB JPEG (quality 90), all encoded by sharp. Decodes give raw samples;
 * encodes use zlib level 6 on both sides. Writes bench/results/raster-decoders.json.
 */
import { decode as pngDecode, encode as pngEncode } from 'fast-png';
import sharp from 'sharp';
import jpegFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit';
import { machineNote, makeFigure, median } from './lib/stats.mjs';
import { writeAreaResult } from './lib/write-result.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 9;
const N = quick ? 1024 : 2048;

const grey16 = new Uint16Array(N * N);
const rgb8 = new Uint8Array(N * N * 3);
let seed = 1;
const noise = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
for (let y = 0; y < N; y++) {
  for (let x = 0; x < N; x++) {
    const v = 2000 + 1500 * Math.sin(x / 97) * Math.cos(y / 131) + 60 * noise();
    grey16[y * N + x] = v;
    for (let c = 0; c < 3; c++) rgb8[(y * N + x) * 3 + c] = (v / 16 + c * 20 + 8 * noise()) & 255;
  }
}
const raw = (data, channels) => sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width: N, height: N, channels } });
const png16 = await raw(grey16, 1).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer();
const png8 = await raw(rgb8, 3).png({ compressionLevel: 6 }).toBuffer();
const jpeg = await raw(rgb8, 3).jpeg({ quality: 90 }).toBuffer();
const codec = await jpegFactory();

function wasmJpeg() {
  const d = new codec.JPEGDecoder();
  try {
    d.getEncodedBuffer(jpeg.length).set(jpeg);
    d.decode();
    return d.getDecodedBuffer().slice(); // out of the wasm heap, as a Volume needs it
  } finally {
    d.delete();
  }
}

/** Candidate and sharp alternate (load on a shared machine drifts); medians of RUNS each. */
async function compare(name, candidate, baselineName, baseline) {
  const a = [];
  const b = [];
  await candidate();
  await baseline();
  for (let r = 0; r < RUNS; r++) {
    for (const [fn, into] of r % 2
      ? [
          [baseline, b],
          [candidate, a],
        ]
      : [
          [candidate, a],
          [baseline, b],
        ]) {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    }
  }
  return makeFigure(name, 'ms', median(a), baselineName, median(b), { runs: RUNS });
}

const figures = [
  await compare(
    `decode ${N}x${N} 16-bit grey PNG: fast-png`,
    () => pngDecode(png16),
    'sharp raw grey16',
    () => sharp(png16).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer(),
  ),
  await compare(
    `decode ${N}x${N} 8-bit RGB PNG: fast-png`,
    () => pngDecode(png8),
    'sharp raw',
    () => sharp(png8).raw().toBuffer(),
  ),
  await compare(`decode ${N}x${N} RGB JPEG q90: libjpeg-turbo wasm (cornerstone)`, wasmJpeg, 'sharp raw', () => sharp(jpeg).raw().toBuffer()),
  await compare(
    `encode ${N}x${N} 16-bit grey PNG: fast-png`,
    () => pngEncode({ width: N, height: N, data: grey16, depth: 16, channels: 1 }, { zlib: { level: 6 } }),
    'sharp png level 6',
    () => raw(grey16, 1).toColourspace('grey16').png({ compressionLevel: 6 }).toBuffer(),
  ),
  await compare(
    `encode ${N}x${N} 8-bit RGB PNG: fast-png`,
    () => pngEncode({ width: N, height: N, data: rgb8, depth: 8, channels: 3 }, { zlib: { level: 6 } }),
    'sharp png level 6',
    () => raw(rgb8, 3).png({ compressionLevel: 6 }).toBuffer(),
  ),
];

const path = writeAreaResult('raster-decoders', {
  area: 'raster-decoders',
  date: new Date().toISOString(),
  quick,
  runs: RUNS,
  ...machineNote(),
  data: `${N}x${N} synthetic image; PNG ${png16.length} / ${png8.length} bytes, JPEG ${jpeg.length} bytes`,
  figures,
});
for (const f of figures) console.log(`${f.name}: ${f.median} ms vs ${f.baseline}: ${f.baselineMedian} ms -> ratio ${f.ratio}`);
console.log(`wrote ${path}`);
