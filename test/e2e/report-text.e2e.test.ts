/**
 * End to end through the SDK with the bundled report-text CNN on held-out phantom reports
 * (the generator, seed and count the manifest states): macro-F1 reproduced within 0.02.
 */
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { caseSeed, generateReportText } from '../../src/phantoms.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const MODEL = 'medinfer-report-textcnn-phantom';
const STATUS_CODE: Record<string, number> = { positive: 1, negative: 0, uncertain: -1 };

/** Macro-F1 over (observation, status) pairs present in the truth (blank = not mentioned excluded). */
function macroF1(truth: (number | null)[][], predicted: (number | null)[][], observations: number): number {
  const scores: number[] = [];
  for (let o = 0; o < observations; o++) {
    for (const c of [1, 0, -1]) {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let present = 0;
      truth.forEach((t, r) => {
        const isT = t[o] === c;
        const isP = predicted[r]![o] === c;
        if (isT) present++;
        if (isT && isP) tp++;
        else if (isP) fp++;
        else if (isT) fn++;
      });
      if (present > 0) scores.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
    }
  }
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

describe('bundled report-text model, end to end', () => {
  it('reproduces the manifest macro-F1 on the held-out phantom reports within 0.02', async () => {
    const manifest = await readManifestFile();
    const entry = getModelEntry(manifest, MODEL);
    const metric = entry.metrics!['macroF1']!;
    const { seed, count } = metric.measuredOn as { seed: number; count: number };
    const reports = Array.from({ length: count }, (_, i) => generateReportText({ seed: caseSeed(seed, i) }));
    const pipe = await createPipeline('report-text', MODEL, { manifest, provider: 'cpu' });
    const results = await pipe.runBatch(reports.map((r) => r.text));
    await pipe.dispose();
    const predicted = results.map((r) => r.observations.map((o) => STATUS_CODE[o.status] ?? null));
    const f1 = macroF1(
      reports.map((r) => r.labels),
      predicted,
      entry.labels.length,
    );
    expect(Math.abs(f1 - metric.value)).toBeLessThanOrEqual(0.02);
    expect(f1).toBeGreaterThanOrEqual(0.9);
  });
});
