/**
 * Why the SDK parses DICOM and NIfTI itself (README, "Package entry points"): the same job done
 * with the registry's usual parsers, in the same run, sides alternating (not a test).
 *   - DICOM: 512x512xNZ int16 CT series (bench/lib/ct-series.mjs), bytes already in memory ->
 *     one HU volume. medinfer: readDicomSeries. Baseline: dicom-parser (cornerstone's parser)
 *     parseDicom per file + the least a caller must add to get a volume: sort by
 *     ImagePositionPatient along the slice normal, copy each slice's pixels, apply
 *     RescaleSlope / Intercept into an int16 volume (no geometry checks, no value-range pass).
 *   - NIfTI: 256x256x180 int16 .nii.gz -> header + voxels. medinfer: readNiftiSync. Baseline:
 *     nifti-reader-js decompress + readHeader + readImage + a typed view (zero copy where aligned).
 *   npm run build && node bench/parsers.mjs [--quick]
 * Ratio = baseline ms / medinfer ms (> 1: medinfer faster). Writes bench/results/parsers.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dicomParser from 'dicom-parser';
import * as niftiReader from 'nifti-reader-js';
import { createVolume, readDicomSeries, readNiftiSync, writeNifti } from '../dist/index.js';
import { ctSeriesFolder } from './lib/ct-series.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 7;
const NZ = quick ? 60 : 300;
const here = fileURLToPath(new URL('.', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
const timeAsync = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

// ---- DICOM ----
const dir = ctSeriesFolder(NZ, 512, 512);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.dcm'))
  .sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, name))) }));

function dicomParserVolume() {
  const slices = files.map((f) => {
    const ds = dicomParser.parseDicom(f.bytes);
    const iop = ds.string('x00200037').split('\\').map(Number);
    const ipp = ds.string('x00200032').split('\\').map(Number);
    const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
    const px = ds.elements.x7fe00010;
    return { ds, px, position: ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2] };
  });
  slices.sort((a, b) => a.position - b.position);
  const rows = slices[0].ds.uint16('x00280010');
  const cols = slices[0].ds.uint16('x00280011');
  const n = rows * cols;
  const out = new Int16Array(n * slices.length);
  slices.forEach((s, k) => {
    const slope = s.ds.floatString('x00281053') ?? 1;
    const intercept = s.ds.floatString('x00281052') ?? 0;
    const bytes = s.ds.byteArray;
    const view = new DataView(bytes.buffer, bytes.byteOffset + s.px.dataOffset, n * 2);
    for (let p = 0; p < n; p++) out[k * n + p] = view.getInt16(2 * p, true) * slope + intercept;
  });
  return out;
}

// ---- NIfTI ----
const [NX, NY, NK] = [256, 256, 180];
const data = new Int16Array(NX * NY * NK);
for (let p = 0, s = 12345; p < data.length; p++) {
  s = (s * 1103515245 + 12345) >>> 0;
  data[p] = ((p % NX) - 128) ** 2 < 100 * 100 ? 800 + (s >>> 24) : 0;
}
const niiGz = writeNifti(createVolume({ geometry: { size: [NX, NY, NK], spacing: [1, 1, 1] }, type: 'int16', data }), { gzip: true });

function niftiReaderVolume() {
  const buffer = niftiReader.decompress(niiGz.buffer.slice(niiGz.byteOffset, niiGz.byteOffset + niiGz.byteLength));
  const header = niftiReader.readHeader(buffer);
  const image = niftiReader.readImage(header, buffer);
  return new Int16Array(image);
}

// ---- check both sides agree before timing ----
const ours = await readDicomSeries(files);
const theirs = dicomParserVolume();
if (ours.data.length !== theirs.length || ours.data.some((v, p) => v !== theirs[p])) throw new Error('dicom-parser baseline disagrees with readDicomSeries');
const oursNii = readNiftiSync(niiGz);
const theirsNii = niftiReaderVolume();
if (oursNii.data.some((v, p) => v !== theirsNii[p])) throw new Error('nifti-reader-js baseline disagrees with readNiftiSync');

const figures = [];
async function pair(name, oursFn, baseline, baseFn) {
  const a = [],
    b = [];
  await oursFn();
  await baseFn();
  for (let r = 0; r < RUNS; r++) {
    // Alternate which side goes first: the second run of a pair meets a warmer heap.
    if (r % 2 === 0) {
      a.push(await timeAsync(oursFn));
      b.push(await timeAsync(baseFn));
    } else {
      b.push(await timeAsync(baseFn));
      a.push(await timeAsync(oursFn));
    }
  }
  const m = median(a),
    mb = median(b);
  figures.push({ name, unit: 'ms', median: +m.toFixed(1), baseline, baselineMedian: +mb.toFixed(1), ratio: +(mb / m).toFixed(3), runs: RUNS });
  console.log(`${name}: ${m.toFixed(1)} ms | ${baseline}: ${mb.toFixed(1)} ms | baseline/medinfer ${(mb / m).toFixed(2)}`);
}

await pair(
  `readDicomSeries 512x512x${NZ} int16 CT, bytes in memory -> HU volume`,
  () => readDicomSeries(files),
  'dicom-parser parseDicom + sort + rescale into a volume',
  () => time(dicomParserVolume),
);
await pair(
  `readNiftiSync ${NX}x${NY}x${NK} int16 .nii.gz -> Volume`,
  () => readNiftiSync(niiGz),
  'nifti-reader-js decompress + readHeader + readImage',
  () => time(niftiReaderVolume),
);

mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'parsers.json'),
  JSON.stringify({ area: 'parsers', date: new Date().toISOString(), quick, load: loadavg()[0], figures }, null, 2) + '\n',
);
