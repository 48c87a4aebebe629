#!/usr/bin/env node
// Merges the bundled-model entries written by the training scripts (scripts/models/entries/*.json)
// into models.manifest.json, in the manifest's own format, and adds the phantom dataset entries.
// Re-run after retraining a model: `node scripts/models/merge-entries.mjs` (then `npm test`).
// `--check` writes nothing and exits 1 when models.manifest.json differs from what the entries give
// (a test runs it, so an edit made only in the manifest is caught).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const manifestUrl = new URL('models.manifest.json', root);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
const entriesDir = new URL('scripts/models/entries/', root);

const PHANTOMS = {
  'phantom-cxr': [
    'Chest radiograph phantoms (lungs, heart, ribs; nodule, effusion, cardiomegaly, consolidation, pneumothorax)',
    ['classification', 'detection'],
    'CR/DX 2D (synthetic)',
    'generateChestRadiograph (src/phantoms/chest-radiograph.ts)',
  ],
  'phantom-chest-ct': [
    'Chest CT phantoms with lung nodules of 4-30 mm (LUNA16-style annotations)',
    ['detection'],
    'CT 3D (synthetic)',
    'src/phantoms (chest CT generator)',
  ],
  'phantom-brain-mri': [
    'Brain MRI phantoms, T1 / T1ce / T2 / FLAIR with a glioma (BraTS labels 0/1/2/4)',
    ['segmentation'],
    'MR 3D multi-modal (synthetic)',
    'generateBrainMri (src/phantoms/brain-mri.ts)',
  ],
  'phantom-lung-4dct': [
    'Inhale / exhale lung CT phantom pairs with a known smooth deformation and 300 landmark pairs (DIR-Lab format)',
    ['registration'],
    'CT 3D (synthetic)',
    'src/phantoms (lung 4DCT generator)',
  ],
  'phantom-reports': [
    'Radiology report phantoms with positive, negated and uncertain mentions of the 14 CheXpert observations',
    ['report-text'],
    'text (synthetic)',
    'src/phantoms/report-text.ts',
  ],
};

function datasetEntry([name, tasks, modality, generator]) {
  return {
    name,
    tasks,
    modality,
    year: 2026,
    acquisition: { kind: 'generated', generator, terms: 'generated on demand from a seed; no patient data' },
    licence: 'MIT (generator code)',
    notes: 'deterministic phantoms made by this SDK for its demonstration models and end-to-end tests',
  };
}

/** The manifest form of a training script's entry: the same object without its file-name id. */
function toManifestEntry(e) {
  const { id: _id, ...rest } = e;
  for (const field of ['title', 'weights']) if (!(field in rest)) throw new Error(`${e.id}: the training script's entry has no '${field}'`);
  if (e.task === 'report-text' && !rest.tokenizer) throw new Error(`${e.id}: a report-text entry needs its 'tokenizer' block`);
  return rest;
}

// *-datasets.json: dataset entries (phantom generators, brainchop's training data).
const isDatasets = (f) => f.endsWith('-datasets.json');
const files = readdirSync(entriesDir)
  .filter((f) => f.endsWith('.json') && !isDatasets(f))
  .sort();
// Dataset entries the scripts wrote (generator, sizes, notes) win over the defaults above.
for (const f of readdirSync(entriesDir).filter(isDatasets).sort()) {
  for (const [id, d] of Object.entries(JSON.parse(readFileSync(new URL(f, entriesDir), 'utf8')))) manifest.datasets[id] = d;
}
// Figures measured on real data by scripts/eval/*.mjs (scripts/eval/results/<id>.json) join an
// entry's metrics only while its model file is the one they were measured with.
const resultsDir = new URL('scripts/eval/results/', root);
const results = new Map();
try {
  for (const f of readdirSync(resultsDir).filter((n) => n.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(new URL(f, resultsDir), 'utf8'));
    results.set(r.model, r);
  }
} catch {
  // no evaluations yet
}

function withRealDataMetrics(out, id) {
  const r = results.get(id);
  if (r === undefined) return out;
  const sha = out.files.find((f) => f.role === 'model')?.sha256;
  if (sha !== r.modelSha256) {
    console.warn(`${id}: scripts/eval/results/${id}.json was measured on another model file (sha256 ${r.modelSha256.slice(0, 12)}...); rerun its evaluation`);
    return out;
  }
  const metrics = { ...(out.metrics ?? {}) };
  for (const ev of Object.values(r.evaluations)) Object.assign(metrics, ev.metrics);
  return { ...out, metrics };
}

for (const f of files) {
  const e = JSON.parse(readFileSync(new URL(f, entriesDir), 'utf8'));
  manifest.models[e.id] = withRealDataMetrics(toManifestEntry(e), e.id);
  for (const d of e.datasets) if (!manifest.datasets[d] && PHANTOMS[d]) manifest.datasets[d] = datasetEntry(PHANTOMS[d]);
}
const merged = JSON.stringify(manifest, null, 2) + '\n';
if (process.argv.includes('--check')) {
  const same = readFileSync(manifestUrl, 'utf8') === merged;
  console.log(
    same
      ? 'models.manifest.json agrees with scripts/models/entries/'
      : 'models.manifest.json differs from scripts/models/entries/: edit the entry file, then run node scripts/models/merge-entries.mjs',
  );
  process.exit(same ? 0 : 1);
}
writeFileSync(manifestUrl, merged);
console.log(`merged ${files.length} bundled model entries into models.manifest.json`);
