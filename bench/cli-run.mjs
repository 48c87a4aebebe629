/**
 * Batch-runner throughput (not a test): `medinfer run`'s runner over generated chest radiographs
 * (16-bit PNGs) at concurrency 1, 2 and 4, against the floor measured in the same run: a bare
 * sequential session.run() loop over tensors prepared beforehand (no decode, no preprocessing,
 * no writing). ratio = runner images/s / bare-loop images/s; the goal is >= 0.9 at the best
 * concurrency, i.e. decode + preprocessing + writing hidden behind inference. The runner batches
 * classification inputs that are in flight together (manifest inference.batch); the bare loop on
 * pre-batched tensors is reported beside it for reference. Note: onnxruntime-node runs
 * session.run synchronously on the JS thread, so only thread-pool work (file reads, sharp PNG
 * decoding, writes) can hide behind inference; preprocessing and inference share the JS thread,
 * and on a 2-core machine ORT's intra-op threads and the decoders share the same two cores.
 *   npx tsc -p . && node bench/cli-run.mjs [--quick] [--model ID --manifest FILE] [--images N]
 * Model: --model/--manifest when given, else the bundled classifier when the manifest ships one,
 * else a stand-in CNN of the same cost class that this script writes as ONNX (see below).
 * Writes bench/results/cli-run.json (or $MEDINFER_BENCH_RESULTS_DIR/cli-run.json, as bench/run.mjs sets).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * A stand-in CXR CNN written straight as ONNX protobuf (no Python needed): 6 conv layers with
 * ReLU, global average pooling and a linear head, 1x1x128x128 -> 5 logits, about 0.12 GMAC, i.e.
 * the cost class of the phantom DenseNet the package trains (seeded random weights: the scores
 * are meaningless, the work per image is what counts here).
 */
function buildBenchModel() {
  const bytes = [];
  const varint = (out, v) => {
    let n = BigInt(v);
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      out.push(b);
    } while (n > 0n);
  };
  const field = (out, no, wire) => varint(out, (no << 3) | wire);
  const int = (out, no, v) => { field(out, no, 0); varint(out, v); };
  const lenDelim = (out, no, payload) => { field(out, no, 2); varint(out, payload.length); for (const b of payload) out.push(b); };
  const str = (out, no, s) => lenDelim(out, no, [...Buffer.from(s)]);
  const msg = (build) => { const out = []; build(out); return out; };
  let seed = 1234;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5);
  const tensor = (name, dims, scale) => msg((o) => {
    for (const d of dims) int(o, 1, d);
    int(o, 2, 1);
    str(o, 8, name);
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => rand() * scale);
    lenDelim(o, 9, [...new Uint8Array(data.buffer)]);
  });
  const intsAttr = (name, values) => msg((o) => { str(o, 1, name); for (const v of values) int(o, 8, v); int(o, 20, 7); });
  const intAttr = (name, value) => msg((o) => { str(o, 1, name); int(o, 3, value); int(o, 20, 2); });
  const node = (op, inputs, outputs, attrs = []) => msg((o) => { for (const i of inputs) str(o, 1, i); for (const x of outputs) str(o, 2, x); str(o, 4, op); for (const a of attrs) lenDelim(o, 5, a); });
  const valueInfo = (name, dims) => msg((o) => {
    str(o, 1, name);
    lenDelim(o, 2, msg((t) => lenDelim(t, 1, msg((tt) => { int(tt, 1, 1); lenDelim(tt, 2, msg((sh) => { for (const d of dims) lenDelim(sh, 1, msg((dd) => (typeof d === 'string' ? str(dd, 2, d) : int(dd, 1, d)))); })); }))));
  });
  const layers = [[1, 16, 2], [16, 32, 2], [32, 64, 1], [64, 64, 1], [64, 64, 1], [64, 128, 2]];
  const nodes = [];
  const inits = [];
  let x = 'image';
  layers.forEach(([cin, cout, stride], l) => {
    inits.push(tensor(`w${l}`, [cout, cin, 3, 3], Math.sqrt(6 / (cin * 9))), tensor(`b${l}`, [cout], 0.01));
    nodes.push(node('Conv', [x, `w${l}`, `b${l}`], [`c${l}`], [intsAttr('pads', [1, 1, 1, 1]), intsAttr('strides', [stride, stride]), intsAttr('kernel_shape', [3, 3])]), node('Relu', [`c${l}`], [`r${l}`]));
    x = `r${l}`;
  });
  inits.push(tensor('wf', [5, 128], 0.1), tensor('bf', [5], 0.01));
  nodes.push(node('GlobalAveragePool', [x], ['gap']), node('Flatten', ['gap'], ['flat'], [intAttr('axis', 1)]), node('Gemm', ['flat', 'wf', 'bf'], ['logits'], [intAttr('transB', 1)]));
  const graph = msg((g) => { for (const n of nodes) lenDelim(g, 1, n); str(g, 2, 'bench-cnn'); for (const t of inits) lenDelim(g, 5, t); lenDelim(g, 11, valueInfo('image', ['batch', 1, 128, 128])); lenDelim(g, 12, valueInfo('logits', ['batch', 5])); });
  int(bytes, 1, 8);
  str(bytes, 2, 'medinfer-bench');
  lenDelim(bytes, 7, graph);
  lenDelim(bytes, 8, msg((o) => { str(o, 1, ''); int(o, 2, 17); }));
  return new Uint8Array(bytes);
}

async function chooseModel() {
  if (flag('--model')) return { manifestPath: flag('--manifest'), model: flag('--model'), note: 'given on the command line' };
  const bundled = await readManifestFile();
  const cxr = Object.values(bundled.models).find((m) => m.task === 'classification' && m.weights.kind === 'bundled' && existsSync(resolveModelFileLocation(bundled, getModelFile(m))));
  if (cxr) return { manifestPath: undefined, model: cxr.id, note: 'bundled classifier' };
  // No bundled classifier yet: the stand-in CNN behind a throwaway manifest.
  const onnx = buildBenchModel();
  mkdirSync(join(work, 'models'), { recursive: true });
  writeFileSync(join(work, 'models/bench-cnn.onnx'), onnx);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  const manifest = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated', generator: 'bench' } } },
    models: { 'bench-cnn': { task: 'classification', title: 'bench CNN', datasets: ['synthetic'], architecture: '6-layer CNN, 0.12 GMAC', files: [{ role: 'model', path: 'models/bench-cnn.onnx', sha256 }], weights: { kind: 'bundled' },
      io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 128, 128], layout: 'NCHW' }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 5] }] },
      dimensionality: 2, preprocess: [{ op: 'xrvNormalize', maxval: 65535 }, { op: 'resize', size: [128, 128], mode: 'bilinear', antialias: true }, { op: 'toTensor', layout: 'NCHW', dtype: 'float32' }],
      inference: { mode: 'whole', batch: 8 }, postprocess: [{ op: 'sigmoid' }], labels: ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'], intendedUse: 'benchmark only' } },
  };
  writeFileSync(join(work, 'm.json'), JSON.stringify(manifest));
  return { manifestPath: join(work, 'm.json'), model: 'bench-cnn', note: 'stand-in CNN generated by this script (no bundled classifier in the manifest)' };
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

const { manifestPath, model, note } = await chooseModel();
const manifest = await readManifestFile(manifestPath);
const entry = getModelEntry(manifest, model);
const images = join(work, 'images');
await writeRadiographs(images);

// Baseline: tensors prepared before timing, then a bare sequential session.run() loop.
// Each measurement opens its own session (as each runner run does) and disposes it, so no idle
// ONNX Runtime thread pool of one side spins while the other side is timed.
const openSession = () => openModel(createNodeBackend(), manifest, entry, { provider: 'cpu' });
const inputName = entry.io.inputs[0].name;
const tensors = [];
for (let i = 0; i < COUNT; i++) {
  const volume = await readImageFile(join(images, `cxr-${String(i).padStart(4, '0')}.png`));
  const t = runPreprocessPlan(volume, entry.preprocess).tensor;
  tensors.push({ type: t.dtype, dims: t.dims, data: t.data });
}
async function timedLoop(feeds) {
  const session = await openSession();
  await session.run({ [inputName]: feeds[0] }); // warm-up, like the runner's first batch
  const t0 = performance.now();
  for (const t of feeds) await session.run({ [inputName]: t });
  const rate = COUNT / ((performance.now() - t0) / 1000);
  await session.dispose();
  return rate;
}
const bareLoop = () => timedLoop(tensors);

// For reference (not the goal's baseline): the same loop on tensors pre-batched by the manifest's batch size.
const BATCH = entry.inference.batch ?? 8;
const batched = [];
for (let s = 0; s < COUNT; s += BATCH) {
  const group = tensors.slice(s, s + BATCH);
  const per = group[0].data.length;
  const data = new Float32Array(per * group.length);
  group.forEach((t, i) => data.set(t.data, i * per));
  batched.push({ type: 'float32', dims: [group.length, ...group[0].dims.slice(1)], data });
}
const batchedLoop = () => timedLoop(batched);

const quiet = { out() {}, err() {}, cwd: process.cwd(), env: {}, isTTY: false };
async function runner(concurrency, inferenceThread = 'worker') {
  const summary = await runBatch({ model, inputs: [images], output: join(work, `out-c${concurrency}`), ...(manifestPath ? { manifest: manifestPath } : {}), provider: 'cpu', concurrency, overwrite: true, quiet: true, inferenceThread }, quiet);
  if (summary.failed > 0) throw new Error(`${summary.failed} inputs failed: ${summary.failures[0].code} ${summary.failures[0].message}`);
  return summary.succeeded / (summary.durationMs / 1000);
}

await runner(1); // warm-up (file cache, JIT)
const batchedRates = [];
// For reference: the runner with the session on the JS thread (no inference worker).
const MAIN_THREAD_CONCURRENCY = 4;
const mainThreadRates = [];
const rates = new Map(CONCURRENCY.map((c) => [c, []]));
const bases = new Map(CONCURRENCY.map((c) => [c, []]));
const paired = new Map(CONCURRENCY.map((c) => [c, []]));
for (let r = 0; r < RUNS; r++) {
  // Each runner measurement is paired with a bare-loop measurement taken right before it, so
  // load from other processes on this shared machine hits both alike.
  for (const c of CONCURRENCY) {
    const base = await bareLoop();
    const rate = await runner(c);
    bases.get(c).push(base);
    rates.get(c).push(rate);
    paired.get(c).push(rate / base);
  }
  batchedRates.push(await batchedLoop());
  mainThreadRates.push(await runner(MAIN_THREAD_CONCURRENCY, 'main'));
}
const figures = CONCURRENCY.map((c) => {
  const m = median(rates.get(c));
  const b = median(bases.get(c));
  return { name: `medinfer run (batch runner), concurrency ${c}`, unit: 'images/s', median: Number(m.toFixed(1)), baseline: 'bare sequential session.run() on pre-made tensors', baselineMedian: Number(b.toFixed(1)), ratio: Number((m / b).toFixed(3)), pairedRatioMedian: Number(median(paired.get(c)).toFixed(3)) };
});
const best = figures.reduce((a, b) => (b.ratio > a.ratio ? b : a));
const result = {
  area: 'cli-run',
  date: new Date().toISOString(),
  quick,
  runs: RUNS,
  images: COUNT,
  model,
  modelNote: note,
  modelInput: entry.io.inputs[0].dims,
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
  figures,
  batchedBareLoop: { batch: BATCH, median: Number(median(batchedRates).toFixed(1)), unit: 'images/s', note: 'bare loop on pre-batched tensors, for reference; the runner batches inputs in flight up to this size' },
  sessionOnJsThread: { concurrency: MAIN_THREAD_CONCURRENCY, median: Number(median(mainThreadRates).toFixed(1)), unit: 'images/s', note: 'the runner with inferenceThread main (onnxruntime-node blocks the JS thread during each run), for reference' },
  best: { concurrency: CONCURRENCY[figures.indexOf(best)], ratio: best.ratio, goal: 0.9, met: best.ratio >= 0.9 },
};
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'cli-run.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
if (!argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
else console.error(`kept ${work}`);
