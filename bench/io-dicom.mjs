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
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDicomSeries } from '../dist/index.js';
import { readDicomDirectory } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const [NX, NY, NZ] = [512, 512, quick ? 60 : 300];
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(tmpdir(), `medinfer-bench-dicom-${NX}x${NY}x${NZ}`);

// --- minimal explicit VR little endian writer (enough for a CT image) ---
function element(group, elem, vr, value) {
  let body;
  if (typeof value === 'string') {
    const s = value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' ');
    body = Buffer.from(s, 'latin1');
  } else body = value;
  const long = ['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(body.length, 8);
  else head.writeUInt16LE(body.length, 6);
  return Buffer.concat([head, body]);
}
const us = (v) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };

function writeSlice(path, k, pixels) {
  const sop = `1.2.826.0.1.3680043.10.1234.9.${k + 1}`;
  const meta = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element(0x0002, 0x0003, 'UI', sop),
    element(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length);
  const ds = Buffer.concat([
    element(0x0008, 0x0016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element(0x0008, 0x0018, 'UI', sop),
    element(0x0008, 0x0060, 'CS', 'CT'),
    element(0x0020, 0x000d, 'UI', '1.2.826.0.1.3680043.10.1234.9'),
    element(0x0020, 0x000e, 'UI', '1.2.826.0.1.3680043.10.1234.9.0'),
    element(0x0020, 0x0013, 'IS', String(k + 1)),
    element(0x0020, 0x0032, 'DS', `-250\\-250\\${(k * 1.25 - 200).toFixed(2)}`),
    element(0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(NY)),
    element(0x0028, 0x0011, 'US', us(NX)),
    element(0x0028, 0x0030, 'DS', '0.9765625\\0.9765625'),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(16)),
    element(0x0028, 0x0102, 'US', us(15)),
    element(0x0028, 0x0103, 'US', us(1)),
    element(0x0028, 0x1052, 'DS', '-1024'),
    element(0x0028, 0x1053, 'DS', '1'),
    element(0x7fe0, 0x0010, 'OW', Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)),
  ]);
  writeFileSync(path, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), element(0x0002, 0x0000, 'UL', groupLength), meta, ds]));
}

function generate() {
  if (existsSync(join(dir, 'done'))) return;
  mkdirSync(dir, { recursive: true });
  const pixels = new Int16Array(NX * NY);
  let seed = 777;
  // File names are a fixed permutation of slice order, so the reader really has to sort.
  const order = Array.from({ length: NZ }, (_, k) => k);
  for (let i = NZ - 1; i > 0; i--) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; const j = seed % (i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  for (let k = 0; k < NZ; k++) {
    for (let j = 0, n = 0; j < NY; j++) {
      for (let i = 0; i < NX; i++, n++) {
        const x = (i - 256) / 220, y = (j - 256) / 180, z = (k - NZ / 2) / (NZ / 2);
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        pixels[n] = (x * x + y * y + z * z < 1 ? 1064 + Math.round(200 * Math.cos(3 * x) * Math.sin(2 * y + z)) : 24) + ((seed >> 16) % 21);
      }
    }
    writeSlice(join(dir, `slice-${String(order[k]).padStart(4, '0')}.dcm`), k, pixels);
  }
  writeFileSync(join(dir, 'done'), '');
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
async function time(fn) { const t = performance.now(); await fn(); return performance.now() - t; }

generate();
const names = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort();
const totalBytes = names.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const MB = totalBytes / 1e6;
console.log(`series ${NX}x${NY}x${NZ} int16: ${names.length} files, ${MB.toFixed(1)} MB in ${dir}`);

const readAll = async () => Promise.all(names.map((f) => readFile(join(dir, f))));
const files = (await readAll()).map((b, idx) => ({ name: names[idx], bytes: new Uint8Array(b) }));
const check = await readDicomSeries(files);
if (check.geometry.size[2] !== NZ || check.type !== 'int16' || Math.abs(check.geometry.spacing[2] - 1.25) > 1e-9) throw new Error('bench series read wrong');

const figures = [];
async function figure(name, fn, baseline, baselineFn) {
  const ours = [], base = [];
  await fn(); await baselineFn(); // warm-up (codec-free here, but JIT and page cache)
  for (let r = 0; r < RUNS; r++) { base.push(await time(baselineFn)); ours.push(await time(fn)); }
  const m = MB / (median(ours) / 1000), b = MB / (median(base) / 1000);
  figures.push({ name, unit: 'MB/s', median: +m.toFixed(1), baseline, baselineMedian: +b.toFixed(1), ratio: +(m / b).toFixed(3) });
  console.log(`${name}: ${m.toFixed(1)} MB/s (${median(ours).toFixed(0)} ms) | ${baseline}: ${b.toFixed(1)} MB/s (${median(base).toFixed(0)} ms)`);
}

await figure(`readDicomDirectory ${NX}x${NY}x${NZ} int16 (disk -> Volume, HU)`, async () => {
  const { series, errors } = await readDicomDirectory(dir);
  if (series.length !== 1 || errors.length !== 0) throw new Error('unexpected directory result');
}, 'read the same files bytes only (fs.promises.readFile)', readAll);

await figure(`readDicomSeries ${NX}x${NY}x${NZ} int16 (bytes in memory -> Volume, HU)`, async () => {
  await readDicomSeries(files);
}, 'copy the same bytes (Uint8Array.slice per file)', async () => { for (const f of files) f.bytes.slice(); });

const py = join(here, 'python', 'io-dicom.py');
if (existsSync('/usr/bin/python3')) {
  try {
    const out = JSON.parse(execFileSync('/usr/bin/python3', [py, dir, String(RUNS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const ours = figures[0];
    figures.push({ name: `pydicom ${out.pydicom} reading the same series (dcmread + pixel_array + apply_modality_lut + stack)`, unit: 'MB/s', median: ours.median, baseline: 'pydicom (same files, same run)', baselineMedian: +(MB / out.medianSeconds).toFixed(1), ratio: +(ours.median / (MB / out.medianSeconds)).toFixed(3) });
    console.log(`pydicom: ${(MB / out.medianSeconds).toFixed(1)} MB/s`);
  } catch (err) {
    console.log(`pydicom comparison skipped: ${err.message.split('\n')[0]}`);
  }
}

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'io-dicom.json'), JSON.stringify({ area: 'io-dicom', date: new Date().toISOString(), quick, figures }, null, 2) + '\n');
