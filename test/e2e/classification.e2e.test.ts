/**
 * End to end through the SDK with the bundled chest-radiograph classifier on the held-out
 * phantoms the manifest's metric was measured on (same generator, seed and count): mean AUC
 * reproduced within 0.02.
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { caseSeed, generateChestRadiograph } from '../../src/phantoms.js';
import { computeRocAuc } from '../../src/ops.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = 'medinfer-cxr-densenet-phantom';

describe('bundled classification model, end to end', () => {
  it('reproduces the manifest mean AUC on the held-out phantom radiographs within 0.02', async () => {
    const manifest = await readManifestFile();
    const metric = getModelEntry(manifest, MODEL).metrics!['meanAuc']!;
    const { seed, count } = metric.measuredOn as { seed: number; count: number };
    const pipe = await createPipeline('classification', MODEL, { manifest, provider: 'cpu' });
    const truth: Record<string, number>[] = [];
    const scores: number[][] = [];
    // Generated and scored in chunks so memory stays small.
    for (let start = 0; start < count; start += 50) {
      const cases = Array.from({ length: Math.min(50, count - start) }, (_, i) => generateChestRadiograph({ seed: caseSeed(seed, start + i) }));
      const results = await pipe.runBatch(cases.map((c) => c.image));
      cases.forEach((c, i) => {
        truth.push(c.truth.labels);
        scores.push(results[i]!.labels.map((l) => l.score));
      });
    }
    const names = (await pipe.runBatch([generateChestRadiograph({ seed: 1 }).image]))[0]!.labels.map((l) => l.name);
    await pipe.dispose();
    const aucs = names.map((name, k) =>
      computeRocAuc(
        truth.map((t) => t[name]!),
        scores.map((s) => s[k]!),
      ),
    );
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    expect(Math.abs(mean - metric.value)).toBeLessThanOrEqual(0.02);
    expect(mean).toBeGreaterThanOrEqual(0.95);
  });
});
