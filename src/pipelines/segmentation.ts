/**
 * Segmentation pipeline: one or several 3D inputs (multi-modal MRI stacked in the manifest's
 * order; inputs off the first input's grid are resampled onto it and reported) -> declared plan
 * -> whole or sliding-window inference -> activation on the model grid -> probabilities mapped
 * back onto the first input's exact grid (linear, as MONAI's Invertd with nearest_interp=false)
 * -> argmax or sigmoid regions -> label filters -> label map + per-label volumes in ml.
 */
import { InputError, ManifestError } from '../core/errors.js';
import { createVolume, type Volume } from '../core/volume.js';
import type { LabelSpec, ModelEntry, StepSpec } from '../manifest/types.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../postprocess/classification/activations.js';
import { argmaxChannels, convertRegionsToLabels, measureLabelVolumes, remapLabels, type LabelArray, type RegionsToLabelsOptions } from '../postprocess/segmentation/label-maps.js';
import { keepLargestComponent, removeSmallComponents } from '../postprocess/segmentation/component-filters.js';
import { changesNoGeometry, invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { invertArgmaxToInputGrid, invertRegionsToInputGrid } from '../preprocess/invert-argmax.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { createVolumeFromTensor } from '../preprocess/volume-from-tensor.js';
import { alignInputs } from './align-inputs.js';
import { inferDense } from './infer-dense.js';
import type { DenseTensor } from '../runtime/sliding-window/sliding-window.js';
import { createProvenance, openModelHandle, type ModelHandle } from './model-handle.js';
import { loadModelInputs, type NamedInputs } from './model-inputs.js';
import { selectInputVolume } from './select-volume.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';

export interface SegmentationRunOptions {
  /** Also return the class / region probabilities on the input grid (frames = channels). */
  readonly probabilities?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
  /** Which volume of a multi-volume input (4D DICOM) to segment, 0-based; required for those (applies to every named input). */
  readonly volume?: number;
}

export interface SegmentationResult {
  /** Label map on the first input's exact grid (same size, spacing, origin, direction). */
  readonly labels: Volume;
  readonly probabilities?: Volume;
  /** Volume in ml per label name (background excluded). */
  readonly volumesMl: Readonly<Record<string, number>>;
  readonly provenance: Provenance;
  /** Things done to the inputs that the caller should know (e.g. resampled onto the first grid). */
  readonly warnings: readonly string[];
}

export interface SegmentationPipeline extends PipelineBase {
  readonly task: 'segmentation';
  run(input: ImageInput | NamedInputs, options?: SegmentationRunOptions): Promise<SegmentationResult>;
}

const ACTIVATIONS = new Set(['sigmoid', 'softmax']);
const DISCRETE = new Set(['argmax', 'regionsToLabels', 'threshold']);

function labelName(labels: readonly LabelSpec[], value: number): string {
  for (const [i, l] of labels.entries()) {
    if (typeof l === 'string' ? i === value : (l.value ?? i) === value) return typeof l === 'string' ? l : l.name;
  }
  return `label ${value}`;
}

/** In place: `volume` is the pipeline's own copy of the logits (a second copy would cost GBs on a CT). */
function activate(volume: Volume, steps: readonly StepSpec[]): Volume {
  const data = volume.data as Float32Array;
  for (const s of steps) {
    if (s.op === 'sigmoid') applySigmoid(data, data);
    // Channels are planar frames: softmax over axis 0 of [C, voxels].
    if (s.op === 'softmax') applySoftmaxChannelsInPlace(data, volume.frames);
  }
  return volume;
}

function regionOptions(step: StepSpec): RegionsToLabelsOptions {
  return {
    order: step.order as number[],
    labels: step.labels as number[],
    ...(step.threshold !== undefined ? { threshold: step.threshold as number } : {}),
    ...(step.comparison !== undefined ? { comparison: step.comparison as 'gt' | 'gte' } : {}),
  };
}

function discretise(probabilities: Volume, steps: readonly StepSpec[], modelId: string): LabelArray {
  const channels = probabilities.frames;
  const step = steps.find((s) => DISCRETE.has(s.op));
  if (!step || step.op === 'argmax') return argmaxChannels(probabilities.data, channels);
  if (step.op === 'regionsToLabels') return convertRegionsToLabels(probabilities.data, channels, regionOptions(step));
  if (channels !== 1) throw new ManifestError(`model '${modelId}': 'threshold' needs a single-channel output, got ${channels}`, { modelId });
  const t = (step.value as number | undefined) ?? 0.5;
  const out = new Uint8Array(probabilities.data.length);
  for (let i = 0; i < out.length; i++) out[i] = probabilities.data[i]! >= t ? 1 : 0;
  return out;
}

function filterLabels(labels: Volume, steps: readonly StepSpec[]): Volume {
  let v = labels;
  for (const s of steps) {
    if (s.op === 'remapLabels') v = createVolume({ geometry: v.geometry, data: remapLabels(v.data as LabelArray, s.map as Record<string, number>), meta: v.meta });
    if (s.op === 'keepLargestComponent') v = keepLargestComponent(v, { ...(s.labels ? { labels: s.labels as number[] } : {}), connectivity: (s.connectivity as 6 | 26 | undefined) ?? 26 });
    if (s.op === 'removeSmallComponents') v = removeSmallComponents(v, { minVoxels: s.minVoxels as number, connectivity: (s.connectivity as 6 | 26 | undefined) ?? 26 });
  }
  return v;
}

interface Predicted {
  readonly records: PreprocessRecord[];
  readonly logits: DenseTensor;
  readonly names: readonly string[];
  readonly warnings: readonly string[];
  readonly reference: { readonly geometry: Volume['geometry']; readonly source: string };
}

/**
 * Read -> align -> preprocess -> infer, returning logits in tensor order and what the rest of the
 * run needs to know about the inputs (not the inputs). Nothing outlives its step: the volumes
 * read from files are unreachable once the plan has stacked them, the model input (and the
 * stacked channels it may be a view of) once the model has run. On a 512x512x300 four-channel
 * input these are 0.6 GB and 1.26 GB.
 */
interface PreparedInputs {
  /** Emptied by the consumer once the plan has read the volumes. */
  inputs?: Volume | Readonly<Record<string, Volume>> | undefined;
  readonly names: readonly string[];
  readonly warnings: readonly string[];
  readonly reference: Predicted['reference'];
}

async function prepareInputs(handle: ModelHandle, input: ImageInput | NamedInputs, volumeIndex?: number): Promise<PreparedInputs> {
  const entry = handle.entry;
  const loaded = await loadModelInputs(handle.context, entry, input);
  for (const [k, name] of loaded.order.entries()) loaded.volumes[name] = selectInputVolume(loaded.volumes[name]!, volumeIndex, loaded.names[k] ?? name);
  for (const [name, v] of Object.entries(loaded.volumes)) {
    if (entry.dimensionality === 3 && v.geometry.size[2] < 2) throw new InputError(`model '${entry.id}' segments 3D volumes; input '${name}' is 2D`, { modelId: entry.id, input: name });
  }
  const aligned = alignInputs(loaded.volumes, loaded.order);
  const first = aligned.volumes[loaded.order[0]!]!;
  return {
    inputs: loaded.order.length > 1 ? aligned.volumes : first,
    names: loaded.names,
    warnings: aligned.resampled.map((n) => `input '${n}' was not on the grid of '${loaded.order[0]}' and was resampled onto it (trilinear)`),
    reference: { geometry: first.geometry, source: first.meta.source ?? 'memory' },
  };
}

async function loadAndPredict(handle: ModelHandle, input: ImageInput | NamedInputs, timing: { inferenceMs: number }, onProgress?: (done: number, total: number) => void, volumeIndex?: number): Promise<Predicted> {
  const prepared = await prepareInputs(handle, input, volumeIndex);
  // Sliding windows read the preprocessed volume through strides: no transposed whole copy.
  let pre: PreprocessResult | undefined = runPreprocessPlan(prepared.inputs!, handle.entry.preprocess, { view: handle.entry.inference.mode === 'slidingWindow' });
  prepared.inputs = undefined;
  const records = pre.records;
  const tensor = pre.tensor;
  pre = undefined;
  const logits = await inferDense(handle, tensor, onProgress, timing);
  return { records, logits, names: prepared.names, warnings: prepared.warnings, reference: prepared.reference };
}

async function segment(handle: ModelHandle, input: ImageInput | NamedInputs, options: SegmentationRunOptions): Promise<SegmentationResult> {
  const started = Date.now();
  const entry = handle.entry;
  const timing = { inferenceMs: 0 };
  let predicted: Predicted | undefined = await loadAndPredict(handle, input, timing, options.onProgress, options.volume);
  const { records, names, warnings, reference } = predicted;
  // The logits are dropped right after: their buffer may become the volume's (no copy).
  const onModelGrid = createVolumeFromTensor(predicted.logits, records, { takeOwnership: true });
  predicted = undefined; // the tensor-ordered logits can go once they are in stored order
  const activated = activate(onModelGrid, entry.postprocess.filter((s) => ACTIVATIONS.has(s.op)));
  const discrete = entry.postprocess.find((s) => DISCRETE.has(s.op));
  // Labels only, and the plan resampled: interpolate and take the argmax in one pass instead of
  // writing C probability channels onto the input grid first (same labels, see invert-argmax.ts).
  if (discrete?.op === 'argmax' && discrete['grid'] === 'model') return segmentOnModelGrid(handle, activated, { records, names, warnings, reference }, options, started, timing);
  const fused = !options.probabilities && (discrete === undefined || discrete.op === 'argmax') && !changesNoGeometry(records) && activated.data instanceof Float32Array;
  // Sigmoid regions likewise (when the kernels apply; else null and the two steps below).
  const fusedRegions = !options.probabilities && discrete?.op === 'regionsToLabels' && !changesNoGeometry(records) ? invertRegionsToInputGrid(activated, records, regionOptions(discrete)) : null;
  const probabilities = fused || fusedRegions !== null ? undefined : invertToInputGrid(activated, records, { interpolation: 'linear' });
  const labelData = probabilities ? discretise(probabilities, entry.postprocess, entry.id) : fusedRegions ?? invertArgmaxToInputGrid(activated, records);
  const labels = filterLabels(createVolume({ geometry: reference.geometry, data: labelData, meta: { modality: 'SEG', source: reference.source } }), entry.postprocess);
  const volumesMl: Record<string, number> = {};
  for (const lv of measureLabelVolumes(labels.data, labels.geometry)) volumesMl[labelName(entry.labels, lv.label)] = lv.ml;
  return {
    labels,
    ...(options.probabilities && probabilities ? { probabilities } : {}),
    volumesMl,
    provenance: createProvenance(handle, [records], names, started, timing),
    warnings,
  };
}

/**
 * `argmax` with grid 'model' (MONAI: AsDiscreted(argmax) then Invertd(nearest_interp=True)): the
 * labels are taken on the model grid and carried back nearest-neighbour, so a label boundary
 * stays where the model grid put it instead of where interpolated probabilities cross.
 */
function segmentOnModelGrid(handle: ModelHandle, activated: Volume, run: Pick<Predicted, 'records' | 'names' | 'warnings' | 'reference'>, options: SegmentationRunOptions, started: number, timing: { inferenceMs: number }): SegmentationResult {
  const entry = handle.entry;
  const onModel = createVolume({ geometry: activated.geometry, data: argmaxChannels(activated.data, activated.frames), meta: { modality: 'SEG', source: run.reference.source } });
  const back = invertToInputGrid(onModel, run.records, { interpolation: 'nearest' });
  const labels = filterLabels(createVolume({ geometry: run.reference.geometry, data: back.data, meta: { modality: 'SEG', source: run.reference.source } }), entry.postprocess);
  const probabilities = options.probabilities ? invertToInputGrid(activated, run.records, { interpolation: 'linear' }) : undefined;
  const volumesMl: Record<string, number> = {};
  for (const lv of measureLabelVolumes(labels.data, labels.geometry)) volumesMl[labelName(entry.labels, lv.label)] = lv.ml;
  return { labels, ...(probabilities ? { probabilities } : {}), volumesMl, provenance: createProvenance(handle, [run.records], run.names, started, timing), warnings: run.warnings };
}

export async function createSegmentationPipeline(context: PipelineContext, model: string | ModelEntry): Promise<SegmentationPipeline> {
  const handle = await openModelHandle(context, model, 'segmentation');
  return {
    task: 'segmentation',
    entry: handle.entry,
    provider: handle.session.provider,
    run: (input, options = {}) => segment(handle, input, options),
    dispose: () => handle.session.dispose(),
  };
}
