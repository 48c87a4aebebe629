/**
 * Segmentation pipeline: one or several 3D inputs (multi-modal MRI stacked in the manifest's
 * order; inputs off the first input's grid are resampled onto it and reported) -> declared plan
 * -> whole or sliding-window inference -> activation on the model grid -> probabilities mapped
 * back onto the first input's exact grid (linear, as MONAI's Invertd with nearest_interp=false)
 * -> argmax or sigmoid regions -> label filters -> label map + per-label volumes in ml.
 * A plan that conforms its input (brainchop) gets its labels back through the reslice
 * (segmentation-labels.ts). An entry's `preModel` runs first on the same input and its labels
 * (on the pre-model's regridded grid) feed the main plan's cropForeground {mask: 'preModel'}.
 */
import { InputError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { getModelEntry } from '../manifest/load.js';
import type { ModelEntry } from '../manifest/types.js';
import { measureLabelVolumes } from '../postprocess/segmentation/label-maps.js';
import type { LabelVolume, LargestSlice } from '../postprocess/segmentation/label-tally.js';
import type { VolumeShell, VolumeSink } from '../io/volume-sink.js';
import { runPreprocessPlan, type PreprocessResult } from '../preprocess/run-plan.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { xformMetaOf } from '../io/nifti/xform-codes.js';
import { alignInputs } from './align-inputs.js';
import { computeLabels, labelName, maskInputVolume, segmentationSteps, type LabelsOptions, type LabelsResult } from './segmentation-labels.js';
import { planLabelStream } from './segmentation-stream.js';
import { planSinkStream, type SinkOutcome, writeWholeLabels } from './segmentation-sink.js';
import { inferDense, inferDenseSlabs } from './infer-dense.js';
import type { ModelTensor } from '../core/tensor.js';
import { createProvenance, openModelHandle, type ModelHandle } from './model-handle.js';
import { loadModelInputs, type NamedInputs } from './model-inputs.js';
import { selectInputVolume } from './select-volume.js';
import type { ImageInput, PipelineBase, PipelineContext, Provenance } from './types.js';
import { TASK_POSTPROCESS_OPS } from '../manifest/task-ops.js';
import { defineTask } from './task-definition.js';

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
  /**
   * With a `maskInput` postprocess step (brain extraction): the first input with every voxel
   * outside the label map set to 0, on the input grid, in the input's type.
   */
  readonly masked?: Volume;
  /** Volume in ml per label name (background excluded). */
  readonly volumesMl: Readonly<Record<string, number>>;
  readonly provenance: Provenance;
  /** Things done to the inputs that the caller should know (e.g. resampled onto the first grid). */
  readonly warnings: readonly string[];
}

/**
 * A run whose label map is only wanted in a file (runToSink): the map goes to the sink, not into
 * the result. What the result carries instead is measured on the way (volumes, largest slice).
 */
export interface SegmentationSinkResult extends Omit<SegmentationResult, 'labels' | 'probabilities'> {
  /** The label map written, without its samples: the first input's grid, uint8 / uint16, meta. */
  readonly written: VolumeShell;
  /**
   * Planes went to the sink as the sliding window finished them, the map never whole in memory.
   * false: the run needed the whole map (whole-volume inference, component filters, a conform's
   * reslice, brain extraction, slabs not along the file's k axis) and wrote it at the end.
   */
  readonly streamed: boolean;
  /** The slice along the third voxel axis with the most labelled voxels, for an overlay. */
  readonly largestSlice: LargestSlice;
}

export interface SegmentationPipeline extends PipelineBase {
  readonly task: 'segmentation';
  run(input: ImageInput | NamedInputs, options?: SegmentationRunOptions): Promise<SegmentationResult>;
  /**
   * The label map written into `sink` (in Node: createNiftiFileSink(path)) as it is made, for a
   * map only wanted on disk: with a sliding window, slab by slab as the windows complete, so a
   * 1024x1024x600 CT never holds it whole. The file equals writeNifti of run()'s labels. On any
   * failure the sink is aborted (no file) and the error rethrown.
   */
  runToSink(input: ImageInput | NamedInputs, sink: VolumeSink, options?: Omit<SegmentationRunOptions, 'probabilities'>): Promise<SegmentationSinkResult>;
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
  readonly reference: { readonly geometry: Volume['geometry']; readonly source: string; readonly meta: Volume['meta'] };
}

async function prepareInputs(handle: ModelHandle, input: ImageInput | NamedInputs, volumeIndex?: number): Promise<PreparedInputs> {
  const entry = handle.entry;
  const loaded = await loadModelInputs(handle.context, entry, input);
  for (const [k, name] of loaded.order.entries()) loaded.volumes[name] = selectInputVolume(loaded.volumes[name]!, volumeIndex, loaded.names[k] ?? name);
  for (const [name, v] of Object.entries(loaded.volumes)) {
    if (entry.dimensionality === 3 && v.geometry.size[2] < 2)
      throw new InputError(`model '${entry.id}' segments 3D volumes; input '${name}' is 2D`, { modelId: entry.id, input: name });
  }
  const aligned = alignInputs(loaded.volumes, loaded.order);
  const first = aligned.volumes[loaded.order[0]!]!;
  return {
    inputs: loaded.order.length > 1 ? aligned.volumes : first,
    names: loaded.names,
    warnings: aligned.resampled.map((n) => `input '${n}' was not on the grid of '${loaded.order[0]}' and was resampled onto it (trilinear)`),
    reference: { geometry: first.geometry, source: first.meta.source ?? 'memory', meta: xformMetaOf(first) },
  };
}

/** An entry's `preModel`, opened beside it (same session cache). */
interface PreModel {
  readonly handle: ModelHandle;
  readonly skip: readonly string[];
}

type PlanInputs = Volume | Readonly<Record<string, Volume>>;

/** The pre-model's labels on the grid its plan regrids to (for cropForeground {mask: 'preModel'}). */
async function runPreModel(
  pre: PreModel,
  inputs: PlanInputs,
  source: string,
  timing: { inferenceMs: number },
): Promise<{ labels: Volume; records: PreprocessRecord[] }> {
  const entry = pre.handle.entry;
  let prepared: PreprocessResult | undefined = runPreprocessPlan(inputs, entry.preprocess, { skip: pre.skip, ...(entry.space ? { space: entry.space } : {}) });
  const { records, tensor } = prepared;
  prepared = undefined;
  const logits = await inferDense(pre.handle, tensor, undefined, timing);
  const { labels } = computeLabels(entry, logits, records, { stayOnResliceGrid: true, skip: pre.skip, meta: { source } });
  return { labels, records };
}

/**
 * `prepared.inputs` is taken and cleared before the plan runs: the plan drops the read volumes
 * once it has stacked them (0.6 GB for four int16 512x512x300 inputs), and nothing here may
 * still hold them while the windows run. When only labels are wanted and they can be made slab
 * by slab (segmentation-stream.ts), the whole output is never held: `labels` comes back instead
 * of `logits`.
 */
async function predict(
  handle: ModelHandle,
  prepared: PreparedInputs,
  preModelLabels: Volume | undefined,
  timing: { inferenceMs: number },
  run: { onProgress?: (done: number, total: number) => void; labels?: LabelsOptions; sink?: VolumeSink },
): Promise<Predicted> {
  const entry = handle.entry;
  // Sliding windows read the preprocessed volume through strides (no transposed whole copy), or
  // a zscore deferred into the windows (PreprocessResult.deferred: no float32 copy at all).
  let pre: PreprocessResult | undefined = runPreprocessPlan(takeInputs(prepared), entry.preprocess, {
    view: entry.inference.mode === 'slidingWindow',
    ...(entry.space ? { space: entry.space } : {}),
    ...(preModelLabels ? { preModelLabels } : {}),
  });
  const records = pre.records;
  const tensor = pre.deferred ?? pre.tensor;
  pre = undefined;
  const toSink = run.labels && run.sink ? planSinkStream(entry, records, tensor.dims, run.labels, run.sink) : null;
  if (toSink !== null) {
    await inferDenseSlabs(handle, tensor, toSink.onSlab, run.onProgress, timing, toSink.labelling);
    return { records, written: await toSink.finish() };
  }
  const stream = run.labels ? planLabelStream(entry, records, tensor.dims, run.labels) : null;
  if (stream !== null) {
    await inferDenseSlabs(handle, tensor, stream.onSlab, run.onProgress, timing, stream.labelling);
    return { records, labels: stream.finish() };
  }
  const logits = await inferDense(handle, tensor, run.onProgress, timing);
  return { records, logits };
}

interface Predicted {
  readonly records: PreprocessRecord[];
  readonly logits?: ModelTensor<'float32'>;
  readonly labels?: LabelsResult;
  /** Labels already in the sink (planSinkStream). */
  readonly written?: SinkOutcome;
}

function takeInputs(prepared: PreparedInputs): PlanInputs {
  const inputs = prepared.inputs!;
  prepared.inputs = undefined;
  return inputs;
}

/** A run's labels: in memory (`labels`), in the sink (`written`), or both (a whole map then written). */
type Segmented = Omit<SegmentationResult, 'labels' | 'volumesMl'> & { readonly labels?: Volume; readonly written?: SinkOutcome };

async function segment(
  handle: ModelHandle,
  preModel: PreModel | null,
  input: ImageInput | NamedInputs,
  options: SegmentationRunOptions,
  sink?: VolumeSink,
): Promise<Segmented> {
  const started = Date.now();
  const entry = handle.entry;
  const timing = { inferenceMs: 0 };
  const prepared = await prepareInputs(handle, input, options.volume);
  const { names, warnings, reference } = prepared;
  // Kept only for brain extraction; everything else lets the input go once the plan has read it.
  const firstInput = segmentationSteps(entry).maskInput ? firstVolume(prepared.inputs!) : undefined;
  const allRecords: PreprocessRecord[][] = [];
  let preLabels: Volume | undefined;
  if (preModel !== null) {
    const pre = await runPreModel(preModel, prepared.inputs!, reference.source, timing);
    preLabels = pre.labels;
    allRecords.push(pre.records);
  }
  const labelsOptions: LabelsOptions = { meta: { ...reference.meta, source: reference.source } };
  let predicted: Predicted | undefined = await predict(handle, prepared, preLabels, timing, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.probabilities ? {} : { labels: labelsOptions }),
    ...(sink ? { sink } : {}),
  });
  preLabels = undefined;
  const { records, logits, written } = predicted;
  const streamed = predicted.labels;
  predicted = undefined;
  // Provenance last: its duration covers the labels (and a file written from the whole map).
  const ended = <T>(result: T) => ({ ...result, provenance: createProvenance(handle, [records, ...allRecords], names, started, timing), warnings });
  if (written !== undefined) return ended({ written });
  const { labels, probabilities } =
    streamed ?? computeLabels(entry, logits!, records, { ...(options.probabilities ? { probabilities: true } : {}), ...labelsOptions });
  return ended({
    labels,
    ...(probabilities ? { probabilities } : {}),
    ...(firstInput ? { masked: maskInputVolume(firstInput, labels) } : {}),
    ...(sink ? { written: await writeWholeLabels(labels, sink) } : {}),
  });
}

function volumesByName(entry: ModelEntry, volumes: readonly LabelVolume[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const lv of volumes) out[labelName(entry.labels, lv.label)] = lv.ml;
  return out;
}

async function segmentInMemory(
  handle: ModelHandle,
  preModel: PreModel | null,
  input: ImageInput | NamedInputs,
  options: SegmentationRunOptions,
): Promise<SegmentationResult> {
  const { labels, probabilities, masked, provenance, warnings } = await segment(handle, preModel, input, options);
  return {
    labels: labels!,
    ...(probabilities ? { probabilities } : {}),
    ...(masked ? { masked } : {}),
    volumesMl: volumesByName(handle.entry, measureLabelVolumes(labels!.data, labels!.geometry)),
    provenance,
    warnings,
  };
}

async function segmentToSink(
  handle: ModelHandle,
  preModel: PreModel | null,
  input: ImageInput | NamedInputs,
  sink: VolumeSink,
  options: Omit<SegmentationRunOptions, 'probabilities'>,
): Promise<SegmentationSinkResult> {
  try {
    const { written, masked, provenance, warnings } = await segment(handle, preModel, input, options, sink);
    const { shell, streamed, volumes, largestSlice } = written!;
    return { written: shell, streamed, largestSlice, ...(masked ? { masked } : {}), volumesMl: volumesByName(handle.entry, volumes), provenance, warnings };
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

function firstVolume(inputs: PlanInputs): Volume {
  if ('geometry' in inputs && 'data' in inputs) return inputs as Volume;
  return Object.values(inputs as Readonly<Record<string, Volume>>)[0]!;
}

async function openPreModel(handle: ModelHandle): Promise<PreModel | null> {
  const ref = handle.entry.preModel;
  if (ref === undefined) return null;
  const entry = getModelEntry(handle.context.manifest, ref.id);
  // No CPU memory arena: the pre-model runs once per run before the main network, and its arena
  // would hold its whole-volume activations (~0.9 GB for brainchop's tissue network on 256^3)
  // while the main network runs (BackendSessionOptions.memoryArena).
  const pre = await openModelHandle(handle.context, entry, 'segmentation', { memoryArena: false });
  return { handle: pre, skip: ref.skip ?? [] };
}

export async function createSegmentationPipeline(context: PipelineContext, model: string | ModelEntry): Promise<SegmentationPipeline> {
  const handle = await openModelHandle(context, model, 'segmentation');
  const preModel = await openPreModel(handle);
  return {
    task: 'segmentation',
    entry: handle.entry,
    provider: handle.session.provider,
    run: (input, options = {}) => segmentInMemory(handle, preModel, input, options),
    runToSink: (input, sink, options = {}) => segmentToSink(handle, preModel, input, sink, options),
    dispose: async () => {
      await handle.session.dispose();
      await preModel?.handle.session.dispose();
    },
  };
}

export const segmentationTask = defineTask({ name: 'segmentation', postprocessOps: TASK_POSTPROCESS_OPS.segmentation, create: createSegmentationPipeline });
