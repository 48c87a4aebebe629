/**
 * One benchmark case, run in its own process by child.mjs (so maxRSS is this case's own peak):
 *   node bench/lib/case.mjs '<json spec>'
 * spec: { side: 'sdk' | 'ort' | 'both', task, entry (a manifest model entry), input, runs, warmup, threads }
 *   side 'both': timing mode, both sides in this process with alternating runs -> sdkTimesMs, ortTimesMs.
 *   side 'sdk': the public pipeline end to end - files in, typed result out (createPipeline).
 *   side 'ort': bare onnxruntime-node InferenceSession.run() on the real preprocessed tensors
 *     (prepared with the SDK's own plan before timing: values matter, see segmentation below),
 *     called exactly as often and with the shapes the pipeline uses (same batch chunks; for
 *     sliding windows, one roi-sized run per window the pipeline would place). It is the floor:
 *     model arithmetic only, no file reading, preprocessing, blending or postprocessing.
 * input per task: classification { images: [png...] }, segmentation { volumes: { t1c, t1, t2, flair } },
 *   registration { fixed, moving }, report-text { reports: json file of strings }, detection { image }.
 * Prints one JSON line: { timesMs (or sdkTimesMs + ortTimesMs), setupMs, setupRssMB, maxRssMB, detail }.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { runPreprocessPlan } from '../../dist/ops.js';
import { createPipeline, readImageFile } from '../../dist/node.js';
import { createTokenizer, parseTokenizerSpec, parseVocabulary } from '../../dist/pipelines/text-tokenizer.js';
import { DEFAULT_REPORT_BATCH } from '../../dist/pipelines/report-text.js';
import { REPO, currentEntry } from './entries.mjs';
import { bareSessionOptions } from './ort-options.mjs';
import { startPythonTurns } from './python-turns.mjs';
import { detectionWindows, segmentationWindows } from './window-feeds.mjs';

const spec = JSON.parse(process.argv[2]);
const { side, task, input } = spec;
// Bundled models are re-read from models.manifest.json as it is now (models get retrained while
// the suite runs: an entry captured earlier would fail the sha256 check with E_INTEGRITY).
const entry = await currentEntry(spec.entry);
const runs = spec.runs ?? 3;
const warmup = spec.warmup ?? 1;
const threads = spec.threads ?? 2;
const rssMB = () => process.resourceUsage().maxRSS / 1024;

async function sdkCase() {
  const pipeline = await createPipeline(task, entry, { threads, provider: 'cpu' });
  const detail = { provider: pipeline.provider?.used ?? pipeline.provider };
  const reports = task === 'report-text' ? JSON.parse(readFileSync(input.reports, 'utf8')) : undefined;
  const once = async () => {
    if (task === 'classification') return input.images.length === 1 ? pipeline.run(input.images[0]) : pipeline.runBatch(input.images);
    if (task === 'segmentation') return pipeline.run(input.volumes);
    if (task === 'registration') return pipeline.run({ fixed: input.fixed, moving: input.moving });
    if (task === 'report-text') return pipeline.runBatch(reports);
    if (task === 'detection') return pipeline.run(input.image);
    throw new Error(`unknown task ${task}`);
  };
  return { once, detail, dispose: () => pipeline.dispose() };
}

/** The feeds and the number of session.run calls the pipeline would make, prepared up front. */
async function ortFeeds() {
  const name0 = entry.io.inputs[0].name;
  if (task === 'classification') {
    const max = entry.inference?.batch ?? 8;
    const vol = await readImageFile(input.images[0]);
    const one = runPreprocessPlan(vol, entry.preprocess).tensor; // real preprocessed tensor
    const n = input.images.length;
    const chunks = [];
    for (let s = 0; s < n; s += max) {
      const b = Math.min(max, n - s);
      const data = new Float32Array(b * one.data.length);
      for (let k = 0; k < b; k++) data.set(one.data, k * one.data.length);
      chunks.push({ [name0]: new ort.Tensor('float32', data, [b, ...one.dims.slice(1)]) });
    }
    return chunks;
  }
  if (task === 'segmentation') {
    // The real preprocessed tensor, cut into the very windows the pipeline places (the data
    // matters: with random-filled windows of the same shapes the bare runs timed differently here).
    // Windows are cut when run (bench/lib/window-feeds.mjs), one held at a time as in the pipeline.
    const names = entry.inputs?.map((i) => i.name) ?? Object.keys(input.volumes);
    const vols = {};
    for (const n of names) vols[n] = await readImageFile(input.volumes[n]);
    const pre = runPreprocessPlan(names.length > 1 ? vols : vols[names[0]], entry.preprocess).tensor;
    if (entry.inference.mode !== 'slidingWindow') return [{ [name0]: new ort.Tensor('float32', pre.data, pre.dims) }];
    return segmentationWindows(pre, entry.inference).map((cut) => () => ({
      [name0]: new ort.Tensor('float32', cut(), [1, pre.dims[1], ...entry.inference.roi]),
    }));
  }
  if (task === 'registration') {
    const pre = {};
    for (const n of ['fixed', 'moving']) pre[n] = runPreprocessPlan(await readImageFile(input[n]), entry.preprocess).tensor;
    if (entry.io.inputs.length === 2)
      return [Object.fromEntries(entry.io.inputs.map((s) => [s.name, new ort.Tensor('float32', pre[s.name].data, pre[s.name].dims)]))];
    // One input: channels concatenated in the entry's order (VoxelMorph: cat(moving, fixed)), as the pipeline does.
    const order = entry.inputs?.map((i) => i.name) ?? ['moving', 'fixed'];
    const n = pre.fixed.data.length;
    const data = new Float32Array(order.length * n);
    order.forEach((name, c) => data.set(pre[name].data, c * n));
    return [{ [name0]: new ort.Tensor('float32', data, [1, order.length, ...pre.fixed.dims.slice(2)]) }];
  }
  if (task === 'report-text') {
    const reports = JSON.parse(readFileSync(input.reports, 'utf8'));
    const vocab = readFileSync(join(REPO, entry.files.find((f) => f.role === 'vocab').path));
    const tokenizer = createTokenizer(parseTokenizerSpec(entry.tokenizer, entry.id), parseVocabulary(vocab, 'vocab', entry.id), entry.id);
    const len = tokenizer.spec.maxLength;
    // Same chunks as the pipeline's runBatch (inference.batch, else its default).
    const max = entry.inference?.batch ?? DEFAULT_REPORT_BATCH;
    const chunks = [];
    for (let s = 0; s < reports.length; s += max) {
      const part = reports.slice(s, s + max);
      const ids = new BigInt64Array(part.length * len);
      part.forEach((r, i) => tokenizer.encode(r).forEach((v, k) => (ids[i * len + k] = BigInt(v))));
      chunks.push({ [name0]: new ort.Tensor('int64', ids, [part.length, len]) });
    }
    return chunks;
  }
  if (task === 'detection') {
    const vol = await readImageFile(input.image);
    const t = runPreprocessPlan(vol, entry.preprocess).tensor;
    // 3D detection runs roi windows (zero padded past the far edge), one session.run each.
    if (entry.inference?.mode === 'slidingWindow' && t.dims.length === 5) {
      const f32 = { data: Float32Array.from(t.data), dims: t.dims };
      return detectionWindows(f32, entry.inference).map((cut) => () => ({ [name0]: new ort.Tensor('float32', cut(), [1, t.dims[1], ...entry.inference.roi]) }));
    }
    return [{ [name0]: new ort.Tensor(t.type, t.data, t.dims) }];
  }
  throw new Error(`unknown task ${task}`);
}

async function ortCase() {
  const path = join(REPO, entry.files.find((f) => f.role === 'model').path);
  const session = await ort.InferenceSession.create(path, bareSessionOptions(threads));
  const feeds = await ortFeeds();
  const once = async () => {
    for (const f of feeds) await session.run(typeof f === 'function' ? f() : f);
  };
  const first = typeof feeds[0] === 'function' ? feeds[0]() : feeds[0];
  return { once, detail: { calls: feeds.length, dims: first[entry.io.inputs[0].name].dims }, dispose: () => session.release() };
}

const t0 = performance.now();
if (side === 'both') {
  // Timing mode: the pipeline and the bare session in one process, runs alternated (the order
  // rotates every round) so that load drifting on a shared machine hits both sides alike. With
  // spec.python the Python stack takes its turn in the rotation too (its own process, driven run
  // by run: bench/lib/python-turns.mjs).
  const sdk = await sdkCase();
  const bare = await ortCase();
  const py = spec.python ? startPythonTurns(spec, spec.python) : undefined;
  const setupMs = performance.now() - t0;
  for (let w = 0; w < warmup; w++) {
    await sdk.once();
    await bare.once();
  }
  let pyError;
  try {
    await py?.ready;
  } catch (e) {
    pyError = String(e.message ?? e);
  }
  const sdkTimesMs = [];
  const ortTimesMs = [];
  const pyTimesMs = [];
  const timed = (c) => async () => {
    const t = performance.now();
    await c.once();
    return performance.now() - t;
  };
  const sides = [[timed(sdk), sdkTimesMs], [timed(bare), ortTimesMs], ...(py && !pyError ? [[() => py.run(), pyTimesMs]] : [])];
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < sides.length; k++) {
      const [run, into] = sides[(k + r) % sides.length];
      try {
        into.push(await run());
      } catch (e) {
        if (into !== pyTimesMs) throw e;
        pyError = String(e.message ?? e);
        sides.splice(
          sides.findIndex((x) => x[1] === pyTimesMs),
          1,
        );
      }
    }
  }
  let python;
  if (py && !pyError) python = await py.close().catch((e) => ({ error: String(e.message ?? e) }));
  else py?.kill();
  await sdk.dispose();
  await bare.dispose();
  const pyResult = py
    ? pyError || python?.error
      ? { error: pyError ?? python.error }
      : { timesMs: pyTimesMs, maxRssMB: python.maxRssMB, setupMs: python.setupMs }
    : undefined;
  console.log(
    JSON.stringify({
      side,
      task,
      sdkTimesMs,
      ortTimesMs,
      ...(pyResult ? { python: pyResult } : {}),
      setupMs,
      maxRssMB: rssMB(),
      detail: { ...sdk.detail, ...bare.detail },
    }),
  );
} else {
  // Memory mode (or a single side's timing): this process holds only one side, so maxRSS is its own.
  const c = side === 'sdk' ? await sdkCase() : await ortCase();
  const setupMs = performance.now() - t0;
  const setupRssMB = rssMB();
  for (let w = 0; w < warmup; w++) await c.once();
  const timesMs = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await c.once();
    timesMs.push(performance.now() - t);
  }
  const maxRssMB = rssMB();
  await c.dispose();
  console.log(JSON.stringify({ side, task, timesMs, setupMs, setupRssMB, maxRssMB, detail: c.detail }));
}
