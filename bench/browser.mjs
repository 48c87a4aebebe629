#!/usr/bin/env node
// Browser speed: the same classification model (full-size DenseNet-121 with random weights when
// .cache/bench-models has it, else the tiny test CNN) run in headless Chromium with wasm on 1 and 2
// threads (the demo server is cross-origin isolated), and in Node on onnxruntime-node CPU, same
// input (a phantom radiograph). Medians of several runs per setting; ratios in the same run.
//   node bench/browser.mjs [--quick]     (needs Debian chromium; run `npm run build` first)
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createModelSession, createNodeBackend, createPipeline, readImageBytes, readManifestFile } from '../dist/node.js';
import { startWebServer } from '../dist/cli/web/web-server.js';
import { createSampleFiles } from '../dist/cli/web/sample-data.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 2 : 8;
const root = fileURLToPath(new URL('..', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const candidates = ['.cache/bench-models/densenet121.onnx', '.cache/bench-models/densenet121-224.onnx'].map((p) => join(root, p));
const big = candidates.find(existsSync);

const work = mkdtempSync(join(tmpdir(), 'medinfer-bench-browser-'));
mkdirSync(join(work, 'models'));
const source = big ?? join(root, 'test/fixtures/models/tiny-classifier.onnx');
copyFileSync(source, join(work, 'models/model.onnx'));
const sha256 = createHash('sha256').update(readFileSync(source)).digest('hex');
const dense = Boolean(big);
// Read the exported graph's I/O (1- or 3-channel input, class count) instead of assuming it.
const probe = await createModelSession(createNodeBackend(), { path: source }, { provider: 'cpu' });
const inputName = probe.inputNames[0];
const outputName = probe.outputNames[0];
const probeOut = await probe
  .run({
    [inputName]: dense
      ? { type: 'float32', dims: [1, 1, 224, 224], data: new Float32Array(224 * 224) }
      : { type: 'float32', dims: [1, 1, 16, 16], data: new Float32Array(256) },
  })
  .catch(() => undefined);
const channels = probeOut ? 1 : 3;
await probe.dispose();
const classes = dense ? (probeOut?.[outputName]?.dims[1] ?? 1000) : 3;
const entry = dense
  ? {
      io: {
        inputs: [{ name: inputName, dtype: 'float32', dims: [-1, channels, 224, 224] }],
        outputs: [{ name: outputName, dtype: 'float32', dims: [-1, classes] }],
      },
      preprocess: [
        { op: 'xrvNormalize', maxval: 4095 },
        ...(channels === 3 ? [{ op: 'toRgb' }] : []),
        { op: 'resize', size: [224, 224], mode: 'bilinear' },
        { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
      ],
      labels: Array.from({ length: classes }, (_, i) => `class ${i}`),
    }
  : {
      io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
      preprocess: [
        { op: 'xrvNormalize', maxval: 4095 },
        { op: 'resize', size: [16, 16], mode: 'area' },
        { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
      ],
      labels: ['a', 'b', 'c'],
    };
writeFileSync(
  join(work, 'models.manifest.json'),
  JSON.stringify({
    manifestVersion: 1,
    datasets: { phantoms: { name: 'phantoms', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated' } } },
    models: {
      bench: {
        task: 'classification',
        title: 'bench',
        datasets: ['phantoms'],
        architecture: dense ? 'DenseNet-121 (random weights)' : 'tiny CNN',
        dimensionality: 2,
        files: [{ role: 'model', path: 'models/model.onnx', sha256 }],
        weights: { kind: 'bundled' },
        inference: { mode: 'whole' },
        postprocess: [{ op: 'softmax', axis: -1 }],
        intendedUse: 'benchmark only',
        ...entry,
      },
    },
  }),
);

const server = await startWebServer({ port: 0, manifestPath: join(work, 'models.manifest.json') });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
});
const figures = [];
try {
  const wasm = {};
  for (const threads of [1, 2]) {
    const page = await browser.newPage();
    await page.goto(`${server.url}?threads=${threads}`);
    const r = await page.evaluate(({ runs }) => window.medinfer.timeSample('bench', 'chest radiograph (NIfTI, 12-bit)', 'wasm', runs), { runs: RUNS });
    wasm[threads] = median(r.times);
    await page.close();
  }
  const samples = await createSampleFiles();
  const manifest = await readManifestFile(join(work, 'models.manifest.json'));
  const pipe = await createPipeline('classification', 'bench', { manifest, provider: 'cpu' });
  const image = await readImageBytes(samples.files.get('cxr.nii.gz'), { name: 'cxr.nii.gz' });
  await pipe.run(image);
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await pipe.run(image);
    times.push(performance.now() - t);
  }
  await pipe.dispose();
  const node = median(times);
  const model = dense ? 'DenseNet-121 224 (random weights)' : 'tiny CNN 16x16';
  figures.push({
    name: `${model}: browser wasm 2 threads vs 1 thread (end to end)`,
    unit: 'ms',
    median: wasm[2],
    baseline: 'wasm 1 thread',
    baselineMedian: wasm[1],
    ratio: wasm[2] / wasm[1],
  });
  figures.push({
    name: `${model}: Node onnxruntime-node CPU vs browser wasm 2 threads`,
    unit: 'ms',
    median: node,
    baseline: 'browser wasm 2 threads',
    baselineMedian: wasm[2],
    ratio: node / wasm[2],
  });
  for (const f of figures) console.log(`${f.name}: ${f.median.toFixed(1)} ms vs ${f.baselineMedian.toFixed(1)} ms, ratio ${f.ratio.toFixed(2)}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/browser.json', import.meta.url),
  JSON.stringify(
    { area: 'browser', date: new Date().toISOString(), note: 'headless Chromium (Debian) on the 2-core machine, shared with other work', figures },
    null,
    2,
  ) + '\n',
);
