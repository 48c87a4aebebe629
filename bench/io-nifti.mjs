/**
 * NIfTI I/O throughput (not a test). Generates a 256x256x180 int16 phantom, writes it as .nii.gz
 * and .nii with the SDK, then times reads against a baseline measured in the same run on the same
 * file: only reading the bytes and gunzipping them (the floor any reader pays).
 *   npm run build && node bench/io-nifti.mjs [--quick] [--clean]
 * Each figure alternates candidate and baseline runs and reports medians (MB/s and ms); `ratio` is
 * candidate throughput / baseline throughput (1.0 = the reader adds nothing to read + gunzip).
 * Writes bench/results/io-nifti.json. MB/s counts decoded voxel bytes (256*256*180*2 = 23.6 MB).
 */
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createVolume, readNifti, readNiftiSync, writeNifti } from '../dist/index.js';
import { readImageFile } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 2 : 9;
const [NX, NY, NZ] = [256, 256, 180];
const MB = (NX * NY * NZ * 2) / 1e6;

function phantom() {
  // Smooth anatomy-like ellipsoids plus deterministic noise: compresses like real CT/MR (not all zeros).
  const data = new Int16Array(NX * NY * NZ);
  let seed = 12345;
  for (let k = 0, n = 0; k < NZ; k++) {
    for (let j = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, n++) {
        const x = (i - 128) / 110,
          y = (j - 128) / 90,
          z = (k - 90) / 85;
        const r = x * x + y * y + z * z;
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const noise = ((seed >> 16) % 21) - 10;
        data[n] = r < 1 ? 40 + Math.round(200 * Math.cos(3 * x) * Math.sin(2 * y + z)) + noise : -1000 + noise;
      }
    }
  }
  return createVolume({ geometry: { size: [NX, NY, NZ], spacing: [0.9, 0.9, 1.2], origin: [-115, -115, -108] }, data });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function figure(name, ms, baseline, baseMs) {
  const mbps = MB / (ms / 1000);
  const baseMbps = MB / (baseMs / 1000);
  return {
    name,
    unit: 'MB/s',
    median: Number(mbps.toFixed(1)),
    baseline,
    baselineMedian: Number(baseMbps.toFixed(1)),
    ratio: Number((mbps / baseMbps).toFixed(3)),
    medianMs: Number(ms.toFixed(1)),
    baselineMs: Number(baseMs.toFixed(1)),
  };
}

const dir = join(tmpdir(), 'medinfer-bench-io-nifti');
mkdirSync(dir, { recursive: true });
const gzPath = join(dir, 'phantom-256x256x180.nii.gz');
const rawPath = join(dir, 'phantom-256x256x180.nii');
const volume = phantom();
const plain = writeNifti(volume);
writeFileSync(rawPath, plain);
writeFileSync(gzPath, gzipSync(plain, { level: 6 }));
console.error(`phantom written: ${gzPath} (${(readFileSync(gzPath).length / 1e6).toFixed(1)} MB gz)`);

/** Runs candidate and baseline alternately (machine load drifts; alternating shares it fairly). */
async function compare(name, candidate, baseline, baselineFn) {
  const a = [];
  const b = [];
  await candidate(); // warm-up (JIT, page cache), not timed
  await baselineFn();
  for (let r = 0; r < RUNS; r++) {
    for (const [fn, into] of r % 2
      ? [
          [baselineFn, b],
          [candidate, a],
        ]
      : [
          [candidate, a],
          [baselineFn, b],
        ]) {
      const t0 = process.hrtime.bigint();
      await fn();
      into.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return figure(name, median(a), baseline, median(b));
}

const readGz = () => gunzipSync(readFileSync(gzPath));
const zlibGzip = () => gzipSync(plain, { level: 6 });
const zlibGunzip = (b) => gunzipSync(b);
const figures = [
  // Same file read as the baseline: the ratio is the reader's own overhead over read + gunzip.
  await compare(
    'read .nii.gz -> Volume (readNiftiSync + zlib gunzip)',
    () => readNiftiSync(readFileSync(gzPath), { gunzip: zlibGunzip, inPlace: true }),
    'readFileSync + zlib.gunzipSync',
    readGz,
  ),
  await compare('read .nii.gz -> Volume (readImageFile: async file read + zlib)', () => readImageFile(gzPath), 'readFileSync + zlib.gunzipSync', readGz),
  await compare(
    'read .nii.gz -> Volume (readNifti, isomorphic: DecompressionStream)',
    () => readNifti(readFileSync(gzPath)),
    'readFileSync + zlib.gunzipSync',
    readGz,
  ),
  await compare(
    'read .nii.gz -> Volume (readNiftiSync, isomorphic: fflate)',
    () => readNiftiSync(readFileSync(gzPath)),
    'readFileSync + zlib.gunzipSync',
    readGz,
  ),
  await compare(
    'read .nii -> Volume (readNiftiSync, uncompressed)',
    () => readNiftiSync(readFileSync(rawPath), { inPlace: true }),
    'readFileSync only',
    () => readFileSync(rawPath),
  ),
  await compare(
    'write Volume -> .nii.gz bytes (writeNifti + zlib, as medinfer convert)',
    () => writeNifti(volume, { gzip: true, compress: (b) => gzipSync(b, { level: 6 }) }),
    'zlib.gzipSync level 6 of the same bytes',
    zlibGzip,
  ),
  await compare(
    'write Volume -> .nii.gz bytes (writeNifti, isomorphic fflate level 6)',
    () => writeNifti(volume, { gzip: true }),
    'zlib.gzipSync level 6 of the same bytes',
    zlibGzip,
  ),
];

const result = {
  area: 'io-nifti',
  date: new Date().toISOString(),
  runs: RUNS,
  quick,
  loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  node: process.version,
  data: `${NX}x${NY}x${NZ} int16 phantom, ${MB.toFixed(1)} MB of voxels`,
  figures,
};
const out = fileURLToPath(new URL('./results/io-nifti.json', import.meta.url));
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
for (const f of figures) console.log(`${f.name}: ${f.median} MB/s (${f.medianMs} ms) vs ${f.baseline}: ${f.baselineMedian} MB/s -> ratio ${f.ratio}`);
console.log(`python reference: /usr/bin/python3 bench/python/io-nifti.py ${gzPath}`);
if (process.argv.includes('--clean')) rmSync(dir, { recursive: true, force: true });
