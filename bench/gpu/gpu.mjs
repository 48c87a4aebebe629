#!/usr/bin/env node
/**
 * GPU figures (issue 26, requirement 7), run by bench/gpu/run.sh on a machine with an NVIDIA card:
 * for each execution provider (CUDA, WebGPU through onnxruntime-node's Dawn / Vulkan build) and
 * each model (bundled + benchmark-size), the SDK pipeline end to end vs bare session.run on the
 * same prepared tensors with the same provider, and bare session.run with GPU-resident outputs
 * (`preferredOutputLocation`, no readback) where onnxruntime-node accepts it. Sides alternate
 * every round. Writes gpu.json + gpu.md (card name from nvidia-smi) into --out.
 * Loud: a provider that is unavailable, or a pipeline that ends up on another provider than asked
 * (a silent CPU fallback), is a failed figure; the script exits 1 naming each one.
 *   node bench/gpu/gpu.mjs --out DIR [--dry-run] [--providers cuda,webgpu] [--runs N]
 * --dry-run: the CPU-side parts only (provider 'cpu', small sizes, 2 runs, nvidia-smi optional),
 * to check the script itself on a machine without a GPU.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { runPreprocessPlan } from '../../dist/ops.js';
import { createNodeBackend, createPipeline, readImageFile } from '../../dist/node.js';
import { benchEntries, bundledEntries, ensureBenchModels, loadManifest, REPO } from '../lib/entries.mjs';
import { benchTempDir, writeMultiModal, writeRadiographs, writeRegistrationPair } from '../lib/inputs.mjs';
import { segmentationWindows } from '../lib/window-feeds.mjs';
import { machineNote, makeFigure, median, round } from '../lib/stats.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const dry = args.includes('--dry-run');
const out = resolve(opt('--out', join(REPO, 'bench', 'results', 'gpu')));
const providers = opt('--providers', dry ? 'cpu' : 'cuda,webgpu')
  .split(',')
  .filter(Boolean);
const RUNS = Number(opt('--runs', dry ? 2 : 10));
const figures = [];
const failed = [];
const dir = benchTempDir('medinfer-bench-gpu');
const manifest = await loadManifest();

function gpuName() {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim();
  if (dry) return `no GPU (dry run: ${r.error?.code ?? `nvidia-smi exit ${r.status}`})`;
  console.error('nvidia-smi failed: no NVIDIA GPU visible; nothing measured');
  process.exit(1);
}
const card = gpuName();

/** The cases: bundled models and benchmark-size ones, their inputs and bare-session feeds. */
async function cases() {
  const bundled = bundledEntries(manifest);
  const pick = (task, id) => (bundled[task] ?? []).find((e) => e.id === id);
  const list = [];
  const cxr = (await writeRadiographs(dir, 1, 1024))[0];
  const cls = pick('classification', 'medinfer-cxr-densenet-phantom');
  if (cls) list.push({ task: 'classification', entry: cls, input: cxr, about: 'PNG 1024^2 8-bit' });
  const seg = pick('segmentation', 'medinfer-brats-unet3d-phantom');
  const mri = dry ? [64, 64, 48] : [240, 240, 155];
  if (seg)
    list.push({
      task: 'segmentation',
      entry: seg,
      input: writeMultiModal(
        dir,
        mri,
        seg.inputs.map((i) => i.name),
      ),
      about: `4x${mri.join('x')} NIfTI`,
    });
  const models = await ensureBenchModels();
  if (!models.ok) {
    failed.push({ figure: 'benchmark-size models', error: models.reason });
    return list;
  }
  const b = benchEntries(manifest, { roi: dry ? [64, 64, 64] : [128, 128, 128] });
  list.push({ task: 'classification', entry: b.classification, input: cxr, about: 'PNG 1024^2 8-bit, DenseNet-121 224' });
  // Full runs: the 32-feature U-Net with nnU-Net windows of 128^3 over a BraTS-size volume (18 windows).
  list.push({
    task: 'segmentation',
    entry: dry ? b.segmentationLite : b.segmentation,
    input: writeMultiModal(dir, mri),
    about: `4x${mri.join('x')} NIfTI, windows ${dry ? '64^3' : '128^3'}`,
  });
  const reg = dry ? [64, 64, 64] : [160, 192, 224];
  list.push({ task: 'registration', entry: b.registration, input: writeRegistrationPair(dir, reg), about: `${reg.join('x')} pair` });
  return list;
}

/** Prepared feeds for the bare side: one per session.run the pipeline makes. */
async function bareFeeds(c) {
  const name = c.entry.io.inputs[0].name;
  if (c.task === 'classification') {
    const t = runPreprocessPlan(await readImageFile(c.input), c.entry.preprocess).tensor;
    return [() => ({ [name]: new ort.Tensor('float32', t.data, t.dims) })];
  }
  if (c.task === 'segmentation') {
    const names = c.entry.inputs?.map((i) => i.name) ?? Object.keys(c.input);
    const vols = {};
    for (const n of names) vols[n] = await readImageFile(c.input[n]);
    const t = runPreprocessPlan(names.length > 1 ? vols : vols[names[0]], c.entry.preprocess).tensor;
    if (c.entry.inference.mode !== 'slidingWindow') return [() => ({ [name]: new ort.Tensor('float32', t.data, t.dims) })];
    return segmentationWindows(t, c.entry.inference).map((cut) => () => ({
      [name]: new ort.Tensor('float32', cut(), [1, t.dims[1], ...c.entry.inference.roi]),
    }));
  }
  // registration: as bench/lib/case.mjs feeds it (two inputs, or channels in the entry's order).
  const pre = {};
  for (const n of ['fixed', 'moving']) pre[n] = runPreprocessPlan(await readImageFile(c.input[n]), c.entry.preprocess).tensor;
  if (c.entry.io.inputs.length === 2)
    return [() => Object.fromEntries(c.entry.io.inputs.map((s) => [s.name, new ort.Tensor('float32', pre[s.name].data, pre[s.name].dims)]))];
  const order = c.entry.inputs?.map((i) => i.name) ?? ['moving', 'fixed'];
  const n = pre.fixed.data.length;
  const data = new Float32Array(order.length * n);
  order.forEach((k, ch) => data.set(pre[k].data, ch * n));
  return [() => ({ [name]: new ort.Tensor('float32', data, [1, order.length, ...pre.fixed.dims.slice(2)]) })];
}

const once = (pipe, c) => (c.task === 'registration' ? pipe.run({ fixed: c.input.fixed, moving: c.input.moving }) : pipe.run(c.input));
const timeIt = async (f) => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

// Output location of a GPU-resident result, per provider (onnxruntime-node's names).
const GPU_LOCATION = { cuda: 'gpu-buffer', webgpu: 'gpu-buffer', cpu: undefined };

async function measure(ep, c) {
  const label = `${c.task} [${c.entry.id}; ${c.about}] on ${ep}`;
  const pipe = await createPipeline(c.task, c.entry, { provider: ep, threads: 2 });
  const used = pipe.provider?.used ?? pipe.provider;
  if (used !== ep) throw new Error(`pipeline runs on '${used}', not '${ep}' (dropped: ${JSON.stringify(pipe.provider?.dropped ?? [])})`);
  const model = join(REPO, c.entry.files.find((f) => f.role === 'model').path);
  const feeds = await bareFeeds(c);
  const bare = await ort.InferenceSession.create(model, { executionProviders: [ep], intraOpNumThreads: 2 });
  let resident;
  let residentNote = 'not asked (CPU)';
  if (GPU_LOCATION[ep]) {
    try {
      resident = await ort.InferenceSession.create(model, { executionProviders: [ep], intraOpNumThreads: 2, preferredOutputLocation: GPU_LOCATION[ep] });
      residentNote = `preferredOutputLocation '${GPU_LOCATION[ep]}'`;
    } catch (e) {
      residentNote = `onnxruntime-node refused preferredOutputLocation '${GPU_LOCATION[ep]}' on ${ep}: ${String(e.message ?? e).slice(0, 200)}`;
    }
  }
  const runAll = (s, keep) => async () => {
    for (const f of feeds) {
      const r = await s.run(f());
      if (!keep) for (const t of Object.values(r)) t.dispose?.();
    }
  };
  const sides = [['sdk', () => once(pipe, c)], ['bare', runAll(bare, true)], ...(resident ? [['resident', runAll(resident, false)]] : [])];
  const times = Object.fromEntries(sides.map(([k]) => [k, []]));
  for (const [, f] of sides) await f(); // warm-up (kernel compilation, allocations)
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < sides.length; k++) {
      const [key, f] = sides[(k + r) % sides.length];
      times[key].push(await timeIt(f));
    }
  }
  await pipe.dispose();
  await bare.release();
  await resident?.release();
  const common = {
    model: `${c.entry.id} (${c.entry.architecture ?? c.task})`,
    input: c.about,
    sizes: `${feeds.length} session.run call(s)`,
    runs: RUNS,
    provider: ep,
    card,
  };
  figures.push(
    makeFigure(
      `${label}: SDK end to end vs bare session.run`,
      'ms',
      median(times.sdk),
      `bare session.run on ${ep}, outputs read back to the CPU`,
      median(times.bare),
      { ...common, sdkTimesMs: times.sdk.map(round), baselineTimesMs: times.bare.map(round) },
    ),
  );
  if (resident)
    figures.push(
      makeFigure(
        `${label}: bare with outputs read back vs GPU-resident outputs`,
        'ms',
        median(times.bare),
        `bare session.run, ${residentNote}`,
        median(times.resident),
        { ...common, note: 'ratio > 1: the readback costs that much; what the SDK could save by keeping outputs on the GPU' },
      ),
    );
  else figures.push({ name: `${label}: GPU-resident outputs`, unit: 'ms', median: null, baseline: residentNote, baselineMedian: null, ratio: null, ...common });
}

const backend = createNodeBackend();
const list = await cases();
for (const ep of providers) {
  const why = await backend.unavailableReason(ep);
  if (why) {
    failed.push({ figure: `every ${ep} figure`, error: `provider ${ep} unavailable: ${why}` });
    continue;
  }
  for (const c of list) {
    try {
      await measure(ep, c);
    } catch (e) {
      failed.push({ figure: `${c.task} [${c.entry.id}] on ${ep}`, error: String(e.message ?? e).slice(0, 400) });
      console.error(`FAILED ${c.task} [${c.entry.id}] on ${ep}: ${e.stack ?? e}`);
    }
  }
}

mkdirSync(out, { recursive: true });
const result = { area: 'gpu', date: new Date().toISOString(), dryRun: dry, card, providers, machine: machineNote(), figures, failed };
writeFileSync(join(out, 'gpu.json'), JSON.stringify(result, null, 2) + '\n');
const md = [
  `# GPU run ${result.date}${dry ? ' (dry run: CPU only)' : ''}`,
  '',
  `Card: ${card}. Providers: ${providers.join(', ')}. Median of ${RUNS} runs after a warm-up, sides rotating every round.`,
  '',
  '| figure | model | input | sizes | runs | median ms | baseline | baseline ms | ratio |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...figures.map(
    (f) =>
      `| ${f.name} | ${f.model} | ${f.input} | ${f.sizes} | ${f.runs} | ${f.median ?? '-'} | ${f.baseline} | ${f.baselineMedian ?? '-'} | ${f.ratio ?? '-'} |`,
  ),
  '',
  ...failed.map((f) => `- **not measured**: ${f.figure}: ${f.error}`),
  '',
];
writeFileSync(join(out, 'gpu.md'), md.join('\n'));
console.log(md.join('\n'));
if (failed.length) {
  console.error(`gpu: ${failed.length} figure group(s) not measured: ${failed.map((f) => f.figure).join('; ')}`);
  process.exit(1);
}
