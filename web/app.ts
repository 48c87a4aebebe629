/**
 * The medinfer web demo: pick a model and a sample (or drop files), run it in the browser, see
 * the result in NiiVue (web/viewer.ts) over the image. `window.medinfer` exposes the same runs,
 * and the viewer, to automated tests.
 */
import {
  createPipeline,
  createWebBackend,
  fetchManifest,
  labelNames,
  readDicomFilesInBrowser,
  readImageInBrowser,
  type Manifest,
  type ModelEntry,
  type ProviderChoice,
  type Volume,
} from '../src/browser.js';
import { DEMO_CODECS } from './codecs.js';
import { displayVolume } from './layers.js';
import { renderLayerPanel, renderResultTable } from './panel.js';
import { boxLayer, WEB_TASKS, type DrawnBoxes } from './tasks.js';
import { Viewer, type Layer, type ViewName } from './viewer.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const MANIFEST_URL = params.get('manifest') ?? '/models.manifest.json';
// Optional overrides for tests and benchmarks: wasm thread count, and the WebGPU binding limit.
// Without ?threads the SDK's default applies (min(4, cores / 2); 1 where the page is not isolated).
const THREADS = params.has('threads') ? Number(params.get('threads')) : undefined;
const GPU_LIMIT = params.has('maxStorageBufferBindingSize') ? Number(params.get('maxStorageBufferBindingSize')) : undefined;

interface SampleSet {
  name: string;
  task: string;
  files: Record<string, string>;
}
interface Loaded {
  inputs: Record<string, Volume>;
  display: Volume;
}

let manifest: Manifest;
let samples: SampleSet[] = [];
let loaded: Loaded | undefined;
/** Undefined where the browser has no WebGL2: models still run, results are listed, not drawn. */
let viewer: Viewer | undefined;
let viewerProblem = '';
/** The last detection result, redrawn when the minimum score to draw changes. */
let lastBoxes: DrawnBoxes | undefined;
/** The label volume the viewer shows (segmentation labels or box outlines), for tests. */
let shownLabels: Volume | undefined;

function status(text: string): void {
  $('status').textContent = text;
}

function progress(done: number, total: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.max = total;
  bar.value = done;
}

async function modelAvailable(entry: ModelEntry): Promise<boolean> {
  const file = entry.files.find((f) => f.role === 'model');
  if (!file?.path) return false;
  const res = await fetch(new URL(file.path, new URL('.', new URL(MANIFEST_URL, location.href))).href, { method: 'HEAD' });
  return res.ok;
}

function baseLayer(): Layer {
  const v = loaded!.display;
  return { kind: 'image', id: 'input', title: v.meta.source ?? 'input', volume: displayVolume(v) };
}

/** Shows the base image and `overlays` over it; `hidden` layers start switched off. */
async function showLayers(overlays: Layer[], hidden: string[] = []): Promise<void> {
  if (!viewer) return;
  await viewer.show([baseLayer(), ...overlays]);
  renderLayerPanel(viewer, hidden);
  $<HTMLSelectElement>('view-mode').disabled = viewer.is2D;
}

async function show(volumes: Record<string, Volume>): Promise<void> {
  // Registration results live on the fixed grid: the fixed image is the base wherever there is one.
  const display = volumes.fixed ?? Object.values(volumes)[0]!;
  loaded = { inputs: volumes, display };
  shownLabels = undefined;
  renderResultTable([]);
  await showLayers([]);
}

/** Assigns files to a model's named inputs by name (t1 / t1ce / flair ...), longest match first. */
function assignInputs(entry: ModelEntry, volumes: Volume[]): Record<string, Volume> {
  const names = entry.inputs?.map((i) => i.name) ?? ['image'];
  if (names.length === 1) return { [names[0]!]: volumes[0]! };
  const out: Record<string, Volume> = {};
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    const v = volumes.find((x) => !Object.values(out).includes(x) && new RegExp(`(^|[^a-z])${name}([^a-z]|$)`, 'i').test(x.meta.source ?? ''));
    if (v) out[name] = v;
  }
  return out;
}

function dropped(files: File[]): void {
  loadFiles(files).catch((e: unknown) => status(`Error: ${e instanceof Error ? e.message : String(e)}`));
}

async function loadFiles(files: File[]): Promise<void> {
  status(`Reading ${files.length} file(s)...`);
  const dicom = files.filter((f) => /\.(dcm|ima)$/i.test(f.name) || !/\.[a-z]+$/i.test(f.name));
  const read = { codecs: DEMO_CODECS };
  const volumes =
    dicom.length > 1 && dicom.length === files.length
      ? [await readDicomFilesInBrowser(files, read)]
      : await Promise.all(files.map((f) => readImageInBrowser(f, read)));
  const entry = manifest.models[$<HTMLSelectElement>('model').value];
  await show(entry ? assignInputs(entry, volumes) : { image: volumes[0]! });
  status(`Loaded ${volumes.map((v) => `${v.meta.source} ${v.geometry.size.join('x')}`).join(', ')}`);
}

/** Sample volumes read by timeSegmentation (benchmarks), by sample name. */
const benchVolumes = new Map<string, Volume>();

async function loadSample(name: string): Promise<void> {
  const set = samples.find((s) => s.name === name);
  if (!set) return;
  const volumes: Record<string, Volume> = {};
  for (const [input, file] of Object.entries(set.files)) volumes[input] = await readImageInBrowser(`/samples/${file}`);
  await show(volumes);
  status(`Loaded sample: ${set.name}`);
}

/** Runs the selected model on the loaded inputs; returns a JSON summary (also used by tests). */
async function runModel(modelId: string, provider: ProviderChoice): Promise<Record<string, unknown>> {
  if (!loaded) throw new Error('load an image or a sample first');
  const entry = manifest.models[modelId]!;
  const options = {
    manifest,
    wasmPaths: '/ort/',
    ...(THREADS !== undefined ? { numThreads: THREADS } : {}),
    provider,
    onDownloadProgress: (l: number, t?: number) => progress(l, t ?? l),
    ...(GPU_LIMIT !== undefined ? { maxStorageBufferBindingSize: GPU_LIMIT } : {}),
  };
  status(`Running ${modelId} (${provider})...`);
  const started = performance.now();
  shownLabels = undefined;
  lastBoxes = undefined;
  const run = WEB_TASKS[entry.task];
  if (!run) throw new Error(`the web demo does not run ${entry.task} models yet`);
  const view = await run({ entry, inputs: loaded.inputs, options, onProgress: progress, minScore: () => Number($<HTMLInputElement>('min-score').value) });
  const summary: Record<string, unknown> = { task: entry.task, ...view.summary };
  shownLabels = view.shownLabels;
  lastBoxes = view.boxes;
  summary.ms = performance.now() - started;
  await showLayers(view.overlays, view.hidden ?? []);
  renderResultTable(view.rows);
  showReport(entry, summary);
  return summary;
}

function showReport(entry: ModelEntry, summary: Record<string, unknown>): void {
  const report = summary.provider as { used: string; dropped: { provider: string; reason: string }[] };
  status(
    `Done in ${(summary.ms as number).toFixed(0)} ms on ` +
      `${report.used}${report.dropped.length ? ` (dropped: ${report.dropped.map((d) => `${d.provider}: ${d.reason}`).join('; ')})` : ''}`,
  );
  $('details').textContent = `labels: ${labelNames(entry).filter(Boolean).join(', ')}\nintended use: ${entry.intendedUse}`;
}

async function init(): Promise<void> {
  try {
    viewer = await Viewer.create($<HTMLCanvasElement>('view'));
  } catch (e) {
    viewerProblem =
      ` The image viewer needs WebGL2, which this browser did not provide (${e instanceof Error ? e.message : String(e)}): results are listed, not ` + `drawn.`;
  }
  $('view-mode').addEventListener('change', (e) => viewer?.setView((e.target as HTMLSelectElement).value as ViewName));
  $('min-score').addEventListener('change', (e) => {
    if (!lastBoxes) return;
    const { layer, outlines } = boxLayer(lastBoxes, Number((e.target as HTMLInputElement).value));
    shownLabels = outlines;
    void showLayers([layer]);
  });
  manifest = await fetchManifest(MANIFEST_URL);
  const select = $<HTMLSelectElement>('model');
  for (const entry of Object.values(manifest.models)) {
    const option = new Option(`${entry.title} [${entry.task}]`, entry.id);
    option.disabled = !(await modelAvailable(entry));
    if (option.disabled) option.text += ' (weights not converted)';
    select.add(option);
  }
  samples = (await (await fetch('/samples/index.json')).json()) as SampleSet[];
  for (const s of samples) $<HTMLSelectElement>('sample').add(new Option(s.name, s.name));
  $('sample').addEventListener('change', (e) => void loadSample((e.target as HTMLSelectElement).value));
  for (const id of ['files', 'folder']) $(id).addEventListener('change', (e) => dropped([...((e.target as HTMLInputElement).files ?? [])]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    dropped([...(e.dataTransfer?.files ?? [])]);
  });
  // The viewer is a drop target too, with the same reader (NiiVue's own drop handling is off).
  const view = $('viewer');
  view.addEventListener('dragover', (e) => e.preventDefault());
  view.addEventListener('drop', (e) => {
    e.preventDefault();
    dropped([...(e.dataTransfer?.files ?? [])]);
  });
  const runButton = $<HTMLButtonElement>('run');
  runButton.disabled = false;
  runButton.addEventListener('click', () => {
    runModel(select.value, $<HTMLSelectElement>('provider').value as ProviderChoice).catch((e: unknown) =>
      status(`Error: ${e instanceof Error ? e.message : String(e)}`),
    );
  });
  status(
    `Ready. ${crossOriginIsolated ? 'Cross-origin isolated' : 'Not cross-origin isolated'}: wasm uses ${THREADS ?? 'the SDK default number of'} ` +
      `thread(s).${viewerProblem}`,
  );
}

const ready = init();
/** Test and automation hook: the same flows as the UI. */
(window as unknown as { medinfer: unknown }).medinfer = {
  ready,
  /** The NiiVue viewer (web/viewer.ts), for tests that project voxels onto the canvas. */
  get viewer() {
    return viewer;
  },
  /**
   * The label map on screen as base64 of one byte per voxel (labels <= 255): a 256^3 map as a
   * JSON number array would be ~40 MB through the test driver.
   */
  shownLabelsBase64() {
    if (!shownLabels) return null;
    const bytes = Uint8Array.from(shownLabels.data as ArrayLike<number>);
    let text = '';
    for (let p = 0; p < bytes.length; p += 0x8000) text += String.fromCharCode(...bytes.subarray(p, p + 0x8000));
    return { size: shownLabels.geometry.size, base64: btoa(text) };
  },
  /** The label volume on screen (segmentation labels or box outlines): size and samples. */
  shownLabels() {
    return shownLabels ? { size: shownLabels.geometry.size, data: Array.from(shownLabels.data) } : null;
  },
  /** A layer in the viewer by id: its grid and first-component samples (tests derive expectations from these). */
  layer(id: string) {
    const l = viewer?.layerList.find((x) => x.id === id);
    return l
      ? {
          size: l.volume.geometry.size,
          spacing: l.volume.geometry.spacing,
          origin: l.volume.geometry.origin,
          direction: l.volume.geometry.direction,
          data: Array.from(displayVolume(l.volume).data),
        }
      : null;
  },
  /** Runs the same model `runs` times on the loaded sample; returns per-run milliseconds. */
  async timeSample(model: string, sample: string, provider: ProviderChoice, runs: number) {
    await ready;
    $<HTMLSelectElement>('model').value = model;
    await loadSample(sample);
    const entry = manifest.models[model]!;
    const pipe = await createPipeline('classification', entry, {
      manifest,
      wasmPaths: '/ort/',
      ...(THREADS !== undefined ? { numThreads: THREADS } : {}),
      provider,
    });
    const input = Object.values(loaded!.inputs)[0]!;
    await pipe.run(input);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      await pipe.run(input);
      times.push(performance.now() - t);
    }
    await pipe.dispose();
    return { times, provider: pipe.provider, threads: THREADS ?? pipe.provider.wasm?.threads };
  },
  /**
   * Benchmarks only (bench/brainchop-browser.mjs): bare session.run of an ONNX file on one float32
   * feed fetched from `feedUrl`, through the same web backend the pipelines use; per-run ms after
   * one warm-up. No pre- or postprocessing: the floor medinfer's pipeline is compared with.
   */
  async bareRun(modelUrl: string, feedUrl: string, dims: number[], provider: 'wasm' | 'webgpu', runs: number) {
    const backend = createWebBackend({ wasmPaths: '/ort/', ...(THREADS !== undefined ? { numThreads: THREADS } : {}) });
    const session = await backend.createSession(
      new Uint8Array(await (await fetch(modelUrl)).arrayBuffer()),
      provider,
      THREADS !== undefined ? { threads: THREADS } : {},
    );
    const data = new Float32Array(await (await fetch(feedUrl)).arrayBuffer());
    const feeds = { [session.inputNames[0]!]: { type: 'float32' as const, dims, data } };
    const times: number[] = [];
    for (let r = -1; r < runs; r++) {
      const t = performance.now();
      await session.run(feeds);
      if (r >= 0) times.push(performance.now() - t);
    }
    await session.release();
    return { times, fallbacks: session.fallbacks ?? [] };
  },
  /**
   * Benchmarks only (bench/lib/browser-threads.mjs): a segmentation model on a sample's single
   * volume, end to end (pipeline created, run, disposed; read once per page), drawing nothing:
   * the viewer on a software GL (SwiftShader) takes minutes per 256^3 volume, which would load
   * the cores between timed runs.
   */
  async timeSegmentation(model: string, sample: string) {
    await ready;
    const set = samples.find((s) => s.name === sample);
    if (!set) throw new Error(`no sample ${sample}`);
    benchVolumes.set(sample, benchVolumes.get(sample) ?? (await readImageInBrowser(`/samples/${Object.values(set.files)[0]}`)));
    const started = performance.now();
    const pipe = await createPipeline('segmentation', manifest.models[model]!, {
      manifest,
      wasmPaths: '/ort/',
      ...(THREADS !== undefined ? { numThreads: THREADS } : {}),
      provider: 'wasm',
    });
    try {
      const r = await pipe.run(benchVolumes.get(sample)!);
      return { ms: performance.now() - started, inferenceMs: r.provenance.inferenceMs, provider: pipe.provider };
    } finally {
      await pipe.dispose();
    }
  },
  /** Runs a model on what is loaded (a dropped file or folder, or a sample), as the Run button does. */
  async run(model: string, provider: ProviderChoice = 'wasm') {
    await ready;
    $<HTMLSelectElement>('model').value = model;
    return runModel(model, provider);
  },
  async runSample(model: string, sample: string, provider: ProviderChoice = 'wasm') {
    await ready;
    $<HTMLSelectElement>('model').value = model;
    $<HTMLSelectElement>('sample').value = sample;
    await loadSample(sample);
    return runModel(model, provider);
  },
};
