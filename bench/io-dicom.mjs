/**
 * DICOM series read throughput (not a test). Generates a 512x512x300 int16 CT series (300 files,
 * explicit VR little endian, rescale intercept -1024, slices listed in shuffled order) into a
 * cache folder under the OS temp dir, then times, in the same run on the same files:
 *   - readDicomDirectory (list + read + parse + sort + decode + modality LUT), against the baseline
 *     of only reading the bytes of the same files from disk;
 *   - readDicomSeries on bytes already in memory, against the baseline of copying those bytes.
 *   - (if /usr/bin/python3 has pydicom) pydicom reading + stacking the same files, for reference.
 *   npm run build && node bench/io-dicom.mjs [--quick]
 * --quick uses 60 slices and 3 runs. Writes bench/results/io-dicom.json. MB/s counts file bytes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDicomSeries } from '../dist/index.js';
import { readDicomDirectory } from '../dist/node.js';
import { ctSeriesFolder } from './lib/ct-series.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const [NX, NY, NZ] = [512, 512, quick ? 60 : 300];
const here = fileURLToPath(new URL('.', import.meta.url));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const dir = ctSeriesFolder(NZ, NX, NY);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.dcm'))
  .sort();
const totalBytes = names.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const MB = totalBytes / 1e6;
console.log(`series ${NX}x${NY}x${NZ} int16: ${names.length} files, ${MB.toFixed(1)} MB in ${dir}`);

const readAll = async () => Promise.all(names.map((f) => readFile(join(dir, f))));
const files = (await readAll()).map((b, idx) => ({ name: names[idx], bytes: new Uint8Array(b) }));
const check = await readDicomSeries(files);
if (check.geometry.size[2] !== NZ || check.type !== 'int16' || Math.abs(check.geometry.spacing[2] - 1.25) > 1e-9) throw new Error('bench series read wrong');

const figures = [];
async function figure(name, fn, baseline, baselineFn) {
  const ours = [],
    base = [];
  await fn();
  await baselineFn(); // warm-up (codec-free here, but JIT and page cache)
  for (let r = 0; r < RUNS; r++) {
    base.push(await time(baselineFn));
    ours.push(await time(fn));
  }
  const m = MB / (median(ours) / 1000),
    b = MB / (median(base) / 1000);
  figures.push({ name, unit: 'MB/s', median: +m.toFixed(1), baseline, baselineMedian: +b.toFixed(1), ratio: +(m / b).toFixed(3) });
  console.log(`${name}: ${m.toFixed(1)} MB/s (${median(ours).toFixed(0)} ms) | ${baseline}: ${b.toFixed(1)} MB/s (${median(base).toFixed(0)} ms)`);
}

await figure(
  `readDicomDirectory ${NX}x${NY}x${NZ} int16 (disk -> Volume, HU)`,
  async () => {
    const { series, errors } = await readDicomDirectory(dir);
    if (series.length !== 1 || errors.length !== 0) throw new Error('unexpected directory result');
  },
  'read the same files bytes only (fs.promises.readFile)',
  readAll,
);

await figure(
  `readDicomSeries ${NX}x${NY}x${NZ} int16 (bytes in memory -> Volume, HU)`,
  async () => {
    await readDicomSeries(files);
  },
  'copy the same bytes (Uint8Array.slice per file)',
  async () => {
    for (const f of files) f.bytes.slice();
  },
);

const py = join(here, 'python', 'io-dicom.py');
if (existsSync('/usr/bin/python3')) {
  try {
    const out = JSON.parse(execFileSync('/usr/bin/python3', [py, dir, String(RUNS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const ours = figures[0];
    figures.push({
      name: `pydicom ${out.pydicom} reading the same series (dcmread + pixel_array + apply_modality_lut + stack)`,
      unit: 'MB/s',
      median: ours.median,
      baseline: 'pydicom (same files, same run)',
      baselineMedian: +(MB / out.medianSeconds).toFixed(1),
      ratio: +(ours.median / (MB / out.medianSeconds)).toFixed(3),
    });
    console.log(`pydicom: ${(MB / out.medianSeconds).toFixed(1)} MB/s`);
  } catch (err) {
    console.log(`pydicom comparison skipped: ${err.message.split('\n')[0]}`);
  }
}

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'io-dicom.json'), JSON.stringify({ area: 'io-dicom', date: new Date().toISOString(), quick, figures }, null, 2) + '\n');
