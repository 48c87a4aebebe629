/**
 * The shipped models through the SDK's public pipelines (createPipeline), exactly as a user runs
 * them once their entries are in models.manifest.json: a temporary manifest holds this area's
 * entries (scripts/models/entries) and copies of the model files.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, readManifestFile } from '../../src/node.js';
import type { Manifest } from '../../src/index.js';
import { caseSeed, CHEXPERT_OBSERVATIONS, generateBrainMri, generateLungCtPair, generateReportText } from '../../src/phantoms/index.js';
import { loadEntry, ROOT } from './helpers.js';

const TEST_SEED = 9002;
const IDS = ['medinfer-report-textcnn-phantom', 'medinfer-brats-unet3d-phantom', 'medinfer-lung-voxelmorph-phantom'] as const;
const present = Object.fromEntries(IDS.map((id) => [id, loadEntry(id) !== undefined])) as Record<(typeof IDS)[number], boolean>;

let manifest: Manifest;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-bundled-'));
  const entriesDir = join(ROOT, 'scripts', 'models', 'entries');
  const models: Record<string, unknown> = {};
  for (const f of readdirSync(entriesDir).filter((n) => n.endsWith('.json') && !n.endsWith('-datasets.json'))) {
    const { id, ...entry } = JSON.parse(readFileSync(join(entriesDir, f), 'utf8')) as { id: string; files: { path: string }[] };
    if (loadEntry(id) === undefined) continue;
    for (const file of entry.files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      copyFileSync(join(ROOT, file.path), join(dir, file.path));
    }
    models[id] = entry;
  }
  const datasets = Object.assign(
    {},
    ...readdirSync(entriesDir)
      .filter((n) => n.endsWith('-datasets.json'))
      .map((n) => JSON.parse(readFileSync(join(entriesDir, n), 'utf8')) as unknown),
  );
  writeFileSync(join(dir, 'models.manifest.json'), JSON.stringify({ manifestVersion: 1, datasets, models }));
  manifest = await readManifestFile(join(dir, 'models.manifest.json'));
});

describe.skipIf(!present['medinfer-report-textcnn-phantom'])('report-text pipeline with the bundled labeler', () => {
  it('gives each observation the status the report states', async () => {
    const pipe = await createPipeline('report-text', 'medinfer-report-textcnn-phantom', { manifest, provider: 'cpu' });
    const reports = Array.from({ length: 40 }, (_, i) => generateReportText({ seed: caseSeed(TEST_SEED, i) }));
    const results = await pipe.runBatch(reports.map((r) => r.text));
    const names = { 1: 'positive', 0: 'negative', [-1]: 'uncertain' } as const;
    let right = 0;
    let mentioned = 0;
    results.forEach((res, i) => {
      CHEXPERT_OBSERVATIONS.forEach((o, k) => {
        const truth = reports[i]!.labels[k];
        if (truth === null || truth === undefined) return;
        mentioned++;
        if (res.observations.find((x) => x.name === o)?.status === names[truth]) right++;
      });
    });
    expect(right / mentioned).toBeGreaterThanOrEqual(0.9);
    await pipe.dispose();
  });
});

describe.skipIf(!present['medinfer-brats-unet3d-phantom'])('segmentation pipeline with the bundled 3D U-Net', () => {
  it('returns BraTS labels on the input grid matching the phantom truth', async () => {
    const pipe = await createPipeline('segmentation', 'medinfer-brats-unet3d-phantom', { manifest, provider: 'cpu' });
    const mri = generateBrainMri({ seed: caseSeed(TEST_SEED, 0) });
    const result = await pipe.run({ ...mri.images });
    expect(result.labels.geometry).toEqual(mri.labels.geometry);
    let inter = 0;
    let sum = 0;
    for (let p = 0; p < mri.labels.data.length; p++) {
      const a = result.labels.data[p]! > 0;
      const b = mri.labels.data[p]! > 0;
      if (a && b) inter++;
      sum += (a ? 1 : 0) + (b ? 1 : 0);
    }
    expect((2 * inter) / sum).toBeGreaterThanOrEqual(0.85);
    expect(new Set(result.labels.data)).toContain(4);
    await pipe.dispose();
  });
});

describe.skipIf(!present['medinfer-lung-voxelmorph-phantom'])('registration pipeline with the bundled VoxelMorph-style network', () => {
  it('reduces landmark TRE well below identity without folding', async () => {
    const pipe = await createPipeline('registration', 'medinfer-lung-voxelmorph-phantom', { manifest, provider: 'cpu' });
    // Two pairs: the relative gain is smaller on low-motion pairs (the residual is ~2-3 mm either way).
    let tre = 0;
    let identity = 0;
    for (let i = 0; i < 2; i++) {
      const pair = generateLungCtPair({ seed: caseSeed(TEST_SEED, i) });
      const result = await pipe.run({
        fixed: pair.exhale,
        moving: pair.inhale,
        landmarks: { fixed: pair.landmarksExhale.flat(), moving: pair.landmarksInhale.flat() },
      });
      expect(result.tre!.identityMeanMm).toBeGreaterThan(3);
      expect(result.foldingPercent).toBeLessThan(1);
      tre += result.tre!.meanMm;
      identity += result.tre!.identityMeanMm;
    }
    expect(tre / identity).toBeLessThan(0.6);
    await pipe.dispose();
  });
});
