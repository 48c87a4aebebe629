#!/usr/bin/env node
// Folds the real-data figures of scripts/eval/results/<id>.json into models.manifest.json's
// entry metrics (only where the entry's model file sha256 is the one they were measured with),
// leaving everything else in the manifest untouched. scripts/models/merge-entries.mjs does the
// same during a full merge; this is the step to run after an evaluation alone:
//   node scripts/eval/apply-results.mjs
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ROOT } from './eval-common.mjs';

const manifestUrl = new URL('models.manifest.json', ROOT);
const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8'));
const dir = new URL('scripts/eval/results/', ROOT);
let failed = false;
for (const f of readdirSync(dir)
  .filter((n) => n.endsWith('.json'))
  .sort()) {
  const r = JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
  const entry = manifest.models[r.model];
  if (entry === undefined) throw new Error(`${f}: no model '${r.model}' in the manifest`);
  const sha = entry.files.find((x) => x.role === 'model')?.sha256;
  if (sha !== r.modelSha256) {
    console.error(`${r.model}: results were measured on model sha256 ${r.modelSha256}, the manifest has ${sha}; rerun the evaluation`);
    failed = true;
    continue;
  }
  entry.metrics = { ...(entry.metrics ?? {}) };
  for (const ev of Object.values(r.evaluations)) Object.assign(entry.metrics, ev.metrics);
  console.log(`${r.model}: ${Object.keys(r.evaluations).join(', ')}`);
}
writeFileSync(manifestUrl, JSON.stringify(manifest, null, 2) + '\n');
if (failed) process.exitCode = 1;
