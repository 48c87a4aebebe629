/**
 * The bundled (phantom-trained) chest radiograph classifier on real NIH ChestX-ray14 radiographs
 * (test/fixtures/real/cxr, SOURCES.md there): 8-bit grey PNGs of 512 and 1024 pixels and an RGBA
 * one run through the classification pipeline. What is asserted is what can be checked on five
 * images: the pipeline runs, the scores are probabilities, an RGBA PNG is classified exactly as
 * its grey channel (alpha dropped, not averaged in), and the domain gap measured on 621 real
 * images (scripts/eval/cxr-nih-auc.mjs) is in the manifest entry and quoted unchanged in the
 * README - no claim about real radiographs that was not measured.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { runPreprocessPlan } from '../../src/ops.js';
import { readRaster } from '../../src/io/raster/node-raster.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = 'medinfer-cxr-densenet-phantom';
const DIR = fileURLToPath(new URL('../fixtures/real/cxr/', import.meta.url));
const IMAGES = ['00000001_000.png', '00027426_000.png', '00000100_000.png', '00019534_000.png', '00005318_000.png'];

describe('bundled classifier on real NIH radiographs', () => {
  it('runs on 8-bit grey and RGBA PNGs and returns one probability per label', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, MODEL);
    const pipe = await createPipeline('classification', MODEL, { manifest, provider: 'cpu' });
    const results = await pipe.runBatch(IMAGES.map((f) => DIR + f));
    for (const r of results) {
      expect(r.labels.map((l) => l.name)).toEqual(entry.labels);
      for (const l of r.labels) {
        expect(Number.isFinite(l.score)).toBe(true);
        expect(l.score).toBeGreaterThan(0);
        expect(l.score).toBeLessThan(1);
      }
      expect(r.provenance.modelId).toBe(MODEL);
    }
    // 00000100_000.png is RGBA with R = G = B: the grey channel alone must give the same scores.
    const rgba = await readRaster(DIR + '00000100_000.png');
    const grey = runPreprocessPlan(rgba, [{ op: 'greyscale', method: 'first' }]).volume;
    const [fromGrey] = await pipe.runBatch([grey]);
    await pipe.dispose();
    results[2]!.labels.forEach((l, k) => expect(Math.abs(l.score - fromGrey!.labels[k]!.score)).toBeLessThanOrEqual(1e-6));
  });

  it('the manifest carries the measured NIH AUCs and the README quotes them', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, MODEL);
    const metrics = entry.metrics!;
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    for (const label of [...entry.labels, 'mean']) {
      const key = label === 'mean' ? 'nihMeanAuc' : `nihAuc${label}`;
      const m = metrics[key];
      expect(m, key).toBeDefined();
      expect((m!.measuredOn as { count: number }).count).toBe(621);
      expect(m!.value).toBeGreaterThanOrEqual(0);
      expect(m!.value).toBeLessThanOrEqual(1);
      expect(readme, `README quotes ${key}`).toContain(m!.value.toFixed(3));
    }
  });
});
