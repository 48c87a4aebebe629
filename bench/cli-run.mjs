/**
 * Batch-runner throughput (not a test): `medinfer run`'s runner over generated chest radiographs
 * (16-bit PNGs, 256x256) at concurrency 1, 2 and 4, against the floor measured in the same run: a
 * bare sequential session.run() loop over tensors prepared beforehand (no decode, no
 * preprocessing, no writing). ratio = runner images/s / bare-loop images/s; the goal is >= 0.9 at
 * the best concurrency, i.e. reading, decoding, preprocessing and writing hidden behind inference.
 *
 * Model (default): the DenseNet-121 of the other benches (.cache/bench-models/densenet121.onnx,
 * 1x224x224 -> 18 logits, random weights) under the manifest entry of the model it stands in for,
 * xrv-densenet121-res224-all (bench/lib/entries.mjs), so the runner does the preprocessing that
 * model's users get. Inference dominates there, as it does for real CXR classifiers. When that
 * file is missing: the bundled classifier, else a stand-in CNN this script writes (see below).
 * --model ID [--manifest FILE] picks another one. With the default model the bundled (tiny,
 * ~1 ms) classifier is measured too, as an extra figure: per-image file work dominates there.
 *
 * Baseline fairness: the runner's sessions do not spin-wait (threaded-backend.ts); the bare loop
 * is timed both with ONNX Runtime's defaults (spinning) and with the runner's options, alternated,
 * and each runner measurement is compared with the better (faster) of the two taken right before.
 *   npx tsc -p . && node bench/cli-run.mjs [--quick] [--model ID --manifest FILE] [--images N] [--runs N] [--no-extra] [--keep]
 * --quick: 32 images, 2 runs, concurrency 2 and 4, no reference figures, no extra model (bench/run.mjs
 * --quick gives an area 600 s).
 * Writes bench/results/cli-run.json (or $MEDINFER_BENCH_RESULTS_DIR/cli-run.json, as bench/run.mjs sets).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createVolume, getModelEntry, getModelFile, openModel } from '../dist/index.js';
import { generateChestRadiograph } from '../dist/phantoms.js';
import { resolveModelFileLocation } from '../dist/runtime/open-model.js';
import { runPreprocessPlan } from '../dist/ops.js';
import { createNodeBackend, readImageFile, readManifestFile, writePng } from '../dist/node.js';
import { runBatch } from '../dist/cli/batch/run-batch.js';
import { THREADED_SESSION_DEFAULTS } from '../dist/runtime/threaded-backend.js';
import { benchEntries } from './lib/entries.mjs';

const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const COUNT = Number(flag('--images') ?? (quick ? 32 : 200));
const RUNS = Number(flag('--runs') ?? (quick ? 2 : 5));
const CONCURRENCY = quick ? [2, 4] : [1, 2, 4];
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const work = join(tmpdir(), `medinfer-bench-cli-run-${process.pid}`);
mkdirSync(work, { recursive: true });
const images = join(work, 'images');

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
  const int = (out, no, v) => {
    field(out, no, 0);
    varint(out, v);
  };
  const lenDelim = (out, no, payload) => {
    field(out, no, 2);
    varint(out, payload.length);
    for (const b of payload) out.push(b);
  };
  const str = (out, no, s) => lenDelim(out, no, [...Buffer.from(s)]);
  const msg = (build) => {
    const out = [];
    build(out);
    return out;
  };
  let seed = 1234;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5;
  const tensor = (name, dims, scale) =>
    msg((o) => {
      for (const d of dims) int(o, 1, d);
      int(o, 2, 1);
      str(o, 8, name);
      const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => rand() * scale);
      lenDelim(o, 9, [...new Uint8Array(data.buffer)]);
    });
  const intsAttr = (name, values) =>
    msg((o) => {
      str(o, 1, name);
      for (const v of values) int(o, 8, v);
      int(o, 20, 7);
    });
  const intAttr = (name, value) =>
    msg((o) => {
      str(o, 1, name);
      int(o, 3, value);
      int(o, 20, 2);
    });
  const node = (op, inputs, outputs, attrs = []) =>
    msg((o) => {
      for (const i of inputs) str(o, 1, i);
      for (const x of outputs) str(o, 2, x);
      str(o, 4, op);
      for (const a of attrs) lenDelim(o, 5, a);
    });
  const valueInfo = (name, dims) =>
    msg((o) => {
      str(o, 1, name);
      lenDelim(
        o,
        2,
        msg((t) =>
          lenDelim(
            t,
            1,
            msg((tt) => {
              int(tt, 1, 1);
              lenDelim(
                tt,
                2,
                msg((sh) => {
                  for (const d of dims)
                    lenDelim(
                      sh,
                      1,
                      msg((dd) => (typeof d === 'string' ? str(dd, 2, d) : int(dd, 1, d))),
                    );
                }),
              );
            }),
          ),
        ),
      );
    });
  const layers = [
    [1, 16, 2],
    [16, 32, 2],
    [32, 64, 1],
    [64, 64, 1],
    [64, 64, 1],
    [64, 128, 2],
  ];
  const nodes = [];
  const inits = [];
  let x = 'image';
  layers.forEach(([cin, cout, stride], l) => {
    inits.push(tensor(`w${l}`, [cout, cin, 3, 3], Math.sqrt(6 / (cin * 9))), tensor(`b${l}`, [cout], 0.01));
    nodes.push(
      node('Conv', [x, `w${l}`, `b${l}`], [`c${l}`], [intsAttr('pads', [1, 1, 1, 1]), intsAttr('strides', [stride, stride]), intsAttr('kernel_shape', [3, 3])]),
      node('Relu', [`c${l}`], [`r${l}`]),
    );
    x = `r${l}`;
  });
  inits.push(tensor('wf', [5, 128], 0.1), tensor('bf', [5], 0.01));
  nodes.push(
    node('GlobalAveragePool', [x], ['gap']),
    node('Flatten', ['gap'], ['flat'], [intAttr('axis', 1)]),
    node('Gemm', ['flat', 'wf', 'bf'], ['logits'], [intAttr('transB', 1)]),
  );
  const graph = msg((g) => {
    for (const n of nodes) lenDelim(g, 1, n);
    str(g, 2, 'bench-cnn');
    for (const t of inits) lenDelim(g, 5, t);
    lenDelim(g, 11, valueInfo('image', ['batch', 1, 128, 128]));
    lenDelim(g, 12, valueInfo('logits', ['batch', 5]));
  });
  int(bytes, 1, 8);
  str(bytes, 2, 'medinfer-bench');
  lenDelim(bytes, 7, graph);
  lenDelim(
    bytes,
    8,
    msg((o) => {
      str(o, 1, '');
      int(o, 2, 17);
    }),
  );
  return new Uint8Array(bytes);
}

/** The bench DenseNet-121 under the xrv-densenet121-res224-all entry, when its file is there. */
async function benchDenseNet() {
  const bundled = await readManifestFile();
  const entry = benchEntries(bundled).classification;
  if (!existsSync(resolveModelFileLocation(bundled, getModelFile(entry)))) return undefined;
  const manifest = { ...bundled, models: { ...bundled.models, [entry.id]: entry } };
  return {
    manifest,
    model: entry.id,
    note:
      `DenseNet-121 (${entry.files[0].path}: 1x224x224 -> 18 logits, random weights) under the manifest entry of xrv-densenet121-res224-all (its ` +
      `preprocessing and postprocessing)`,
  };
}

async function bundledClassifier() {
  const bundled = await readManifestFile();
  const cxr = Object.values(bundled.models).find(
    (m) => m.task === 'classification' && m.weights.kind === 'bundled' && existsSync(resolveModelFileLocation(bundled, getModelFile(m))),
  );
  return cxr
    ? {
        manifest: bundled,
        model: cxr.id,
        note: `bundled classifier ${cxr.id} (${cxr.io.inputs[0].dims.slice(1).join('x')} input, about 1 ms per inference: file work dominates)`,
      }
    : undefined;
}

function standInCnn() {
  const onnx = buildBenchModel();
  mkdirSync(join(work, 'models'), { recursive: true });
  writeFileSync(join(work, 'models/bench-cnn.onnx'), onnx);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  const manifest = {
    manifestVersion: 1,
    datasets: { synthetic: { name: 'synthetic', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated', generator: 'bench' } } },
    models: {
      'bench-cnn': {
        task: 'classification',
        title: 'bench CNN',
        datasets: ['synthetic'],
        architecture: '6-layer CNN, 0.12 GMAC',
        files: [{ role: 'model', path: 'models/bench-cnn.onnx', sha256 }],
        weights: { kind: 'bundled' },
        io: {
          inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 128, 128], layout: 'NCHW' }],
          outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 5] }],
        },
        dimensionality: 2,
        preprocess: [
          { op: 'xrvNormalize', maxval: 65535 },
          { op: 'resize', size: [128, 128], mode: 'bilinear', antialias: true },
          { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
        ],
        inference: { mode: 'whole', batch: 8 },
        postprocess: [{ op: 'sigmoid' }],
        labels: ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax'],
        intendedUse: 'benchmark only',
      },
    },
  };
  writeFileSync(join(work, 'm.json'), JSON.stringify(manifest));
  return { manifest: join(work, 'm.json'), model: 'bench-cnn', note: 'stand-in CNN generated by this script (no bench DenseNet-121, no bundled classifier)' };
}

async function chooseModel() {
  if (flag('--model')) return { manifest: flag('--manifest'), model: flag('--model'), note: 'given on the command line' };
  return (await benchDenseNet()) ?? (await bundledClassifier()) ?? standInCnn();
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x, digits = 1) => Number(x.toFixed(digits));
const imageName = (i) => `cxr-${String(i).padStart(4, '0')}.png`;

async function writeRadiographs(dir) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const { image } = generateChestRadiograph({ seed: 5000 + i, size: 256 });
    // 12-bit detector values in a 16-bit PNG, as radiograph exports usually are.
    const data = image.type === 'uint16' ? image.data : Uint16Array.from(image.data, (v) => Math.max(0, Math.min(65535, Math.round(v))));
    writeFileSync(join(dir, imageName(i)), await writePng(createVolume({ geometry: image.geometry, data })));
  }
}

/** The Node backend with the runner's session options (no spin-waiting) on top of each session's own. */
function runnerOptionsBackend() {
  const base = createNodeBackend();
  return { ...base, createSession: (model, provider, options) => base.createSession(model, provider, { ...THREADED_SESSION_DEFAULTS, ...options }) };
}

const quiet = { out() {}, err() {}, cwd: process.cwd(), env: {}, isTTY: false };
await writeRadiographs(images);

/** Everything measured for one model: runner at each concurrency vs the better bare loop. */
async function measureModel({ manifest: manifestArg, model, note }, { concurrency, runs, references }) {
  const manifest = typeof manifestArg === 'object' ? manifestArg : await readManifestFile(manifestArg);
  const entry = getModelEntry(manifest, model);
  const inputName = entry.io.inputs[0].name;
  const tensors = [];
  for (let i = 0; i < COUNT; i++) {
    const t = runPreprocessPlan(await readImageFile(join(images, imageName(i))), entry.preprocess).tensor;
    tensors.push({ type: t.type, dims: t.dims, data: t.data });
  }
  // Each measurement opens its own session (as each runner run does) and disposes it, so no idle
  // ONNX Runtime thread pool of one side spins while the other side is timed.
  async function timedLoop(feeds, backend) {
    const session = await openModel(backend, manifest, entry, { provider: 'cpu' });
    await session.run({ [inputName]: feeds[0] }); // warm-up, like the runner's first batch
    const t0 = performance.now();
    for (const t of feeds) await session.run({ [inputName]: t });
    const rate = COUNT / ((performance.now() - t0) / 1000);
    await session.dispose();
    return rate;
  }
  const defaultLoop = () => timedLoop(tensors, createNodeBackend());
  const runnerOptionsLoop = () => timedLoop(tensors, runnerOptionsBackend());
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
  const output = join(work, `out-${model}`);
  async function runner(c, inferenceThread = 'worker') {
    const summary = await runBatch(
      { model, inputs: [images], output, manifest, provider: 'cpu', concurrency: c, overwrite: true, quiet: true, inferenceThread },
      quiet,
    );
    if (summary.failed > 0) throw new Error(`${summary.failed} inputs failed: ${summary.failures[0].code} ${summary.failures[0].message}`);
    return summary.succeeded / (summary.durationMs / 1000);
  }

  await runner(concurrency[0]); // warm-up (file cache, JIT)
  const MAIN_THREAD_CONCURRENCY = 4;
  const refs = { batched: [], mainThread: [] };
  const per = new Map(concurrency.map((c) => [c, { rates: [], defaults: [], noSpin: [], bases: [], paired: [], load: [] }]));
  for (let r = 0; r < runs; r++) {
    // Each runner measurement is paired with both bare loops taken right before it (their order
    // alternating), so load from other processes on this shared machine hits all three alike.
    for (const c of concurrency) {
      const m = per.get(c);
      let d;
      let n;
      if (r % 2 === 0) {
        d = await defaultLoop();
        n = await runnerOptionsLoop();
      } else {
        n = await runnerOptionsLoop();
        d = await defaultLoop();
      }
      const rate = await runner(c);
      m.defaults.push(d);
      m.noSpin.push(n);
      m.bases.push(Math.max(d, n));
      m.rates.push(rate);
      m.paired.push(rate / Math.max(d, n));
      m.load.push(loadavg()[0]);
      console.error(
        `${model} c${c} run ${r + 1}: runner ${rate.toFixed(1)}/s, bare ${d.toFixed(1)} (default) ${n.toFixed(1)} (no spinning): ` +
          `${(rate / Math.max(d, n)).toFixed(3)}`,
      );
    }
    if (references) {
      refs.batched.push(await timedLoop(batched, createNodeBackend()));
      refs.mainThread.push(await runner(MAIN_THREAD_CONCURRENCY, 'main'));
    }
  }
  const figures = concurrency.map((c) => {
    const m = per.get(c);
    const rate = median(m.rates);
    const base = median(m.bases);
    return {
      name: `medinfer run (batch runner), concurrency ${c}`,
      unit: 'images/s',
      median: round(rate),
      baseline: "bare sequential session.run() on pre-made tensors, the faster of ONNX Runtime defaults and the runner's session options in each pair",
      baselineMedian: round(base),
      ratio: round(rate / base, 3),
      pairedRatioMedian: round(median(m.paired), 3),
      bareDefaultMedian: round(median(m.defaults)),
      bareNoSpinningMedian: round(median(m.noSpin)),
      runs: m.rates.map((x, i) => ({
        runner: round(x),
        bareDefault: round(m.defaults[i]),
        bareNoSpinning: round(m.noSpin[i]),
        loadAverage1m: round(m.load[i], 2),
      })),
    };
  });
  const best = figures.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  return {
    model,
    modelNote: note,
    modelInput: entry.io.inputs[0].dims,
    preprocess: entry.preprocess.map((s) => s.op),
    runs,
    figures,
    ...(references
      ? {
          batchedBareLoop: {
            batch: BATCH,
            median: round(median(refs.batched)),
            unit: 'images/s',
            note:
              'bare loop (ONNX Runtime defaults) on pre-batched tensors, for reference; the runner batches inputs in flight up to this size from ' +
              'concurrency 4',
          },
          sessionOnJsThread: {
            concurrency: MAIN_THREAD_CONCURRENCY,
            median: round(median(refs.mainThread)),
            unit: 'images/s',
            note:
              'the runner with inferenceThread main (onnxruntime-node blocks the JS thread during each run; ONNX Runtime default session options), for ' +
              'reference',
          },
        }
      : {}),
    best: { concurrency: concurrency[figures.indexOf(best)], ratio: best.ratio, goal: 0.9, met: best.ratio >= 0.9 },
  };
}

const main = await chooseModel();
const mainResult = await measureModel(main, { concurrency: CONCURRENCY, runs: RUNS, references: !quick });
// The tiny bundled classifier as an extra figure (only beside the default model, and cheap).
const tiny =
  !flag('--model') && !quick && !argv.includes('--no-extra') && main.model !== (await bundledClassifier())?.model ? await bundledClassifier() : undefined;
const extra = tiny ? await measureModel(tiny, { concurrency: [2, 4], runs: Math.min(RUNS, 3), references: false }) : undefined;

// On this shared machine other processes often keep the load above the core count. The runner
// then has more runnable threads (JS thread, libuv pool, ONNX Runtime) than the bare loop (ONNX
// Runtime only) and gets a larger share of the contended cores, which inflates its ratio. This
// bench's own threads count in the load average too (about 2 to 3 runnable), hence the margin.
const loads = mainResult.figures.flatMap((f) => f.runs.map((r) => r.loadAverage1m));
const contended = Math.max(...loads) > cpus().length + 2;
const result = {
  area: 'cli-run',
  date: new Date().toISOString(),
  quick,
  images: COUNT,
  imageFormat: '16-bit grey PNG, 256x256 (12-bit values)',
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg().map((x) => round(x, 2)),
  ...(contended
    ? {
        loadNote:
          `1-minute load average up to ${Math.max(...loads).toFixed(1)} on ${cpus().length} cores during the pairs: other processes competed for the ` +
          `CPU, and ratios above 1 reflect the runner's larger share of contended cores (more runnable threads than the bare loop), not a faster ` +
          `runner; only a run without such load checks the goal`,
      }
    : {}),
  sessionOptions: {
    runner: THREADED_SESSION_DEFAULTS,
    note:
      'runner sessions live in a worker thread (threaded-backend.ts) with intra-op spin-waiting off; bare loops: ONNX Runtime defaults and the ' +
      "runner's options, the faster counts",
  },
  ...mainResult,
  best: { ...mainResult.best, contended },
  ...(extra ? { extraModel: extra } : {}),
};
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? join(ROOT, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'cli-run.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
if (!argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
else console.error(`kept ${work}`);
