/**
 * A MONAI bundle's configs/metadata.json + configs/inference.json -> a manifest model entry (and
 * a dataset entry when the catalogue has none for the bundle's data). Pure: the caller reads the
 * files (import-bundle.ts). The model I/O follows the SDK's conversion contract: input `image`
 * [N, C, ...] in MONAI's array order (axisOrder 'ijk'), float32; segmentation output `logits`
 * [N, classes, ...]; RetinaNet detectors `boxes` [A, 6] + `scores` [A] with the box decoding
 * in the graph (scripts/models/convert_monai_retinanet_luna16.py). `medinfer models
 * import-monai --onnx` replaces names and static dims by the graph's own and checks the rest.
 */
import { ManifestError, UnsupportedError } from '../../core/errors.js';
import type { DatasetEntry, InferenceSpec, StepSpec, TaskName } from '../types.js';
import { buildIo, datasetFor } from './build-io.js';
import { MonaiConfig, type ReadConfigFile } from './config.js';
import { isMonaiCall, type MonaiCall } from './expression.js';
import { mapDetectorCalls, mapInferer, mapPostprocessing } from './map-postprocess.js';
import { mapPreprocessing, transformName } from './map-preprocess.js';

export interface MonaiImportOptions {
  /** Model id (default `monai-<bundle name>`, lower case, '_' -> '-'). */
  readonly id?: string;
  /** Replaces config items before resolution, like the bundle CLI's `--key value` (ids with '#'). */
  readonly overrides?: Readonly<Record<string, unknown>>;
  /** Class names of a detector (bundles name none); default `class 0`, `class 1`, ... */
  readonly classNames?: readonly string[];
  /** The catalogue to find the bundle's dataset in (by the host of its data_source link). */
  readonly datasets?: Readonly<Record<string, DatasetEntry>>;
}

export interface MonaiImport {
  /** A model entry in the manifest's format, `id` included, `files` left to the store. */
  readonly entry: Record<string, unknown> & { readonly id: string };
  /** Dataset entries to add to the store (when the catalogue has none for the bundle). */
  readonly datasetEntries: Record<string, Omit<DatasetEntry, 'id'>>;
  /** Everything the importer did not turn into a step, and why. */
  readonly notes: string[];
}

type Json = Record<string, unknown>;

function record(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** Finds the RetinaNetDetector item and the `$@detector.set_*(...)` calls made on it. */
function detectorCalls(config: MonaiConfig, raw: Json): { id: string; calls: MonaiCall[] } | undefined {
  const id = Object.keys(raw).find((k) => transformName(record(raw[k])) === 'RetinaNetDetector');
  if (id === undefined) return undefined;
  const calls: MonaiCall[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const list = Array.isArray(value) ? value : [value];
    list.forEach((item, i) => {
      if (typeof item === 'string' && item.startsWith(`$@${id}.`)) {
        const call = config.resolve(item, `${key}#${i}`);
        if (isMonaiCall(call)) calls.push(call);
      }
    });
  }
  return { id, calls };
}

export function buildMonaiEntry(
  bundleName: string,
  metadata: unknown,
  inferenceJson: unknown,
  readFile: ReadConfigFile,
  options: MonaiImportOptions = {},
): MonaiImport {
  const meta = record(metadata);
  const raw = record(inferenceJson);
  if (Object.keys(raw).length === 0) throw new ManifestError(`${bundleName}: configs/inference.json is not a JSON object`, { file: 'configs/inference.json' });
  const config = new MonaiConfig(raw, 'configs/inference.json', readFile, options.overrides);
  const notes: string[] = [];
  const imageKey = config.has('image_key') ? String(config.get('image_key')) : 'image';
  const format = record(meta['network_data_format']);
  const input = record(record(format['inputs'])[imageKey] ?? Object.values(record(format['inputs']))[0]);
  const output = record(Object.values(record(format['outputs']))[0]);
  const networkDef = config.has('network_def') ? config.lazyList('network_def')[0]! : {};
  const rank = Number(networkDef['spatial_dims'] ?? 3);
  if (rank !== 2 && rank !== 3) throw new UnsupportedError(`${bundleName}: spatial_dims ${rank}`, { field: 'network_def#spatial_dims' });

  const pre = mapPreprocessing(config.lazyList('preprocessing'), imageKey, rank, 'preprocessing');
  notes.push(...pre.notes);
  const detector = detectorCalls(config, raw);
  const task: TaskName = detector !== undefined ? 'detection' : 'segmentation';
  let inference: InferenceSpec;
  let postprocess: StepSpec[];
  let regions: readonly { channel: number; value: number }[] | undefined;
  if (detector !== undefined) {
    const d = mapDetectorCalls(detector.calls, detector.id);
    inference = d.inference;
    postprocess = [d.nms];
    notes.push(...d.notes);
    if (config.has('postprocessing')) notes.push(...mapPostprocessing(config.lazyList('postprocessing'), 'postprocessing').notes);
  } else {
    inference = mapInferer(config.lazyList('inferer')[0]!, 'inferer');
    const post = mapPostprocessing(config.has('postprocessing') ? config.lazyList('postprocessing') : [], 'postprocessing');
    postprocess = post.steps;
    regions = post.regions;
    notes.push(...post.notes);
  }

  const { inputSpec, outputs, labels, inputNames, layout, axisOrder } = buildIo({
    bundleName,
    task,
    input,
    output,
    networkDef,
    rank,
    inference,
    regions,
    ...(options.classNames ? { classNames: options.classNames } : {}),
  });
  const inChannels = inputNames.length > 0 ? inputNames.length : 1;
  const steps: StepSpec[] = [
    ...(inChannels > 1 ? [{ op: 'stackChannels', order: inputNames }] : []),
    ...pre.steps,
    { op: 'toTensor', layout, dtype: 'float32', axisOrder },
  ];
  const slug = bundleName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const modality = typeof input['modality'] === 'string' ? input['modality'] : undefined;
  const { datasetId, datasetEntries } = datasetFor(meta['data_source'], { bundleName, slug, task, modality, catalogue: options.datasets ?? {} });
  const metrics: Record<string, { value: number; source: string }> = {};
  for (const [k, v] of Object.entries(record(meta['eval_metrics'])))
    if (typeof v === 'number')
      metrics[k] = { value: v, source: `MONAI bundle ${bundleName} ${String(meta['version'] ?? '')} metadata.json (the bundle's own validation)` };
  const zoo = `https://github.com/Project-MONAI/model-zoo/tree/dev/models/${bundleName}`;
  const entry = {
    id: options.id ?? `monai-${slug}`,
    task,
    title: `MONAI ${bundleName} (${String(networkDef['_target_'] ?? 'network')
      .split('.')
      .pop()})`,
    ...(typeof meta['description'] === 'string'
      ? { description: `${meta['description']} Imported from the MONAI bundle ${bundleName} ${String(meta['version'] ?? '')}.` }
      : {}),
    datasets: [datasetId],
    architecture: `${String(networkDef['_target_'] ?? 'network')
      .split('.')
      .pop()} (MONAI)`,
    weights: { source: zoo, checkpoint: 'models/model.pt' },
    io: { inputs: [inputSpec], outputs },
    ...(inChannels > 1 ? { inputs: inputNames.map((name) => ({ name, ...(modality ? { modality } : {}) })) } : {}),
    ...(modality ? { modality: [modality] } : {}),
    dimensionality: rank,
    space: {
      ...(pre.orientation !== undefined ? { orientation: pre.orientation } : {}),
      ...(pre.spacing !== undefined ? { spacing: pre.spacing } : {}),
      world: 'RAS',
    },
    preprocess: steps,
    inference,
    postprocess,
    labels,
    intendedUse:
      `${typeof meta['intended_use'] === 'string' ? `${meta['intended_use']}. ` : ''}Research use only; not a medical device. Imported from the MONAI ` +
      `bundle ${bundleName}.`,
    ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
    references: [
      { title: `MONAI model zoo: ${bundleName}`, url: zoo },
      ...(Array.isArray(meta['references']) ? meta['references'].filter((r): r is string => typeof r === 'string').map((title) => ({ title })) : []),
    ],
  };
  return { entry, datasetEntries, notes };
}
