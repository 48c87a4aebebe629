/**
 * Batch-runner throughput (not a test): `medinfer run`'s runner over generated chest radiographs
 * (16-bit PNGs) at concurrency 1, 2 and 4, against the floor measured in the same run: a bare
 * sequential session.run() loop over tensors prepared beforehand (no decode, no preprocessing,
 * no writing). ratio = runner images/s / bare-loop images/s; the goal is >= 0.9 at the best
 * concurrency, i.e. decode + preprocessing + writing hidden behind inference.
 *   npx tsc -p . && node bench/cli-run.mjs [--quick] [--model ID --manifest FILE] [--images N]
 * Model: the bundled phantom CXR classifier when the manifest has it, else --model/--manifest,
 * else the tiny fixture classifier (then inference is ~free and the ratio measures pure overhead).
 * Writes bench/results/cli-run.json.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createVolume, generateChestRadiograph, getModelEntry, getModelFile, openModel, resolveModelFileLocation, runPreprocessPlan } from '../dist/index.js';
import { createNodeBackend, readImageFile, readManifestFile, writePng } from '../dist/node.js';
import { runBatch } from '../dist/cli/batch/run-batch.js';

const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const COUNT = Number(flag('--images') ?? (quick ? 60 : 200));
const RUNS = quick ? 2 : 5;
const CONCURRENCY = [1, 2, 4];
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const work = join(tmpdir(), `medinfer-bench-cli-run-${process.pid}`);
mkdirSync(work, { recursive: true });

async function chooseModel() {
  if (flag('--model')) return { manifestPath: flag('--manifest'), model: flag('--model') };
  const bundled = await readManifestFile();
  const cxr = Object.values(bundled.models).find((m) => m.task === 'classification' && m.weights.kind === 'bundled' && existsSync(resolveModelFileLocation(bundled, getModelFile(m))));
  if (cxr) return { manifestPath: undefined, model: cxr.id };
  // Fallback: the tiny fixture classifier behind a throwaway manifest.
  const src = join(ROOT, 'test/fixtures/models/tiny-classifier.onnx');
  mkdirSync(join(work, 'models'), { recursive: true });
  copyFileSync(src, join(work, 'models/tiny.onnx'));
  const sha256 = createHash('sha256').update(await import('node:fs').then((fs) => fs.readFileSync(src))).digest('hex');
  const manifest = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated', generator: 'bench' } } },
    models: { 'tiny-cxr': { task: 'classification', title: 'tiny', datasets: ['synthetic'], architecture: 'tiny CNN', files: [{ role: 'model', path: 'models/tiny.onnx', sha256 }], weights: { kind: 'bundled' },
      io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16], layout: 'NCHW' }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
      dimensionality: 2, preprocess: [{ op: 'resize', size: [16, 16], mode: 'bilinear' }, { op: 'toTensor', layout: 'NCHW', dtype: 'float32' }],
      inference: { mode: 'whole', batch: 1 }, postprocess: [{ op: 'sigmoid' }], labels: ['a', 'b', 'c'], intendedUse: 'benchmark only' } },
  };
  writeFileSync(join(work, 'm.json'), JSON.stringify(manifest));
  return { manifestPath: join(work, 'm.json'), model: 'tiny-cxr' };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function writeRadiographs(dir) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const { image } = generateChestRadiograph({ seed: 5000 + i, size: 256 });
    // 12-bit detector values in a 16-bit PNG, as radiograph exports usually are.
    const data = image.type === 'uint16' ? image.data : Uint16Array.from(image.data, (v) => Math.max(0, Math.min(65535, Math.round(v))));
    writeFileSync(join(dir, `cxr-${String(i).padStart(4, '0')}.png`), await writePng(createVolume({ geometry: image.geometry, data })));
  }
}

const { manifestPath, model } = await chooseModel();
const manifest = await readManifestFile(manifestPath);
const entry = getModelEntry(manifest, model);
const images = join(work, 'images');
await writeRadiographs(images);

// Baseline: tensors prepared before timing, then a bare sequential session.run() loop.
const session = await openModel(createNodeBackend(), manifest, entry, { provider: 'cpu' });
const inputName = entry.io.inputs[0].name;
const tensors = [];
for (let i = 0; i < COUNT; i++) {
  const volume = await readImageFile(join(images, `cxr-${String(i).padStart(4, '0')}.png`));
  const t = runPreprocessPlan(volume, entry.preprocess).tensor;
  tensors.push({ type: t.dtype, dims: t.dims, data: t.data });
}
async function bareLoop() {
  const t0 = performance.now();
  for (const t of tensors) await session.run({ [inputName]: t });
  return COUNT / ((performance.now() - t0) / 1000);
}
await bareLoop(); // warm-up

const quiet = { out() {}, err() {}, cwd: process.cwd(), env: {}, isTTY: false };
async function runner(concurrency) {
  const summary = await runBatch({ model, inputs: [images], output: join(work, `out-c${concurrency}`), ...(manifestPath ? { manifest: manifestPath } : {}), provider: 'cpu', concurrency, overwrite: true, quiet: true }, quiet);
  if (summary.failed > 0) throw new Error(`${summary.failed} inputs failed: ${summary.failures[0].code} ${summary.failures[0].message}`);
  return summary.succeeded / (summary.durationMs / 1000);
}

const base = [];
const rates = new Map(CONCURRENCY.map((c) => [c, []]));
for (let r = 0; r < RUNS; r++) {
  // Alternate so load from other processes hits candidate and baseline alike.
  base.push(await bareLoop());
  for (const c of CONCURRENCY) rates.get(c).push(await runner(c));
}
await session.dispose();
const baseMedian = median(base);
const figures = CONCURRENCY.map((c) => {
  const m = median(rates.get(c));
  return { name: `medinfer run (batch runner), concurrency ${c}`, unit: 'images/s', median: Number(m.toFixed(1)), baseline: 'bare sequential session.run() on pre-made tensors', baselineMedian: Number(baseMedian.toFixed(1)), ratio: Number((m / baseMedian).toFixed(3)) };
});
const best = figures.reduce((a, b) => (b.ratio > a.ratio ? b : a));
const result = {
  area: 'cli-run',
  date: new Date().toISOString(),
  quick,
  runs: RUNS,
  images: COUNT,
  model,
  modelInput: entry.io.inputs[0].dims,
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  figures,
  best: { concurrency: CONCURRENCY[figures.indexOf(best)], ratio: best.ratio, goal: 0.9, met: best.ratio >= 0.9 },
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/cli-run.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });
