/**
 * Benchmark page for bench/browser-models.mjs (bundled by that script with esbuild, never shipped).
 * One page = one onnxruntime-web instance, whose wasm thread count is fixed by `?threads=` at its
 * first session. For a bundled model it builds the phantom input, runs the SDK pipeline once while
 * recording every feed the pipeline passes to session.run (shapes, count: sliding windows included),
 * then times three things on the same model and tensors:
 *   sdk     - the SDK pipeline end to end (volume in, typed result out);
 *   session - the SDK's ModelSession.run over the recorded feeds (its per-inference wrapper:
 *             feed checks, tensor wrapping, output download, NaN / all-zero checks on GPU);
 *   bare    - onnxruntime-web called directly (InferenceSession created once from the same bytes
 *             with the same execution provider; ort.Tensor in, CPU output out) over the same feeds.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { fetchManifest } from '../../src/browser.js';
import { createBrowserContext } from '../../src/pipelines/browser-context.js';
import type { ModelEntry } from '../../src/manifest/types.js';
import { caseSeed, generateBrainMri, generateChestCt, generateChestRadiograph, generateLungCtPair, generateReportText } from '../../src/phantoms/index.js';
import { createPipelineInContext } from '../../src/pipelines/registry.js';
import type { BackendSession, RuntimeBackend } from '../../src/runtime/backend.js';
import type { ModelSession } from '../../src/runtime/model-session.js';
import { openModel } from '../../src/runtime/open-model.js';
import type { TensorMap } from '../../src/core/tensor.js';

const params = new URLSearchParams(location.search);
const THREADS = params.has('threads') ? Number(params.get('threads')) : undefined;
const SEED = 77_000;

interface Prepared {
  run(): Promise<unknown>;
  feeds: TensorMap[];
  /** Backend sessions the pipeline created so far (1 when it reuses its session across runs). */
  recorder: { sessions: number };
  session: ModelSession;
  bare: ort.InferenceSession;
  input: string;
  provider: unknown;
}
const prepared = new Map<string, Prepared>();

/** The phantom input for a task (sizes chosen to be what the demo and samples use). */
function makeInput(entry: ModelEntry): { value: unknown; what: string } {
  const seed = caseSeed(SEED, 0);
  switch (entry.task) {
    case 'classification':
    case 'detection':
      if (entry.dimensionality === 2) {
        const cxr = generateChestRadiograph({ seed, size: 256, findings: { Cardiomegaly: true, Nodule: true } });
        return { value: cxr.image, what: 'chest radiograph phantom 256x256' };
      } else {
        const ct = generateChestCt({ seed, size: [128, 128, 64] });
        return { value: ct.image, what: 'chest CT phantom 128x128x64' };
      }
    case 'segmentation': {
      if ((entry.inputs?.length ?? 1) <= 1) {
        // brainchop's models take one T1: the pipeline conforms it to 256^3 at 1 mm and crops the head.
        const mri = generateBrainMri({ seed, size: [160, 192, 160], spacingMm: 1 });
        return { value: mri.images.t1, what: 'brain MRI phantom T1 160x192x160 1 mm (conformed to 256^3, cropped to the head)' };
      }
      // The bundled BraTS model's space is 1.5 mm: its space check refuses other spacings.
      const mri = generateBrainMri({ seed, size: [64, 64, 48], spacingMm: 1.5 });
      return { value: { ...mri.images }, what: 'brain MRI phantom 4x64x64x48' };
    }
    case 'registration': {
      const pair = generateLungCtPair({ seed, size: [64, 64, 48] });
      return { value: { fixed: pair.exhale, moving: pair.inhale }, what: 'lung CT pair phantom 64x64x48' };
    }
    case 'report-text': {
      const texts = Array.from({ length: 32 }, (_, i) => generateReportText({ seed: caseSeed(SEED, i) }).text);
      return { value: texts, what: '32 phantom reports' };
    }
    default:
      throw new Error(`no bench input for task ${entry.task}`);
  }
}

/** Records the feeds of the backend sessions it creates while `recorder.on`. */
function recording(backend: RuntimeBackend, recorder: { on: boolean; feeds: TensorMap[]; sessions: number }): RuntimeBackend {
  return {
    ...backend,
    async createSession(model, provider, options) {
      recorder.sessions++;
      const inner = await backend.createSession(model, provider, options);
      const wrapped: BackendSession = {
        get inputNames() {
          return inner.inputNames;
        },
        get outputNames() {
          return inner.outputNames;
        },
        get inputMetadata() {
          return inner.inputMetadata;
        },
        get outputMetadata() {
          return inner.outputMetadata;
        },
        get fallbacks() {
          return inner.fallbacks;
        },
        run: (f: TensorMap) => {
          if (recorder.on) recorder.feeds.push(f);
          return inner.run(f);
        },
        release: () => inner.release(),
      } as BackendSession;
      return wrapped;
    },
  };
}

async function prepare(
  model: string,
  provider: 'wasm' | 'webgpu',
): Promise<{ input: string; provider: unknown; calls: number; feedMB: number; feedDims: Record<string, readonly number[]>; threads: number | undefined }> {
  const manifest = await fetchManifest('/models.manifest.json');
  const entry = manifest.models[model];
  if (!entry) throw new Error(`no model ${model}`);
  const recorder = { on: true, feeds: [] as TensorMap[], sessions: 0 };
  const ctx = await createBrowserContext({ manifest, wasmPaths: '/ort/', provider, ...(THREADS !== undefined ? { numThreads: THREADS } : {}) });
  const backend = recording(ctx.backend, recorder);
  const pipe = (await createPipelineInContext(entry.task as 'classification', entry, { ...ctx, backend })) as unknown as {
    run(x: unknown): Promise<unknown>;
    runBatch?(x: unknown): Promise<unknown>;
    provider: unknown;
  };
  const { value, what } = makeInput(entry);
  const run = entry.task === 'report-text' ? () => pipe.runBatch!(value) : () => pipe.run(value);
  await run(); // warm-up, records the feeds of one pipeline run
  recorder.on = false; // the pipeline's later runs are timed, not recorded
  const recorded = recorder.feeds;
  // The SDK ModelSession the pipeline holds: the context's session cache returns the same one.
  const session = await openModel(backend, manifest, entry, { cache: ctx.cache, provider });
  const file = entry.files.find((f) => f.role === 'model')!;
  const bytes = new Uint8Array(await (await fetch(`/${file.path}`)).arrayBuffer());
  const bare = await ort.InferenceSession.create(bytes, { executionProviders: [provider] });
  prepared.set(`${model}/${provider}`, { run, feeds: recorded, recorder, session, bare, input: what, provider: pipe.provider });
  const feedBytes = recorded.reduce((s, f) => s + Object.values(f).reduce((a, t) => a + t.data.byteLength, 0), 0);
  const feedDims = Object.fromEntries(Object.entries(recorded[0] ?? {}).map(([k, t]) => [k, t.dims]));
  return { input: what, provider: pipe.provider, calls: recorded.length, feedMB: feedBytes / 2 ** 20, feedDims, threads: THREADS };
}

async function time(model: string, provider: 'wasm' | 'webgpu', side: 'sdk' | 'session' | 'bare'): Promise<number> {
  const p = prepared.get(`${model}/${provider}`);
  if (!p) throw new Error(`not prepared: ${model}/${provider}`);
  const t0 = performance.now();
  if (side === 'sdk') await p.run();
  else if (side === 'session') {
    for (const f of p.feeds) await p.session.run(f);
  } else {
    for (const f of p.feeds) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(f)) feeds[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data as ort.Tensor.DataType, t.dims);
      const out = await p.bare.run(feeds);
      // Outputs land on the CPU by default (as the SDK's do): touch them so the download is timed.
      for (const t of Object.values(out)) void (t.location === 'cpu' ? t.data : await t.getData(true));
    }
  }
  return performance.now() - t0;
}

(window as unknown as { bench: unknown }).bench = {
  prepare,
  time,
  sessionsCreated: (model: string, provider: string) => prepared.get(`${model}/${provider}`)?.recorder.sessions,
  env: () => ({ crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency, numThreads: ort.env.wasm.numThreads, userAgent: navigator.userAgent }),
};
