/**
 * The medinfer web demo: pick a model and a sample (or drop files), run it in the browser, see
 * the result drawn on the image. `window.medinfer` exposes the same runs to automated tests.
 */
import {
  createPipeline, fetchManifest, labelNames, readDicomFilesInBrowser, readImageInBrowser,
  type Manifest, type ModelEntry, type ProviderChoice, type Volume,
} from '../src/browser.js';
import { drawSlice, type Overlay } from './render.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const MANIFEST_URL = params.get('manifest') ?? '/models.manifest.json';
// Optional overrides for tests and benchmarks: wasm thread count, and the WebGPU binding limit.
// Without ?threads the SDK's default applies (min(4, cores / 2); 1 where the page is not isolated).
const THREADS = params.has('threads') ? Number(params.get('threads')) : undefined;
const GPU_LIMIT = params.has('maxStorageBufferBindingSize') ? Number(params.get('maxStorageBufferBindingSize')) : undefined;

interface SampleSet { name: string; task: string; files: Record<string, string> }
interface Loaded { inputs: Record<string, Volume>; display: Volume }

let manifest: Manifest;
let samples: SampleSet[] = [];
let loaded: Loaded | undefined;
let overlay: Overlay = {};

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

function render(): void {
  if (!loaded) return;
  const slider = $<HTMLInputElement>('slice');
  const k = Number(slider.value);
  drawSlice($<HTMLCanvasElement>('view'), loaded.display, k, overlay);
  $('slice-label').textContent = `${k + 1} / ${loaded.display.geometry.size[2]}`;
}

function show(volumes: Record<string, Volume>): void {
  const display = Object.values(volumes)[0]!;
  loaded = { inputs: volumes, display };
  overlay = {};
  const slider = $<HTMLInputElement>('slice');
  slider.max = String(display.geometry.size[2] - 1);
  slider.value = String(Math.floor(display.geometry.size[2] / 2));
  render();
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

async function loadFiles(files: File[]): Promise<void> {
  status(`Reading ${files.length} file(s)...`);
  const dicom = files.filter((f) => /\.(dcm|ima)$/i.test(f.name) || !/\.[a-z]+$/i.test(f.name));
  const volumes = dicom.length > 1 && dicom.length === files.length ? [await readDicomFilesInBrowser(files)] : await Promise.all(files.map((f) => readImageInBrowser(f)));
  const entry = manifest.models[$<HTMLSelectElement>('model').value];
  show(entry ? assignInputs(entry, volumes) : { image: volumes[0]! });
  status(`Loaded ${volumes.map((v) => `${v.meta.source} ${v.geometry.size.join('x')}`).join(', ')}`);
}

async function loadSample(name: string): Promise<void> {
  const set = samples.find((s) => s.name === name);
  if (!set) return;
  const volumes: Record<string, Volume> = {};
  for (const [input, file] of Object.entries(set.files)) volumes[input] = await readImageInBrowser(`/samples/${file}`);
  show(volumes);
  status(`Loaded sample: ${set.name}`);
}

/** Runs the selected model on the loaded inputs; returns a JSON summary (also used by tests). */
async function runModel(modelId: string, provider: ProviderChoice): Promise<Record<string, unknown>> {
  if (!loaded) throw new Error('load an image or a sample first');
  const entry = manifest.models[modelId]!;
  const options = { manifest, wasmPaths: '/ort/', ...(THREADS !== undefined ? { numThreads: THREADS } : {}), provider, onDownloadProgress: (l: number, t?: number) => progress(l, t ?? l), ...(GPU_LIMIT !== undefined ? { maxStorageBufferBindingSize: GPU_LIMIT } : {}) };
  status(`Running ${modelId} (${provider})...`);
  const started = performance.now();
  const single = Object.values(loaded.inputs)[0]!;
  const summary: Record<string, unknown> = { task: entry.task };
  if (entry.task === 'classification') {
    const pipe = await createPipeline('classification', entry, options);
    const r = await pipe.run(single);
    summary.provider = pipe.provider;
    summary.labels = r.labels;
    overlay = {};
    await pipe.dispose();
  } else if (entry.task === 'segmentation') {
    const pipe = await createPipeline('segmentation', entry, options);
    const wanted = entry.inputs?.map((i) => i.name) ?? [];
    const named = Object.fromEntries(wanted.filter((n) => loaded!.inputs[n]).map((n) => [n, loaded!.inputs[n]!]));
    const r = await pipe.run(wanted.length > 1 ? named : single, { probabilities: true, onProgress: progress });
    summary.provider = pipe.provider;
    summary.volumesMl = r.volumesMl;
    const counts: Record<number, number> = {};
    for (const v of r.labels.data) counts[v] = (counts[v] ?? 0) + 1;
    summary.counts = counts;
    const probs = r.probabilities!.data;
    summary.probabilitySample = Array.from({ length: 64 }, (_, i) => probs[Math.floor((i * probs.length) / 64)]);
    overlay = { labels: r.labels };
    await pipe.dispose();
  } else if (entry.task === 'detection') {
    const pipe = await createPipeline('detection', entry, options);
    const r = await pipe.run(single);
    summary.provider = pipe.provider;
    summary.detections = r.detections.map((d) => ({ label: d.label, score: d.score, min: d.box.index.min, max: d.box.index.max }));
    overlay = { boxes: r.detections.map((d) => ({ min: d.box.index.min, max: d.box.index.max, label: d.label, score: d.score })) };
    await pipe.dispose();
  } else {
    throw new Error(`the web demo does not run ${entry.task} models yet`);
  }
  summary.ms = performance.now() - started;
  render();
  showResults(entry, summary);
  return summary;
}

function showResults(entry: ModelEntry, summary: Record<string, unknown>): void {
  const table = $<HTMLTableElement>('scores');
  table.innerHTML = '';
  const rows: [string, string, boolean][] = entry.task === 'classification'
    ? (summary.labels as { name: string; score: number; positive: boolean }[]).map((l) => [l.name, l.score.toFixed(3), l.positive])
    : entry.task === 'segmentation'
      ? Object.entries(summary.volumesMl as Record<string, number>).map(([n, ml]) => [n, `${ml.toFixed(2)} ml`, false])
      : (summary.detections as { label: string; score: number }[]).map((d) => [d.label, d.score.toFixed(3), true]);
  for (const [name, value, positive] of rows) {
    const tr = table.insertRow();
    if (positive) tr.className = 'positive';
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = value;
  }
  const report = summary.provider as { used: string; dropped: { provider: string; reason: string }[] };
  status(`Done in ${(summary.ms as number).toFixed(0)} ms on ${report.used}${report.dropped.length ? ` (dropped: ${report.dropped.map((d) => `${d.provider}: ${d.reason}`).join('; ')})` : ''}`);
  $('details').textContent = `labels: ${labelNames(entry).filter(Boolean).join(', ')}\nintended use: ${entry.intendedUse}`;
}

async function init(): Promise<void> {
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
  $('slice').addEventListener('input', render);
  for (const id of ['files', 'folder']) $(id).addEventListener('change', (e) => void loadFiles([...((e.target as HTMLInputElement).files ?? [])]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); void loadFiles([...(e.dataTransfer?.files ?? [])]); });
  const runButton = $<HTMLButtonElement>('run');
  runButton.disabled = false;
  runButton.addEventListener('click', () => {
    runModel(select.value, $<HTMLSelectElement>('provider').value as ProviderChoice).catch((e: unknown) => status(`Error: ${e instanceof Error ? e.message : String(e)}`));
  });
  status(`Ready. ${crossOriginIsolated ? 'Cross-origin isolated' : 'Not cross-origin isolated'}: wasm uses ${THREADS ?? 'the SDK default number of'} thread(s).`);
}

const ready = init();
/** Test and automation hook: the same flows as the UI. */
(window as unknown as { medinfer: unknown }).medinfer = {
  ready,
  /** Runs the same model `runs` times on the loaded sample; returns per-run milliseconds. */
  async timeSample(model: string, sample: string, provider: ProviderChoice, runs: number) {
    await ready;
    $<HTMLSelectElement>('model').value = model;
    await loadSample(sample);
    const entry = manifest.models[model]!;
    const pipe = await createPipeline('classification', entry, { manifest, wasmPaths: '/ort/', ...(THREADS !== undefined ? { numThreads: THREADS } : {}), provider });
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
  async runSample(model: string, sample: string, provider: ProviderChoice = 'wasm') {
    await ready;
    $<HTMLSelectElement>('model').value = model;
    $<HTMLSelectElement>('sample').value = sample;
    await loadSample(sample);
    return runModel(model, provider);
  },
};
