/**
 * Area "brainchop" (issue 20 req. 6): the five brainchop MeshNet entries on the real 256^3 T1
 * (models/brainchop/sample/t1_crop.nii.gz), in Node:
 *   (a) medinfer's pipeline (file in, labels on the input grid out) vs bare onnxruntime-node
 *       session.run() on the exact tensors the pipeline feeds (captured from a pipeline run
 *       through a recording backend, pre-model included, written to disk), same thread count
 *       -> medinfer's own work as % of the run (goal <= 10 %), and peak RSS of each side, each
 *       in its own child process (goal: medinfer <= 1.3x bare ORT);
 *   (b) brainchop's runtime, tfjs's pure-JS CPU backend (the network as brainchop applies it,
 *       `_gn` layers included), vs bare ORT on a central crop of the same tensor (tfjs takes
 *       minutes per full volume here). Needs the scratch tfjs install and a brainchop clone:
 *         mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm init -y && npm i @tensorflow/tfjs@4.22.0
 *       and MEDINFER_BRAINCHOP_REPO=<git dir of neuroneural/brainchop> (default: the search
 *       tool's mirror); skipped loudly with the reason when absent.
 * The browser side (tfjs WebGL vs medinfer wasm / WebGPU) is bench/brainchop-browser.mjs.
 *   npx tsc -p tsconfig.json && node bench/brainchop.mjs [--quick] [--runs 3] [--models a,b] [--crop 48] [--memory-only]
 * Timing: one child holds both sides and alternates their runs (one warm-up each), median.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJsonChild } from './lib/child.mjs';
import { machineNote, makeFigure, median } from './lib/stats.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const T1 = join(REPO, 'models/brainchop/sample/t1_crop.nii.gz');
const MODELS = ['brainchop-tissue-gwm-light', 'brainchop-brain-mask', 'brainchop-subcortical-gwm', 'brainchop-aparc-aseg-50', 'brainchop-mindgrab'];
const UPSTREAM = {
  'brainchop-tissue-gwm-light': 'model5_gw_ae',
  'brainchop-brain-mask': 'model11_gw_ae',
  'brainchop-subcortical-gwm': 'model18cls',
  'brainchop-aparc-aseg-50': 'model30chan50cls',
  'brainchop-mindgrab': 'mindgrab',
};
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const THREADS = Number(arg('threads', 2));
const rssMB = () => process.resourceUsage().maxRSS / 1024;

// ---------------------------------------------------------------- children (one case each)

/** Feeds captured from one pipeline run: per session.run, the model bytes and the input tensor. */
function readCapture(dir) {
  const calls = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8'));
  return calls.map((c) => ({ ...c, model: readFileSync(join(dir, c.model)) }));
}
function feedOf(ort, dir, c) {
  const buf = readFileSync(join(dir, c.feed));
  return { [c.input]: new ort.Tensor('float32', new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), c.dims) };
}

async function child(mode, model, dir) {
  const ort = await import('onnxruntime-node');
  const { createPipeline, createNodeBackend, readManifestFile } = await import('../dist/node.js');
  const manifest = await readManifestFile();
  if (mode === 'capture') {
    // A backend that writes every feed (and the model it goes to) before running it for real.
    const real = createNodeBackend();
    const calls = [];
    let sessions = 0;
    const backend = {
      ...real,
      unavailableReason: real.unavailableReason.bind(real),
      loadModelBytes: real.loadModelBytes.bind(real),
      async createSession(bytes, provider, options) {
        const s = await real.createSession(bytes, provider, options);
        // Numbered by session, not by run: the pipeline opens the entry and its pre-model before
        // running either (numbering by run wrote both to one file, and the bare side then ran the
        // pre-model's network on the main feed too).
        const modelFile = `model-${sessions++}.onnx`;
        writeFileSync(join(dir, modelFile), bytes);
        return {
          ...s,
          inputNames: s.inputNames,
          outputNames: s.outputNames,
          inputMetadata: s.inputMetadata,
          outputMetadata: s.outputMetadata,
          release: () => s.release(),
          async run(feeds) {
            const [input, t] = Object.entries(feeds)[0];
            const feed = `feed-${calls.length}.f32`;
            writeFileSync(join(dir, feed), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
            calls.push({ model: modelFile, input, dims: t.dims, feed, dtype: t.type });
            return s.run(feeds);
          },
        };
      },
    };
    const pipe = await createPipeline('segmentation', model, { manifest, provider: 'cpu', threads: THREADS, backend });
    await pipe.run(T1);
    await pipe.dispose();
    writeFileSync(join(dir, 'calls.json'), JSON.stringify(calls));
    return { calls: calls.map((c) => c.dims) };
  }
  const bareSessions = async () => {
    const { bareSessionOptions } = await import('./lib/ort-options.mjs');
    const calls = readCapture(dir);
    return Promise.all(calls.map(async (c) => ({ c, session: await ort.InferenceSession.create(c.model, bareSessionOptions(THREADS)) })));
  };
  const bareRun = async (sessions) => {
    for (const { c, session } of sessions) {
      const out = await session.run(feedOf(ort, dir, c));
      for (const t of Object.values(out)) t.dispose?.();
    }
  };
  if (mode === 'sdk') {
    const pipe = await createPipeline('segmentation', model, { manifest, provider: 'cpu', threads: THREADS });
    const t = performance.now();
    await pipe.run(T1);
    return { ms: performance.now() - t, maxRssMB: rssMB() };
  }
  if (mode === 'ort') {
    const sessions = await bareSessions();
    const t = performance.now();
    await bareRun(sessions);
    return { ms: performance.now() - t, maxRssMB: rssMB() };
  }
  if (mode === 'both') {
    const runs = Number(arg('runs', 3));
    // CPU time (process.cpuUsage, all threads) spent inside the pipeline's session.run calls: the
    // rest of the pipeline's CPU time is its own work. ORT's intra-op threads block between runs
    // (no spinning), so outside run() the process CPU is the SDK's JS and GC. Unlike wall time this
    // stays meaningful when other processes load the machine.
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let insideRun = 0;
    const real = createNodeBackend();
    const backend = {
      ...real,
      unavailableReason: real.unavailableReason.bind(real),
      loadModelBytes: real.loadModelBytes.bind(real),
      async createSession(bytes, provider, options) {
        const s = await real.createSession(bytes, provider, options);
        return {
          inputNames: s.inputNames,
          outputNames: s.outputNames,
          inputMetadata: s.inputMetadata,
          outputMetadata: s.outputMetadata,
          release: () => s.release(),
          async run(feeds) {
            const c = cpuMs();
            try {
              return await s.run(feeds);
            } finally {
              insideRun += cpuMs() - c;
            }
          },
        };
      },
    };
    const pipe = await createPipeline('segmentation', model, { manifest, provider: 'cpu', threads: THREADS, backend });
    const sessions = await bareSessions();
    const sdkTimes = [];
    const ortTimes = [];
    const ownCpu = [];
    const ortCpu = [];
    for (let r = -1; r < runs; r++) {
      let t = performance.now();
      insideRun = 0;
      let c = cpuMs();
      await pipe.run(T1);
      if (r >= 0) {
        sdkTimes.push(performance.now() - t);
        ownCpu.push(cpuMs() - c - insideRun);
      }
      t = performance.now();
      c = cpuMs();
      await bareRun(sessions);
      if (r >= 0) {
        ortTimes.push(performance.now() - t);
        ortCpu.push(cpuMs() - c);
      }
    }
    return { sdkTimes, ortTimes, ownCpu, ortCpu };
  }
  if (mode === 'tfjs') return tfjsCrop(ort, model, dir);
  throw new Error(`unknown child mode ${mode}`);
}

/** brainchop's network in tfjs (CPU) vs bare ORT on a central crop^3 block of the fed tensor. */
async function tfjsCrop(ort, model, dir) {
  const crop = Number(arg('crop', 48));
  const { loadUpstream, loadTfjsModel, tfjsNetwork } = await import('../scripts/reference/brainchop/upstream.mjs');
  const up = await loadUpstream({
    repo: process.env.MEDINFER_BRAINCHOP_REPO ?? '/work/.mirror/neuroneural+brainchop/repo',
    tfjsDir: process.env.MEDINFER_TFJS_DIR ?? '/tmp/tfjs',
  });
  const { model: tfModel } = await loadTfjsModel(up, UPSTREAM[model]);
  const calls = readCapture(dir);
  const c = calls[calls.length - 1]; // the entry's own network (after any pre-model)
  const full = feedOf(ort, dir, c)[c.input];
  const [, , D, H, W] = c.dims;
  const o = [D, H, W].map((n) => Math.max(0, Math.floor((n - crop) / 2)));
  const block = new Float32Array(crop ** 3);
  for (let z = 0; z < crop; z++)
    for (let y = 0; y < crop; y++) for (let x = 0; x < crop; x++) block[x + crop * (y + crop * z)] = full.data[o[2] + x + W * (o[1] + y + H * (o[0] + z))];
  const session = await ort.InferenceSession.create(c.model, (await import('./lib/ort-options.mjs')).bareSessionOptions(THREADS));
  const feed = { [c.input]: new ort.Tensor('float32', block, [1, 1, crop, crop, crop]) };
  const runs = Number(arg('runs', 3));
  const tfTimes = [];
  const ortTimes = [];
  for (let r = -1; r < runs; r++) {
    let t = performance.now();
    const x = up.tf.tensor(block, [1, crop, crop, crop, 1]);
    const y = tfjsNetwork(up, tfModel, x);
    await y.data();
    y.dispose();
    x.dispose();
    if (r >= 0) tfTimes.push(performance.now() - t);
    t = performance.now();
    await session.run(feed);
    if (r >= 0) ortTimes.push(performance.now() - t);
  }
  return { crop, tfTimes, ortTimes, tfjs: up.tf.version?.tfjs ?? 'unknown', backend: up.tf.getBackend(), brainchop: up.commit };
}

if (process.argv[2] === '--child') {
  const out = await child(process.argv[3], process.argv[4], process.argv[5]);
  console.log(JSON.stringify(out));
  process.exit(0);
}

// ---------------------------------------------------------------- parent

// --quick (bench/run.mjs --quick): the light tissue model only, two timed runs a side - every
// model conforms the 256^3 T1, so the full area takes several minutes.
const quick = process.argv.includes('--quick');
const models = (arg('models', '') || (quick ? MODELS[0] : MODELS.join(','))).split(',');
const runs = arg('runs', quick ? '2' : '3');
const base = join(tmpdir(), `medinfer-bench-brainchop-${process.pid}`);
const self = fileURLToPath(import.meta.url);
const childRun = (mode, model, dir, extra = []) =>
  runJsonChild(process.execPath, [self, '--child', mode, model, dir, '--threads', String(THREADS), '--runs', runs, ...extra], { timeoutMs: 1_800_000 });
const tfjsReason =
  !existsSync('/tmp/tfjs/node_modules/@tensorflow/tfjs') && !process.env.MEDINFER_TFJS_DIR
    ? 'no tfjs install at /tmp/tfjs (see the setup in this file)'
    : !existsSync(process.env.MEDINFER_BRAINCHOP_REPO ?? '/work/.mirror/neuroneural+brainchop/repo')
      ? 'no brainchop clone (MEDINFER_BRAINCHOP_REPO)'
      : '';
if (tfjsReason) console.error(`SKIPPED tfjs comparison: ${tfjsReason}`);

const rows = [];
for (const model of models) {
  const dir = join(base, model);
  mkdirSync(dir, { recursive: true });
  const cap = await childRun('capture', model, dir);
  if (!cap.ok) {
    rows.push({ model, error: cap.error });
    console.error(model, cap.error);
    continue;
  }
  // --memory-only: peak RSS of each side (one run each), no timing (the 50-class model takes
  // minutes per run on 2 shared cores).
  const both = process.argv.includes('--memory-only') ? { ok: false, error: 'timing not run (--memory-only)' } : await childRun('both', model, dir);
  const sdk = await childRun('sdk', model, dir);
  const ort = await childRun('ort', model, dir);
  const tf =
    tfjsReason || (model !== 'brainchop-tissue-gwm-light' && !process.argv.includes('--tfjs-all'))
      ? undefined
      : await childRun('tfjs', model, dir, ['--crop', arg('crop', '48')]);
  const row = { model, feeds: cap.result.calls };
  if (both.ok)
    Object.assign(row, {
      sdkMs: median(both.result.sdkTimes),
      ortMs: median(both.result.ortTimes),
      sdkTimes: both.result.sdkTimes,
      ortTimes: both.result.ortTimes,
      ownCpuMs: median(both.result.ownCpu),
      ortCpuMs: median(both.result.ortCpu),
      ownCpu: both.result.ownCpu,
      ortCpu: both.result.ortCpu,
    });
  else row.error = both.error;
  if (sdk.ok && ort.ok) Object.assign(row, { sdkRssMB: Math.round(sdk.result.maxRssMB), ortRssMB: Math.round(ort.result.maxRssMB) });
  if (tf?.ok)
    row.tfjs = {
      crop: tf.result.crop,
      tfMs: median(tf.result.tfTimes),
      ortMs: median(tf.result.ortTimes),
      version: tf.result.tfjs,
      brainchop: tf.result.brainchop,
    };
  else if (tf) row.tfjsError = tf.error;
  rows.push(row);
  console.error(JSON.stringify(row));
}
spawnSync('rm', ['-rf', base]);

// Own work two ways: wall (1 - bare / medinfer, alternated runs; swamped by other processes' load
// on a shared box) and CPU time outside session.run (ms per run, and as a share of own CPU + bare
// ORT's CPU time in the same run: the part of the machine's work the SDK adds, load-independent).
const lines = [
  `| model | feeds (N,C,D,H,W) | medinfer s | bare ORT s | own work (wall) | own CPU ms | own CPU share | peak RSS medinfer / bare ORT MB | ratio |`,
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows
    .filter((r) => r.sdkMs || r.sdkRssMB)
    .map(
      (r) =>
        `| ${r.model} | ${r.feeds.map((d) => d.join('x')).join(' + ')} | ${r.sdkMs ? (r.sdkMs / 1000).toFixed(2) : '-'} | ` +
        `${r.ortMs ? (r.ortMs / 1000).toFixed(2) : '-'} | ${r.sdkMs ? (100 * (1 - r.ortMs / r.sdkMs)).toFixed(1) + ' %' : '-'} | ` +
        `${r.ownCpuMs ? r.ownCpuMs.toFixed(0) : '-'} | ${r.ownCpuMs ? ((100 * r.ownCpuMs) / (r.ownCpuMs + r.ortCpuMs)).toFixed(1) + ' %' : '-'} | ` +
        `${r.sdkRssMB ?? '?'} / ${r.ortRssMB ?? '?'} | ${r.sdkRssMB ? (r.sdkRssMB / r.ortRssMB).toFixed(2) : '?'}x |`,
    ),
];
const tfRows = rows.filter((r) => r.tfjs);
if (tfRows.length)
  lines.push(
    '',
    '| model | crop | tfjs CPU (brainchop network) s | bare ORT s | tfjs / ORT |',
    '| --- | --- | ---: | ---: | ---: |',
    ...tfRows.map(
      (r) =>
        `| ${r.model} | ${r.tfjs.crop}^3 | ${(r.tfjs.tfMs / 1000).toFixed(2)} | ${(r.tfjs.ortMs / 1000).toFixed(3)} | ` +
        `${(r.tfjs.tfMs / r.tfjs.ortMs).toFixed(0)}x |`,
    ),
  );
if (tfjsReason) lines.push('', `tfjs comparison skipped: ${tfjsReason}`);
for (const r of rows.filter((x) => x.error || x.tfjsError)) lines.push(`- ${r.model}: ${r.error ?? r.tfjsError}`);
lines.push(
  '',
  `runs: ${runs} timed after one warm-up each side, alternated in one process; ${THREADS} intra-op threads both sides; load ${JSON.stringify(machineNote())}`,
);
console.log(lines.join('\n'));
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
// The area format bench/run.mjs merges (area, date, figures, failed), beside the rows above.
const figures = rows.flatMap((r) => [
  ...(r.sdkMs
    ? [
        makeFigure(
          `${r.model}: medinfer pipeline (file in, labels out) vs bare session.run on its feeds`,
          'ms',
          r.sdkMs,
          'bare onnxruntime-node session.run',
          r.ortMs,
        ),
      ]
    : []),
  ...(r.sdkRssMB
    ? [makeFigure(`${r.model}: peak RSS, medinfer pipeline vs bare session.run`, 'MB', r.sdkRssMB, 'bare onnxruntime-node session.run', r.ortRssMB)]
    : []),
  ...(r.tfjs
    ? [
        makeFigure(
          `${r.model}: brainchop's tfjs CPU network on a ${r.tfjs.crop}^3 crop vs bare ORT`,
          'ms',
          r.tfjs.tfMs,
          'bare onnxruntime-node session.run',
          r.tfjs.ortMs,
        ),
      ]
    : []),
]);
const failed = rows.filter((r) => r.error && !process.argv.includes('--memory-only')).map((r) => ({ figure: r.model, error: r.error }));
writeFileSync(
  join(resultsDir, process.argv.includes('--memory-only') ? 'brainchop-memory.json' : 'brainchop.json'),
  JSON.stringify(
    { area: 'brainchop', date: new Date().toISOString(), quick, machine: machineNote(), threads: THREADS, runs: Number(runs), figures, failed, rows },
    null,
    2,
  ),
);
