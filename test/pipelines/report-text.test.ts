import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/index.js';
import { createTokenizer, parseTokenizerSpec } from '../../src/pipelines/text-tokenizer.js';
import { sha256Hex } from '../../src/runtime/checksum.js';
import { createPipeline, readManifestFile } from '../../src/node.js';

const fx = (n: string) => fileURLToPath(new URL(`../fixtures/models/${n}`, import.meta.url));
const golden = JSON.parse(readFileSync(fx('tiny-text.golden.json'), 'utf8')) as {
  reports: string[];
  ids: number[][];
  probabilities: number[][][];
  tolerance: number;
};
const CLASSES = ['not mentioned', 'positive', 'negative', 'uncertain'];
const TOKENIZER = {
  lowercase: true,
  split: 'words-and-punctuation',
  maxLength: 8,
  padding: 'post',
  padToken: '<pad>',
  unknownToken: '<unk>',
  inputDtype: 'int64',
  classes: CLASSES,
};

let manifest: Manifest;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-text-'));
  mkdirSync(join(dir, 'models'));
  for (const f of ['tiny-text.onnx', 'tiny-text.vocab.json']) copyFileSync(fx(f), join(dir, 'models', f));
  const sha = async (f: string) => sha256Hex(new Uint8Array(readFileSync(fx(f))));
  writeFileSync(
    join(dir, 'm.json'),
    JSON.stringify({
      manifestVersion: 1,
      datasets: { synthetic: { name: 's', tasks: ['report-text'], modality: 'text', acquisition: { kind: 'generated' } } },
      models: {
        text: {
          task: 'report-text',
          title: 'tiny text',
          datasets: ['synthetic'],
          architecture: 'embedding bag',
          weights: { kind: 'bundled' },
          files: [
            { role: 'model', path: 'models/tiny-text.onnx', sha256: await sha('tiny-text.onnx') },
            { role: 'vocab', path: 'models/tiny-text.vocab.json', sha256: await sha('tiny-text.vocab.json') },
          ],
          io: { inputs: [{ name: 'tokens', dtype: 'int64', dims: [-1, 8] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3, 4] }] },
          tokenizer: TOKENIZER,
          preprocess: [],
          inference: { mode: 'whole', batch: 3 },
          postprocess: [],
          labels: ['Pleural Effusion', 'Cardiomegaly', 'Edema'],
          intendedUse: 'pipeline unit tests only',
        },
      },
    }),
  );
  const text = (JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')) as { models: Record<string, Record<string, unknown>> }).models;
  // The same model declaring its head's activation: softmax over the last axis fits, a sigmoid does not.
  text['text-softmax'] = { ...text['text'], postprocess: [{ op: 'softmax', axis: -1 }] };
  text['text-sigmoid'] = { ...text['text'], postprocess: [{ op: 'sigmoid' }] };
  writeFileSync(join(dir, 'm.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')), models: text }));
  manifest = await readManifestFile(join(dir, 'm.json'));
});

describe('report-text pipeline', () => {
  it('tokenizes exactly as the training script (ids, unknowns, padding, truncation)', () => {
    const vocab = (JSON.parse(readFileSync(fx('tiny-text.vocab.json'), 'utf8')) as { tokens: string[] }).tokens;
    const tok = createTokenizer(parseTokenizerSpec(TOKENIZER, 'text'), vocab, 'text');
    golden.reports.forEach((r, i) => expect([...tok.encode(r)]).toEqual(golden.ids[i]));
    const pre = createTokenizer(parseTokenizerSpec({ ...TOKENIZER, padding: 'pre' }, 'text'), vocab, 'text');
    expect([...pre.encode('no edema')]).toEqual([0, 0, 0, 0, 0, 0, 2, 9]);
    expect(() => parseTokenizerSpec({ maxLength: 0 }, 'text')).toThrow(/tokenizer\.maxLength must be a positive integer/);
  });

  it('matches torch probabilities and picks the most likely status per observation (batches of 3)', async () => {
    const pipe = await createPipeline('report-text', 'text', { manifest, provider: 'cpu' });
    const results = await pipe.runBatch(golden.reports);
    results.forEach((r, i) => {
      r.observations.forEach((o, l) => {
        const p = golden.probabilities[i]![l]!;
        CLASSES.forEach((c, k) => expect(o.scores[c as 'positive']).toBeCloseTo(p[k]!, 5));
        expect(o.status).toBe(CLASSES[p.indexOf(Math.max(...p))]);
      });
    });
    expect(results[3]!.truncated).toBe(true);
    expect(results[0]!.observations.map((o) => o.name)).toEqual(['Pleural Effusion', 'Cardiomegaly', 'Edema']);
    await pipe.dispose();
  });

  it('runs a declared softmax head as the undeclared one, and refuses a declared activation the output contradicts', async () => {
    const plain = await createPipeline('report-text', 'text', { manifest, provider: 'cpu' });
    const softmax = await createPipeline('report-text', 'text-softmax', { manifest, provider: 'cpu' });
    expect((await softmax.run(golden.reports[0]!)).observations).toEqual((await plain.run(golden.reports[0]!)).observations);
    const sigmoid = await createPipeline('report-text', 'text-sigmoid', { manifest, provider: 'cpu' });
    await expect(sigmoid.run(golden.reports[0]!)).rejects.toThrow(/model 'text-sigmoid': postprocess 'sigmoid' does not fit the output \[1, 3, 4\]/);
    await Promise.all([plain.dispose(), softmax.dispose(), sigmoid.dispose()]);
  });
});
