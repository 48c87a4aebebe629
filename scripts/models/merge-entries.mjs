#!/usr/bin/env node
// Merges the bundled-model entries written by the training scripts (scripts/models/entries/*.json)
// into models.manifest.json, in the manifest's own format, and adds the phantom dataset entries.
// Re-run after retraining a model: `node scripts/models/merge-entries.mjs` (then `npm test`).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url);
const manifestUrl = new URL('models.manifest.json', root);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
const entriesDir = new URL('scripts/models/entries/', root);

const PHANTOMS = {
  'phantom-cxr': ['Chest radiograph phantoms (lungs, heart, ribs; nodule, effusion, cardiomegaly, consolidation, pneumothorax)', ['classification', 'detection'], 'CR/DX 2D (synthetic)', 'generateChestRadiograph (src/phantoms/chest-radiograph.ts)'],
  'phantom-chest-ct': ['Chest CT phantoms with lung nodules of 4-30 mm (LUNA16-style annotations)', ['detection'], 'CT 3D (synthetic)', 'src/phantoms (chest CT generator)'],
  'phantom-brain-mri': ['Brain MRI phantoms, T1 / T1ce / T2 / FLAIR with a glioma (BraTS labels 0/1/2/4)', ['segmentation'], 'MR 3D multi-modal (synthetic)', 'generateBrainMri (src/phantoms/brain-mri.ts)'],
  'phantom-lung-4dct': ['Inhale / exhale lung CT phantom pairs with a known smooth deformation and 300 landmark pairs (DIR-Lab format)', ['registration'], 'CT 3D (synthetic)', 'src/phantoms (lung 4DCT generator)'],
  'phantom-reports': ['Radiology report phantoms with positive, negated and uncertain mentions of the 14 CheXpert observations', ['report-text'], 'text (synthetic)', 'src/phantoms/report-text.ts'],
};

function datasetEntry([name, tasks, modality, generator]) {
  return { name, tasks, modality, year: 2026, acquisition: { kind: 'generated', generator, terms: 'generated on demand from a seed; no patient data' }, licence: 'MIT (generator code)', notes: 'deterministic phantoms made by this SDK for its demonstration models and end-to-end tests' };
}

function vocabTokenizer(entry) {
  const vocab = entry.files.find((f) => f.role === 'vocab');
  const v = JSON.parse(readFileSync(new URL(vocab.path, root), 'utf8'));
  const classes = entry.io.outputs[0].channels;
  return {
    lowercase: v.tokenizer?.lowercase ?? true,
    split: v.tokenizer?.pattern === '[a-z0-9]+|[^\\sa-z0-9]' ? 'ascii-words-and-punctuation' : 'words-and-punctuation',
    maxLength: v.maxLength,
    padding: 'post',
    padToken: v.tokens[v.padId],
    unknownToken: v.tokens[v.unkId],
    inputDtype: entry.io.inputs[0].dtype,
    ...(classes ? { classes } : {}),
  };
}

function toManifestEntry(e) {
  const { id, source, title, ...rest } = e;
  const out = {
    title: title ?? `${e.architecture.split('(')[0].trim()} (phantom-trained demo)`,
    ...rest,
    // Entries from older training scripts carry `source`; newer ones already have `weights`.
    weights: e.weights ?? { kind: 'bundled', trainScript: source?.script, licence: 'MIT' },
  };
  if (e.task === 'report-text' && !e.tokenizer) out.tokenizer = vocabTokenizer(e);
  return out;
}

// *-datasets.json: dataset entries (phantom generators, brainchop's training data).
const isDatasets = (f) => f.endsWith('-datasets.json');
const files = readdirSync(entriesDir).filter((f) => f.endsWith('.json') && !isDatasets(f)).sort();
// Dataset entries the scripts wrote (generator, sizes, notes) win over the defaults above.
for (const f of readdirSync(entriesDir).filter(isDatasets).sort()) {
  for (const [id, d] of Object.entries(JSON.parse(readFileSync(new URL(f, entriesDir), 'utf8')))) manifest.datasets[id] = d;
}
for (const f of files) {
  const e = JSON.parse(readFileSync(new URL(f, entriesDir), 'utf8'));
  manifest.models[e.id] = toManifestEntry(e);
  for (const d of e.datasets) if (!manifest.datasets[d] && PHANTOMS[d]) manifest.datasets[d] = datasetEntry(PHANTOMS[d]);
}
writeFileSync(manifestUrl, JSON.stringify(manifest, null, 2) + '\n');
console.log(`merged ${files.length} bundled model entries into models.manifest.json`);
