/**
 * What the web demo does per task: run the pipeline on the loaded inputs and say what to show -
 * the summary (returned to tests through window.medinfer), the result table's rows, the viewer
 * layers over the input. web/app.ts looks the task up in WEB_TASKS; a task without an entry is
 * not run in the browser demo yet (app.ts says so).
 */
import { createPipeline, type BrowserPipelineOptions, type ModelEntry, type Volume } from '../src/browser.js';
import { boxOutlineVolume, classColours, displayVolume, JACOBIAN_COLORMAP, labelColours, maskedByLabels, type BoxInput, type LabelColour } from './layers.js';
import type { ResultRow } from './panel.js';
import type { Layer } from './viewer.js';

/**
 * Most probability values (voxels x classes) a segmentation run keeps in the page: 64 MB of float32 (a 256^3 three-class map, 200 MB, is not kept: the viewer
 * needs only labels).
 */
const PROBABILITY_LIMIT = 16 * 1024 * 1024;

export interface WebRunInput {
  readonly entry: ModelEntry;
  /** The loaded volumes by input name (a sample's names, or the model's inputs for dropped files). */
  readonly inputs: Readonly<Record<string, Volume>>;
  readonly options: BrowserPipelineOptions;
  readonly onProgress: (done: number, total: number) => void;
  /** The display threshold of detections (the page's min-score field). */
  readonly minScore: () => number;
}

/** Detections kept for redrawing when the minimum score to draw changes. */
export interface DrawnBoxes {
  readonly image: Volume;
  readonly boxes: readonly (BoxInput & { score: number })[];
  readonly colours: LabelColour[];
}

export interface WebTaskView {
  /** Fields of the run's JSON summary (besides task and ms). */
  readonly summary: Record<string, unknown>;
  readonly rows: ResultRow[];
  readonly overlays: Layer[];
  /** Layers that start switched off. */
  readonly hidden?: string[];
  /** The label volume on screen (segmentation labels, box outlines), for tests. */
  readonly shownLabels?: Volume;
  readonly boxes?: DrawnBoxes;
}

/**
 * Box outlines of the detections scoring at least `minScore` (a display threshold only: the
 * table lists every detection the model returned, those drawn in bold).
 */
export function boxLayer({ image, boxes, colours }: DrawnBoxes, minScore: number): { layer: Layer; outlines: Volume } {
  const outlines = boxOutlineVolume(
    image,
    boxes.filter((b) => b.score >= minScore),
  );
  return { layer: { kind: 'labels', id: 'boxes', title: 'boxes', volume: outlines, colours, opacity: 1 }, outlines };
}

const first = (inputs: Readonly<Record<string, Volume>>) => Object.values(inputs)[0]!;

async function classification({ entry, inputs, options }: WebRunInput): Promise<WebTaskView> {
  const pipe = await createPipeline('classification', entry, options);
  const r = await pipe.run(first(inputs));
  await pipe.dispose();
  return {
    summary: { provider: pipe.provider, labels: r.labels },
    rows: r.labels.map((l) => ({ name: l.name, value: l.score.toFixed(3), positive: l.positive })),
    overlays: [],
  };
}

async function segmentation({ entry, inputs, options, onProgress }: WebRunInput): Promise<WebTaskView> {
  const single = first(inputs);
  const pipe = await createPipeline('segmentation', entry, options);
  const wanted = entry.inputs?.map((i) => i.name) ?? [];
  const named = Object.fromEntries(wanted.filter((n) => inputs[n]).map((n) => [n, inputs[n]!]));
  // Probability maps are kept only while small (tests sample them): a 104-class brain atlas on a
  // 256^3 grid would need 7 GB of float32 in the page. The label map is all the viewer needs.
  const voxels = single.geometry.size[0] * single.geometry.size[1] * single.geometry.size[2];
  const keepProbabilities = voxels * Math.max(2, entry.labels.length) <= PROBABILITY_LIMIT;
  const r = await pipe.run(wanted.length > 1 ? named : single, { probabilities: keepProbabilities, onProgress });
  // inferenceMs: time inside session.run (pre-model included), for benchmarks of the page.
  const summary: Record<string, unknown> = { provider: pipe.provider, volumesMl: r.volumesMl, inferenceMs: r.provenance.inferenceMs };
  const counts: Record<number, number> = {};
  for (const v of r.labels.data) counts[v] = (counts[v] ?? 0) + 1;
  summary.counts = counts;
  if (r.probabilities) {
    const probs = r.probabilities.data;
    summary.probabilitySample = Array.from({ length: 64 }, (_, i) => probs[Math.floor((i * probs.length) / 64)]);
  }
  const colours = labelColours(entry.labels);
  summary.colours = colours;
  const rows = Object.entries(r.volumesMl).map(([n, ml]) => ({
    name: n,
    value: `${ml.toFixed(2)} ml`,
    ...(colours.find((c) => c.name === n) ? { rgb: colours.find((c) => c.name === n)!.rgb } : {}),
  }));
  let overlays: Layer[] = [{ kind: 'labels', id: 'labels', title: 'labels', volume: r.labels, colours, opacity: 0.6 }];
  // Brain mask / extraction models (binarised output): the masked brain is the result a user
  // wants to see; the SDK's `masked` where the entry has maskInput, else the input times the mask.
  const binary = entry.postprocess.some((s) => s.op === 'binarize' || s.op === 'maskInput');
  if (binary && wanted.length <= 1) {
    const masked = r.masked ?? maskedByLabels(single, r.labels);
    overlays = [
      { kind: 'image', id: 'masked', title: 'masked brain (input outside the mask set to 0)', volume: masked, opacity: 1 },
      { ...overlays[0]!, opacity: 0.3 },
    ];
    let nonzero = 0;
    for (let p = 0; p < masked.data.length; p++) if (masked.data[p]) nonzero++;
    summary.masked = { fromSdk: r.masked !== undefined, nonzero };
  }
  await pipe.dispose();
  return { summary, rows, overlays, shownLabels: r.labels };
}

async function detection({ entry, inputs, options, minScore: readMinScore }: WebRunInput): Promise<WebTaskView> {
  const single = first(inputs);
  const pipe = await createPipeline('detection', entry, options);
  const r = await pipe.run(single);
  const colours = classColours(entry.labels);
  const minScore = readMinScore();
  const summary = {
    provider: pipe.provider,
    detections: r.detections.map((d) => ({ label: d.label, classIndex: d.classIndex, score: d.score, min: d.box.index.min, max: d.box.index.max })),
    colours,
    minScore,
  };
  const box = (d: (typeof r.detections)[number]) =>
    d.box.index.min
      .slice(0, single.geometry.size[2] > 1 ? 3 : 2)
      .map((lo, a) => `${lo.toFixed(0)}-${d.box.index.max[a]!.toFixed(0)}`)
      .join(', ');
  const rows = r.detections.map((d) => ({
    name: `${d.label} [${box(d)}]`,
    value: d.score.toFixed(3),
    positive: d.score >= minScore,
    rgb: colours[d.classIndex]?.rgb ?? [255, 255, 255],
  }));
  const boxes: DrawnBoxes = {
    image: single,
    boxes: r.detections.map((d) => ({ min: d.box.index.min, max: d.box.index.max, classIndex: d.classIndex, score: d.score })),
    colours,
  };
  const { layer, outlines } = boxLayer(boxes, minScore);
  await pipe.dispose();
  return { summary, rows, overlays: [layer], shownLabels: outlines, boxes };
}

async function registration({ entry, inputs, options }: WebRunInput): Promise<WebTaskView> {
  const { fixed, moving } = inputs;
  if (!fixed || !moving)
    throw new Error(`${entry.id} needs two images named fixed and moving (load the lung CT pair sample, or drop two files whose names contain fixed / moving)`);
  const pipe = await createPipeline('registration', entry, options);
  const r = await pipe.run({ fixed, moving });
  let lo = Infinity;
  let hi = -Infinity;
  for (const j of r.jacobian.data) {
    if (j < lo) lo = j;
    if (j > hi) hi = j;
  }
  await pipe.dispose();
  return {
    summary: { provider: pipe.provider, foldingPercent: r.foldingPercent, jacobian: { min: lo, max: hi } },
    rows: [
      { name: 'folding (Jacobian <= 0)', value: `${r.foldingPercent.toFixed(3)} %` },
      { name: 'Jacobian min / max', value: `${lo.toFixed(2)} / ${hi.toFixed(2)}` },
    ],
    // The base layer is the first loaded input: the fixed image (the sample lists it first).
    overlays: [
      { kind: 'image', id: 'moving', title: 'moving (before registration)', volume: displayVolume(moving), opacity: 0.5 },
      { kind: 'image', id: 'warped', title: 'warped moving', volume: r.warped, opacity: 0.5 },
      {
        kind: 'map',
        id: 'jacobian',
        title: 'Jacobian determinant (blue < 1 < red)',
        volume: r.jacobian,
        colormap: JACOBIAN_COLORMAP.name,
        range: JACOBIAN_COLORMAP.range,
        opacity: 0.8,
      },
    ],
    hidden: ['moving', 'jacobian'],
  };
}

/** The browser demo's tasks; report-text has no page (a text box is not an image viewer's job). */
export const WEB_TASKS: Partial<Record<ModelEntry['task'], (input: WebRunInput) => Promise<WebTaskView>>> = {
  classification,
  segmentation,
  detection,
  registration,
};
