/**
 * Parity of the SDK's pipelines with independent Python references (scripts/reference/parity/):
 * the references re-implement each bundled model's manifest steps in numpy / torch and run the
 * network in torch with the ONNX file's weights. Scores within 1e-4, boxes within 0.5 voxel.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseSeed, generateChestRadiograph } from '../../src/phantoms.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const fixture = (name: string) => new URL(`../fixtures/parity/${name}`, import.meta.url);
const load = <T>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T;

describe('parity with independent Python references', () => {
  it('report-text: token ids and status probabilities', async () => {
    const ref = load<{ model: string; reports: string[]; ids: number[][]; probabilities: number[][][]; classes: string[]; tolerance: number }>(
      'report-text.json',
    );
    const pipe = await createPipeline('report-text', ref.model, { manifest: await readManifestFile(), provider: 'cpu' });
    ref.reports.forEach((r, i) => expect([...pipe.tokenizer.encode(r)]).toEqual(ref.ids[i]));
    const results = await pipe.runBatch(ref.reports);
    let max = 0;
    results.forEach((r, i) =>
      r.observations.forEach((o, l) =>
        ref.classes.forEach((c, k) => {
          max = Math.max(max, Math.abs(o.scores[c as 'positive']! - ref.probabilities[i]![l]![k]!));
        }),
      ),
    );
    expect(max).toBeLessThan(ref.tolerance);
    await pipe.dispose();
  });

  it('classification: scores of phantom radiographs (16-bit) within 1e-4', async () => {
    const ref = load<{ model: string; seed: number; count: number; labels: string[]; scores: number[][]; tolerance: number }>('classification.json');
    const pipe = await createPipeline('classification', ref.model, { manifest: await readManifestFile(), provider: 'cpu' });
    const images = Array.from({ length: ref.count }, (_, i) => generateChestRadiograph({ seed: caseSeed(ref.seed, i) }).image);
    const results = await pipe.runBatch(images);
    let max = 0;
    results.forEach((r, i) => r.labels.forEach((l, k) => (max = Math.max(max, Math.abs(l.score - ref.scores[i]![k]!)))));
    expect(results[0]!.labels.map((l) => l.name)).toEqual(ref.labels);
    expect(max).toBeLessThan(ref.tolerance);
    await pipe.dispose();
  });

  it('detection (2D YOLO-style): boxes within 0.5 pixel and scores within 1e-4', async () => {
    type Case = { boxes: number[][]; scores: number[]; labels: string[] };
    const ref = load<{ model: string; seed: number; count: number; cases: Case[]; boxTolerancePx: number; scoreTolerance: number }>('detection.json');
    const pipe = await createPipeline('detection', ref.model, { manifest: await readManifestFile(), provider: 'cpu' });
    for (let i = 0; i < ref.count; i++) {
      const r = await pipe.run(generateChestRadiograph({ seed: caseSeed(ref.seed, i) }).image);
      const want = ref.cases[i]!;
      expect(r.detections.map((d) => d.label)).toEqual(want.labels);
      r.detections.forEach((d, b) => {
        const got = [d.box.index.min[0], d.box.index.min[1], d.box.index.max[0], d.box.index.max[1]];
        got.forEach((v, k) => expect(Math.abs(v - want.boxes[b]![k]!)).toBeLessThan(ref.boxTolerancePx));
        expect(Math.abs(d.score - want.scores[b]!)).toBeLessThan(ref.scoreTolerance);
      });
    }
    await pipe.dispose();
  });
});
