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
import { argmaxChannels, convertRegionsToLabels, measureLabelVolumes, remapLabels, type LabelArray } from '../postprocess/segmentation/label-maps.js';
import { keepLargestComponent, removeSmallComponents } from '../postprocess/segmentation/component-filters.js';
import { invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { createVolumeFromTensor } from '../preprocess/volume-from-tensor.js';
import { alignInputs } from './align-inputs.js';
import { inferDense } from './infer-dense.js';
import type { DenseTensor } from '../runtime/sliding-window/sliding-window.js';
import { createProvenance, openModelHandle, type ModelHandle } from './model-handle.js';
import { loadModelInputs, type NamedInputs } from './model-inputs.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';

export interface SegmentationRunOptions {
  /** Also return the class / region probabilities on the input grid (frames = channels). */
  readonly probabilities?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
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

function discretise(probabilities: Volume, steps: readonly StepSpec[], modelId: string): LabelArray {
  const channels = probabilities.frames;
  const step = steps.find((s) => DISCRETE.has(s.op));
  if (!step || step.op === 'argmax') return argmaxChannels(probabilities.data, channels);
  if (step.op === 'regionsToLabels') {
    return convertRegionsToLabels(probabilities.data, channels, {
      order: step.order as number[],
      labels: step.labels as number[],
      ...(step.threshold !== undefined ? { threshold: step.threshold as number } : {}),
      ...(step.comparison !== undefined ? { comparison: step.comparison as 'gt' | 'gte' } : {}),
    });
  }
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

/**
 * Preprocess -> infer -> logits in tensor order. Kept in its own function so that nothing
 * outlives its step: the model input (and the stacked channels it may be a view of) is
 * unreachable once this returns. On a 512x512x300 four-channel input it is 1.26 GB.
 */
async function predictLogits(handle: ModelHandle, inputs: Volume | Readonly<Record<string, Volume>>, timing: { inferenceMs: number }, onProgress?: (done: number, total: number) => void): Promise<{ records: PreprocessRecord[]; logits: DenseTensor }> {
  // Sliding windows read the preprocessed volume through strides: no transposed whole copy.
  let pre: PreprocessResult | undefined = runPreprocessPlan(inputs, handle.entry.preprocess, { view: handle.entry.inference.mode === 'slidingWindow' });
  const records = pre.records;
  const tensor = pre.tensor;
  pre = undefined;
  return { records, logits: await inferDense(handle, tensor, onProgress, timing) };
}

async function segment(handle: ModelHandle, input: ImageInput | NamedInputs, options: SegmentationRunOptions): Promise<SegmentationResult> {
  const started = Date.now();
  const entry = handle.entry;
  const loaded = await loadModelInputs(handle.context, entry, input);
  for (const [name, v] of Object.entries(loaded.volumes)) {
    if (entry.dimensionality === 3 && v.geometry.size[2] < 2) throw new InputError(`model '${entry.id}' segments 3D volumes; input '${name}' is 2D`, { modelId: entry.id, input: name });
  }
  const aligned = alignInputs(loaded.volumes, loaded.order);
  const warnings = aligned.resampled.map((n) => `input '${n}' was not on the grid of '${loaded.order[0]}' and was resampled onto it (trilinear)`);
  const reference = aligned.volumes[loaded.order[0]!]!;
  const timing = { inferenceMs: 0 };
  let predicted: { records: PreprocessRecord[]; logits: DenseTensor } | undefined = await predictLogits(handle, loaded.order.length > 1 ? aligned.volumes : reference, timing, options.onProgress);
  const records = predicted.records;
  const onModelGrid = createVolumeFromTensor(predicted.logits, records);
  predicted = undefined; // the tensor-ordered logits can go once they are in stored order
  const probabilities = invertToInputGrid(activate(onModelGrid, entry.postprocess.filter((s) => ACTIVATIONS.has(s.op))), records, { interpolation: 'linear' });
  const labelData = discretise(probabilities, entry.postprocess, entry.id);
  const labels = filterLabels(createVolume({ geometry: reference.geometry, data: labelData, meta: { modality: 'SEG', source: reference.meta.source ?? 'memory' } }), entry.postprocess);
  const volumesMl: Record<string, number> = {};
  for (const lv of measureLabelVolumes(labels.data, labels.geometry)) volumesMl[labelName(entry.labels, lv.label)] = lv.ml;
  return {
    labels,
    ...(options.probabilities ? { probabilities } : {}),
    volumesMl,
    provenance: createProvenance(handle, [records], loaded.names, started, timing),
    warnings,
  };
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
