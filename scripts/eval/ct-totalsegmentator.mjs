#!/usr/bin/env node
// The bundled phantom-trained CT models on real CT: TotalSegmentator's test scans
// (wasserth/TotalSegmentator tests/reference_files, Apache-2.0).
// Development time only (needs the mirror from the search tool's `fetch`, or --dir, and dist/):
//   npx tsc -p tsconfig.json && node scripts/eval/ct-totalsegmentator.mjs [--write] [--dir DIR]
// DIR (default: extracted from /work/.mirror/wasserth+TotalSegmentator/repo) must hold
// example_ct.nii.gz, example_ct_sm.nii.gz, example_seg.nii.gz and example_ct_dicom/.
//
// Nodule detector (medinfer-nodule-det3d-phantom): none of these scans has a nodule annotated
// (TotalSegmentator labels organs), so every detection is counted as a false positive - at the
// entry's own threshold (0.05, with its cap of 100 detections per scan) and at higher score
// cut-offs. A real nodule in these scans would make the counts overstate false positives; none
// is labelled and none was checked by a reader.
// Registration (medinfer-lung-voxelmorph-phantom): (a) a scan registered to itself, where the
// right answer is zero displacement; (b) a known smooth deformation u* of the organ-labelled scan
// (fixed = scan warped by u*, moving = scan), where the right answer is u*: endpoint error and
// Dice of the 41 organ labels before and after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIRRORS, ROOT, gitExtract, gitHead, modelFileSha, parseArgs, today, writeResults } from './eval-common.mjs';

const DET = 'medinfer-nodule-det3d-phantom';
const REG = 'medinfer-lung-voxelmorph-phantom';
const MIRROR = `${MIRRORS}/wasserth+TotalSegmentator/repo`;
const CUTOFFS = [0.1, 0.2, 0.3, 0.5];

const args = parseArgs(process.argv.slice(2));
const sdk = await import(new URL('dist/node.js', ROOT).href);

let dir = args.dir;
let tmp;
let source = dir;
if (dir === undefined) {
  tmp = mkdtempSync(join(tmpdir(), 'medinfer-totalseg-'));
  gitExtract(MIRROR, 'tests/reference_files/example_ct_dicom', tmp);
  for (const f of ['example_ct.nii.gz', 'example_ct_sm.nii.gz', 'example_seg.nii.gz']) gitExtract(MIRROR, `tests/reference_files/${f}`, tmp);
  dir = join(tmp, 'tests', 'reference_files');
  source = `wasserth/TotalSegmentator@${gitHead(MIRROR)} tests/reference_files/`;
}
const manifest = await sdk.readManifestFile();
const base = {
  dataset: 'TotalSegmentator test scans (not in the dataset catalogue)',
  source,
  date: today(),
  medinferCommit: gitHead(),
  script: 'scripts/eval/ct-totalsegmentator.mjs',
};

// --- detection -------------------------------------------------------------------------------
const scans = [
  { name: 'example_ct.nii.gz', path: join(dir, 'example_ct.nii.gz'), what: 'NIfTI 122 x 101 x 112 at 3 mm (thorax and abdomen)' },
  { name: 'example_ct_dicom', path: join(dir, 'example_ct_dicom'), what: 'DICOM series 512 x 512 x 20, 0.98 x 0.98 x 2 mm' },
];
const det = await sdk.createPipeline('detection', DET, { manifest, provider: 'cpu' });
const perScan = [];
for (const s of scans) {
  const r = await det.run(s.path);
  const scores = r.detections.map((d) => d.score);
  const counts = Object.fromEntries(CUTOFFS.map((c) => [String(c), scores.filter((x) => x >= c).length]));
  perScan.push({ scan: s.name, what: s.what, detections: scores.length, maxScore: Number(Math.max(0, ...scores).toFixed(4)), atOrAbove: counts });
}
await det.dispose();
const detEntry = manifest.models[DET];
const threshold = detEntry.postprocess.find((p) => p.op === 'nms')?.scoreThreshold;
const cap = detEntry.postprocess.find((p) => p.op === 'nms')?.maxDetections;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const detOn = {
  ...base,
  count: scans.length,
  scans: perScan.map((p) => p.scan),
  note: 'no nodule is annotated in these scans: every detection is counted as a false positive',
};
const detMetrics = {
  realCtFalsePositivesPerScan: { value: mean(perScan.map((p) => p.detections)), measuredOn: { ...detOn, threshold, cap } },
};
for (const c of CUTOFFS)
  detMetrics[`realCtFalsePositivesPerScanAtScore${c}`] = { value: mean(perScan.map((p) => p.atOrAbove[String(c)])), measuredOn: { ...detOn, threshold: c } };
detMetrics.realCtMaxFalsePositiveScore = { value: Math.max(...perScan.map((p) => p.maxScore)), measuredOn: detOn };

// --- registration ----------------------------------------------------------------------------
const reg = await sdk.createPipeline('registration', REG, { manifest, provider: 'cpu' });
function fieldStats(field, mask, reference) {
  let sum = 0;
  let n = 0;
  let max = 0;
  const d = field.data;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    const e = Math.hypot(
      d[3 * p] - (reference ? reference[3 * p] : 0),
      d[3 * p + 1] - (reference ? reference[3 * p + 1] : 0),
      d[3 * p + 2] - (reference ? reference[3 * p + 2] : 0),
    );
    sum += e;
    max = Math.max(max, e);
    n++;
  }
  return { mean: sum / n, max };
}
const bodyMask = (v) => Uint8Array.from(v.data, (x) => (x > -500 ? 1 : 0));

const self = [];
for (const s of [{ name: 'example_ct_sm.nii.gz', path: join(dir, 'example_ct_sm.nii.gz') }, scans[1]]) {
  const vol = await sdk.loadNodeVolume(s.path);
  const r = await reg.run({ fixed: vol, moving: vol });
  const st = fieldStats(r.displacement, bodyMask(vol));
  self.push({ scan: s.name, meanDisplacementMm: Number(st.mean.toFixed(3)), maxDisplacementMm: Number(st.max.toFixed(2)), foldingPercent: r.foldingPercent });
}

// Known smooth deformation (LPS mm, up to 5 mm; zero on the volume's faces).
const ct = await sdk.loadNodeVolume(join(dir, 'example_ct_sm.nii.gz'));
const seg = await sdk.loadNodeVolume(join(dir, 'example_seg.nii.gz'));
const [ni, nj, nk] = ct.geometry.size;
const truth = new Float32Array(3 * ni * nj * nk);
for (let k = 0, p = 0; k < nk; k++)
  for (let j = 0; j < nj; j++)
    for (let i = 0; i < ni; i++, p++) {
      const si = Math.sin((Math.PI * i) / (ni - 1));
      const sj = Math.sin((Math.PI * j) / (nj - 1));
      const sk = Math.sin((Math.PI * k) / (nk - 1));
      truth[3 * p] = 5 * sj * sk;
      truth[3 * p + 1] = -5 * si * sk;
      truth[3 * p + 2] = 2.5 * si * sj;
    }
const truthField = sdk.createVolume({ geometry: ct.geometry, data: truth, components: 3, meta: { displacementUnits: 'mm' } });
const fixed = sdk.warpVolume(ct, truthField, { units: 'mm', interpolation: 'linear', padding: 'border' });
const fixedLabels = sdk.warpVolume(seg, truthField, { units: 'mm', interpolation: 'nearest', padding: 'zeros' });
const known = await reg.run({ fixed, moving: ct, movingLabels: seg });
const body = bodyMask(fixed);
const labels = [...new Set(seg.data)].filter((l) => l !== 0).sort((a, b) => a - b);
const meanDice = (a, b) => mean(sdk.computeDice(a.data, b.data, { labels }).map((d) => d.dice));
const knownResult = {
  labels: labels.length,
  trueDisplacementMeanMm: Number(fieldStats(truthField, body).mean.toFixed(3)),
  endpointErrorMeanMm: Number(fieldStats(known.displacement, body, truth).mean.toFixed(3)),
  diceBefore: Number(meanDice(seg, fixedLabels).toFixed(4)),
  diceAfter: Number(meanDice(known.warpedLabels, fixedLabels).toFixed(4)),
  foldingPercent: known.foldingPercent,
};
await reg.dispose();
const regOn = { ...base, scans: self.map((s) => s.scan) };
const knownOn = {
  ...base,
  scan: 'example_ct_sm.nii.gz + example_seg.nii.gz',
  deformation:
    'u = (5 sin(pi j) sin(pi k), -5 sin(pi i) sin(pi k), 2.5 sin(pi i) sin(pi j)) mm (LPS), fixed = scan warped by u, moving = scan; body = HU > -500',
};
const regMetrics = {
  realCtSelfRegistrationMeanDisplacementMm: {
    value: Number(mean(self.map((s) => s.meanDisplacementMm)).toFixed(3)),
    measuredOn: { ...regOn, count: self.length, note: 'scan registered to itself; the right answer is 0 mm (body voxels, HU > -500)' },
  },
  realCtKnownDeformationTrueMeanMm: { value: knownResult.trueDisplacementMeanMm, measuredOn: knownOn },
  realCtKnownDeformationEndpointErrorMm: { value: knownResult.endpointErrorMeanMm, measuredOn: knownOn },
  realCtKnownDeformationDiceBefore: { value: knownResult.diceBefore, measuredOn: { ...knownOn, labels: labels.length } },
  realCtKnownDeformationDiceAfter: { value: knownResult.diceAfter, measuredOn: { ...knownOn, labels: labels.length } },
};
if (tmp) rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ detection: { threshold, cap, perScan }, registration: { self, known: knownResult } }, null, 2));
if (args.write) {
  console.log(`wrote ${writeResults(DET, modelFileSha(manifest, DET).sha256, 'totalsegmentator-ct-false-positives', detMetrics, { ...base, perScan })}`);
  console.log(`wrote ${writeResults(REG, modelFileSha(manifest, REG).sha256, 'totalsegmentator-ct', regMetrics, { ...base, self, known: knownResult })}`);
}
