#!/usr/bin/env node
// Domain gap of the bundled phantom-trained chest radiograph classifier on real radiographs:
// per-label ROC AUC on the 621 NIH ChestX-ray14 images of jrzech/reproduce-chexnet
// `starter_images/` against NIH's labels (torchxrayvision `data/Data_Entry_2017_v2020.csv.gz`).
// Development time only (needs the mirrors or local copies, and dist/):
//   npx tsc -p tsconfig.json && node scripts/eval/cxr-nih-auc.mjs [--write]
//     [--images DIR] [--labels Data_Entry_2017_v2020.csv.gz]
// Defaults read the bare mirrors that the search tool's `fetch` leaves in /work/.mirror
// (github:jrzech/reproduce-chexnet, github:mlmed/torchxrayvision).
// Two runs: 'as declared' feeds the images exactly as the manifest entry says (xrvNormalize
// maxval 4095, the phantoms' 12-bit scale; these PNGs are 8-bit, so they fill 1/16 of that
// range), and 'maxval 255' rescales 8-bit pixels to the model's input range as torchxrayvision
// does for these PNGs (NIH_Dataset: maxval=255). Only the first is what the entry does; the
// second shows how much of the gap is bit depth. With --write both go to
// scripts/eval/results/<model>.json (merged into the manifest by scripts/models/merge-entries.mjs).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MIRRORS, ROOT, gitExtract, gitHead, gitShow, modelFileSha, parseArgs, today, writeResults } from './eval-common.mjs';

const MODEL = 'medinfer-cxr-densenet-phantom';
const CHEXNET = `${MIRRORS}/jrzech+reproduce-chexnet/repo`;
const XRV = `${MIRRORS}/mlmed+torchxrayvision/repo`;

const args = parseArgs(process.argv.slice(2));
const sdk = await import(new URL('dist/node.js', ROOT).href);

function readLabels(csvGz) {
  const text = gunzipSync(csvGz).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const idx = header.indexOf('Image Index');
  const lab = header.indexOf('Finding Labels');
  const map = new Map();
  for (const line of lines.slice(1)) {
    const cols = line.split(',');
    map.set(cols[idx], new Set(cols[lab].split('|')));
  }
  return map;
}

let imageDir = args.images;
let tmp;
const sources = {};
if (imageDir === undefined) {
  tmp = mkdtempSync(join(tmpdir(), 'medinfer-nih-'));
  gitExtract(CHEXNET, 'starter_images', tmp);
  imageDir = join(tmp, 'starter_images');
  sources.images = `jrzech/reproduce-chexnet@${gitHead(CHEXNET)} starter_images/`;
} else sources.images = imageDir;
const labelsGz = args.labels ? readFileSync(args.labels) : gitShow(XRV, 'torchxrayvision/data/Data_Entry_2017_v2020.csv.gz');
sources.labels = args.labels ?? `mlmed/torchxrayvision@${gitHead(XRV)} torchxrayvision/data/Data_Entry_2017_v2020.csv.gz`;
const labels = readLabels(labelsGz);

const files = readdirSync(imageDir)
  .filter((f) => f.endsWith('.png'))
  .sort();
const missing = files.filter((f) => !labels.has(f));
if (missing.length > 0) throw new Error(`${missing.length} images have no NIH label row (first: ${missing[0]})`);

const manifest = await sdk.readManifestFile();
const entry = manifest.models[MODEL];
const model = modelFileSha(manifest, MODEL);
if (model.actual !== model.sha256) throw new Error(`${model.path}: sha256 differs from the manifest`);

const variants = {
  asDeclared: { ...entry, id: MODEL },
  maxval255: { ...entry, id: MODEL, preprocess: entry.preprocess.map((s) => (s.op === 'xrvNormalize' ? { ...s, maxval: 255 } : s)) },
};

async function score(entryForRun) {
  const pipe = await sdk.createPipeline('classification', entryForRun, { manifest, provider: 'cpu' });
  const scores = [];
  let names;
  for (let start = 0; start < files.length; start += 32) {
    const batch = files.slice(start, start + 32).map((f) => join(imageDir, f));
    const results = await pipe.runBatch(batch);
    for (const r of results) {
      names ??= r.labels.map((l) => l.name);
      scores.push(r.labels.map((l) => l.score));
    }
  }
  await pipe.dispose();
  return { names, scores };
}

const measuredOnBase = {
  dataset: 'nih-chestxray14',
  subset: 'reproduce-chexnet starter_images: NIH test-split images enriched for positive findings',
  count: files.length,
  date: today(),
  medinferCommit: gitHead(),
  script: 'scripts/eval/cxr-nih-auc.mjs',
  images: sources.images,
  labelSource: sources.labels,
};
const metrics = {};
const report = {};
for (const [variant, e] of Object.entries(variants)) {
  const { names, scores } = await score(e);
  report[variant] = {};
  const aucs = [];
  names.forEach((name, k) => {
    const truth = files.map((f) => (labels.get(f).has(name) ? 1 : 0));
    const positives = truth.reduce((a, b) => a + b, 0);
    const auc = sdk.computeRocAuc(
      truth,
      scores.map((s) => s[k]),
    );
    aucs.push(auc);
    report[variant][name] = { auc: Number(auc.toFixed(4)), positives, negatives: files.length - positives };
    const preprocess =
      variant === 'asDeclared' ? 'as declared in the entry (xrvNormalize maxval 4095 on 8-bit PNGs)' : 'entry with xrvNormalize maxval 255 (8-bit scale)';
    metrics[`nih${variant === 'asDeclared' ? '' : 'Maxval255'}Auc${name}`] = {
      value: Number(auc.toFixed(4)),
      measuredOn: { ...measuredOnBase, positives, negatives: files.length - positives, preprocess },
    };
  });
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  report[variant].mean = Number(mean.toFixed(4));
  metrics[`nih${variant === 'asDeclared' ? '' : 'Maxval255'}MeanAuc`] = {
    value: Number(mean.toFixed(4)),
    measuredOn: { ...measuredOnBase, labelCount: names.length },
  };
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ model: MODEL, count: files.length, ...report }, null, 2));
if (args.write) console.log(`wrote ${writeResults(MODEL, model.sha256, 'nih-chestxray14-auc', metrics, { ...measuredOnBase, perLabel: report })}`);
