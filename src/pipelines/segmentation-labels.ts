/**
 * From a segmentation model's output tensor to labels (and optionally probabilities) on the
 * input grid: activation on the model grid -> the axis-aligned part of the plan undone (crops,
 * resampling: probabilities linear, or interpolation and argmax fused) -> discretisation ->
 * label filters -> a general regridding (conform) undone last, labels by nearest neighbour.
 * Without a reslicing step the "reslice grid" is the input grid and the last stage is absent.
 * Label filters run on the reslice grid: brainchop's connected-component clean-up works on the
 * conformed volume, and a component filter on a nearest-resampled map would see its jaggies.
 */
import { ManifestError } from '../core/errors.js';
import { createVolume, type Volume } from '../core/volume.js';
import type { LabelSpec, ModelEntry } from '../manifest/types.js';
import { postprocessOfTask, type PostprocessStepOf } from '../manifest/task-ops.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../postprocess/classification/activations.js';
import { thresholdLabels } from '../postprocess/segmentation/threshold-labels.js';
import { argmaxChannels, convertRegionsToLabels, remapLabels, type LabelArray, type RegionsToLabelsOptions } from '../postprocess/segmentation/label-maps.js';
import { keepLargestComponent, keepLargestForegroundComponent, removeSmallComponents } from '../postprocess/segmentation/component-filters.js';
import { changesNoGeometry, invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { invertArgmaxToInputGrid, invertRegionsToInputGrid } from '../preprocess/invert-argmax.js';
import { resliceToInputGrid, splitAtReslice } from '../preprocess/reslice-records.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { createVolumeFromTensor } from '../preprocess/volume-from-tensor.js';
import { composeRecords } from '../preprocess/compose-records.js';
import { allocateTypedArray } from '../core/dtype.js';
import { voxelCount } from '../core/geometry.js';
import { copyPermutedBlock } from '../core/permute-block.js';
import type { ModelTensor } from '../core/tensor.js';

type SegmentationStep = PostprocessStepOf<'segmentation'>;
export type LabelFilter = Extract<
  SegmentationStep,
  { op: 'remapLabels' | 'keepLargestComponent' | 'removeSmallComponents' | 'keepLargestForegroundComponent' | 'binarize' }
>;

/** A segmentation entry's postprocess sorted by the stage that runs each step. */
export interface SegmentationSteps {
  /** On the model grid, in declared order. */
  readonly activations: readonly Extract<SegmentationStep, { op: 'sigmoid' | 'softmax' }>[];
  /** The first discretising step (none: argmax). */
  readonly discrete?: Extract<SegmentationStep, { op: 'argmax' | 'regionsToLabels' | 'threshold' }>;
  /** On the label map, in declared order. */
  readonly filters: readonly LabelFilter[];
  /** Brain extraction: the result also carries the masked input. */
  readonly maskInput: boolean;
}

/** `skip`: ops not run (a pre-model's skip list). */
export function segmentationSteps(entry: ModelEntry, skip: readonly string[] = []): SegmentationSteps {
  const activations: Extract<SegmentationStep, { op: 'sigmoid' | 'softmax' }>[] = [];
  const filters: LabelFilter[] = [];
  let discrete: SegmentationSteps['discrete'];
  let maskInput = false;
  for (const step of postprocessOfTask('segmentation', entry)) {
    if (skip.includes(step.op)) continue;
    switch (step.op) {
      case 'sigmoid':
      case 'softmax':
        activations.push(step);
        break;
      case 'argmax':
      case 'regionsToLabels':
      case 'threshold':
        discrete ??= step;
        break;
      case 'remapLabels':
      case 'keepLargestComponent':
      case 'removeSmallComponents':
      case 'keepLargestForegroundComponent':
      case 'binarize':
        filters.push(step);
        break;
      case 'maskInput':
        maskInput = true;
        break;
      default: {
        const exhaustive: never = step;
        return exhaustive;
      }
    }
  }
  return { activations, ...(discrete ? { discrete } : {}), filters, maskInput };
}

export function labelName(labels: readonly LabelSpec[], value: number): string {
  for (const [i, l] of labels.entries()) {
    if (typeof l === 'string' ? i === value : (l.value ?? i) === value) return typeof l === 'string' ? l : l.name;
  }
  return `label ${value}`;
}

/** In place: `volume` is the pipeline's own copy of the logits (a second copy would cost GBs on a CT). */
function activate(volume: Volume, steps: SegmentationSteps['activations']): Volume {
  const data = volume.data as Float32Array;
  for (const s of steps) {
    if (s.op === 'sigmoid') applySigmoid(data, data);
    // Channels are planar frames: softmax over axis 0 of [C, voxels].
    else applySoftmaxChannelsInPlace(data, volume.frames);
  }
  return volume;
}

export function regionOptions(step: Extract<SegmentationStep, { op: 'regionsToLabels' }>): RegionsToLabelsOptions {
  return {
    order: step.order,
    labels: step.labels,
    ...(step.threshold !== undefined ? { threshold: step.threshold } : {}),
    ...(step.comparison !== undefined ? { comparison: step.comparison } : {}),
  };
}

/** Labels from planar channel data ([C, voxels]): a whole volume's, or one slab's (segmentation-stream.ts). */
export function discretiseChannels(data: Volume['data'], channels: number, step: SegmentationSteps['discrete'], modelId: string): LabelArray {
  if (!step || step.op === 'argmax') return argmaxChannels(data, channels);
  if (step.op === 'regionsToLabels') return convertRegionsToLabels(data, channels, regionOptions(step));
  if (channels !== 1) throw new ManifestError(`model '${modelId}': 'threshold' needs a single-channel output, got ${channels}`, { modelId });
  return thresholdLabels(data, step.value ?? 0.5);
}

function discretise(probabilities: Volume, step: SegmentationSteps['discrete'], modelId: string): LabelArray {
  return discretiseChannels(probabilities.data, probabilities.frames, step, modelId);
}

/** The label filters that look at one voxel at a time: a map can go through them in slabs. */
export type VoxelLabelFilter = Extract<LabelFilter, { op: 'remapLabels' | 'binarize' }>;

export function isVoxelFilter(filter: LabelFilter): filter is VoxelLabelFilter {
  return filter.op === 'remapLabels' || filter.op === 'binarize';
}

/** A new array (the input may be the caller's); the type is kept. */
export function filterVoxels(labels: LabelArray, filter: VoxelLabelFilter): LabelArray {
  if (filter.op === 'remapLabels') return remapLabels(labels, filter.map);
  const data = labels.slice();
  for (let p = 0; p < data.length; p++) data[p] = data[p] !== 0 ? 1 : 0;
  return data;
}

function filterLabels(labels: Volume, filters: readonly LabelFilter[]): Volume {
  let v = labels;
  for (const s of filters) {
    switch (s.op) {
      case 'remapLabels':
      case 'binarize':
        v = createVolume({ geometry: v.geometry, data: filterVoxels(v.data as LabelArray, s), meta: v.meta });
        break;
      case 'keepLargestComponent':
        v = keepLargestComponent(v, { ...(s.labels ? { labels: s.labels } : {}), connectivity: s.connectivity });
        break;
      case 'removeSmallComponents':
        v = removeSmallComponents(v, { minVoxels: s.minVoxels, connectivity: s.connectivity });
        break;
      case 'keepLargestForegroundComponent':
        v = keepLargestForegroundComponent(v, s.connectivity);
        break;
      default: {
        const exhaustive: never = s;
        return exhaustive;
      }
    }
  }
  return v;
}

export interface LabelsResult {
  readonly labels: Volume;
  readonly probabilities?: Volume;
}

export interface LabelsOptions {
  readonly probabilities?: boolean;
  /** Stop on the reslice grid (a pre-model's labels for the main plan's cropForeground). */
  readonly stayOnResliceGrid?: boolean;
  /** Postprocess ops not run (a pre-model's skip list). */
  readonly skip?: readonly string[];
  /** Meta of the results: the input's source name and NIfTI xform codes (kept by writers). */
  readonly meta: Volume['meta'];
}

/**
 * How labels in tensor order ([...spatial] of the toTensor record) go back to the reslice grid,
 * when that is exact for labels: the plan only crops, pads, flips or permutes after the reslice
 * (voxel centres map onto voxel centres, so interpolating probabilities then taking labels =
 * labels then nearest). null otherwise, or when `spatial` is not the toTensor record's grid.
 */
export function tensorLabelsMapping(spatial: readonly number[], records: readonly PreprocessRecord[]): ((tensorLabels: LabelArray) => Volume) | null {
  const { inner } = splitAtReslice(records);
  const t = composeRecords(inner).transform;
  if (!t.scale.every((x) => x === 1 || x === -1) || !t.offset.every((o) => Number.isInteger(o))) return null;
  const rec = [...records].reverse().find((r) => r.op === 'toTensor');
  if (rec === undefined || spatial.length !== 3) return null;
  const g = rec.outputGeometry;
  const order = String(rec.details?.['axisOrder'] ?? 'kji');
  const axes = [...order].map((ch) => 'ijk'.indexOf(ch));
  if (spatial.some((d, idx) => d !== g.size[axes[idx]!])) return null;
  const [d1, d2] = [g.size[axes[1]!]!, g.size[axes[2]!]!];
  const tensorStride = [d1 * d2, d2, 1];
  const strideOf = (axis: number): number => tensorStride[axes.indexOf(axis)]!;
  const layout = {
    dims: [g.size[2], g.size[1], g.size[0]] as [number, number, number],
    srcStrides: [strideOf(2), strideOf(1), strideOf(0)] as [number, number, number],
  };
  const grid = inner[0]!.inputGeometry;
  return (tensorLabels) => {
    const type = tensorLabels instanceof Uint8Array ? 'uint8' : 'uint16';
    if (t.axes.every((a, i) => a === i) && t.scale.every((x) => x === 1) && t.offset.every((o, a) => o >= 0 && o + g.size[a]! <= grid.size[a]!)) {
      // The plan only cropped (brainchop's cropForeground): the labels go straight to their place
      // on the uncropped grid, background around them, instead of a model-grid copy padded after.
      const [n0, n1] = grid.size;
      const onGrid = allocateTypedArray(type, voxelCount(grid));
      copyPermutedBlock(tensorLabels, 0, onGrid, t.offset[0] + n0 * (t.offset[1] + n1 * t.offset[2]), { ...layout, dstStrides: [n0 * n1, n0] });
      return createVolume({ geometry: grid, data: onGrid });
    }
    const stored = allocateTypedArray(type, voxelCount(g));
    copyPermutedBlock(tensorLabels, 0, stored, 0, layout);
    const onModelGrid = createVolume({ geometry: g, data: stored });
    return invertToInputGrid(onModelGrid, inner, { interpolation: 'nearest' });
  };
}

/**
 * Argmax straight on the output tensor ([1, C, ...] is planar in tensor order), then only the
 * uint8 / uint16 labels are permuted to stored order and carried back: no float copy of the C
 * channels (1.2 GB for the 50-class model on a brain crop). Where tensorLabelsMapping is exact.
 */
function argmaxOnTensor(logits: ModelTensor<'float32'>, records: readonly PreprocessRecord[]): Volume | null {
  if (logits.strides !== undefined || logits.dims[0] !== 1 || logits.dims.length !== 5) return null;
  const mapping = tensorLabelsMapping(logits.dims.slice(2), records);
  return mapping === null ? null : mapping(argmaxChannels(logits.data, logits.dims[1]!));
}

/** Label filters, then a conform's reslice undone: the last stages of every label map. */
export function finishLabels(labels: Volume, records: readonly PreprocessRecord[], post: SegmentationSteps, options: LabelsOptions): Volume {
  const { outer, inner } = splitAtReslice(records);
  let out = filterLabels(createVolume({ geometry: inner[0]!.inputGeometry, data: labels.data, meta: { ...options.meta, modality: 'SEG' } }), post.filters);
  if (outer.length > 0 && options.stayOnResliceGrid !== true) out = resliceToInputGrid(out, outer, { interpolation: 'nearest' });
  return out;
}

export function computeLabels(entry: ModelEntry, logits: ModelTensor<'float32'>, records: readonly PreprocessRecord[], options: LabelsOptions): LabelsResult {
  const post = segmentationSteps(entry, options.skip);
  const { outer, inner } = splitAtReslice(records);
  const grid = inner[0]!.inputGeometry;
  const direct =
    !options.probabilities && post.activations.length === 0 && (post.discrete?.op ?? 'argmax') === 'argmax' ? argmaxOnTensor(logits, records) : null;
  if (direct !== null) return { labels: finishLabels(direct, records, post, options) };
  // The caller drops the logits after this call: their buffer may become the volume's (no copy).
  const activated = activate(createVolumeFromTensor(logits, records, { takeOwnership: true }), post.activations);
  const discrete = post.discrete;
  if (discrete?.op === 'argmax' && discrete.grid === 'model') return labelsOnModelGrid(activated, grid, inner, outer, post.filters, options);
  const moved = !changesNoGeometry(inner);
  // Labels only, and the plan resampled: interpolate and take the argmax in one pass instead of
  // writing C probability channels onto the grid first (same labels, see invert-argmax.ts).
  const fused = !options.probabilities && (discrete === undefined || discrete.op === 'argmax') && moved && activated.data instanceof Float32Array;
  // Sigmoid regions likewise (when the kernels apply; else null and the two steps below).
  const fusedRegions =
    !options.probabilities && discrete?.op === 'regionsToLabels' && moved ? invertRegionsToInputGrid(activated, inner, regionOptions(discrete)) : null;
  let probabilities = fused || fusedRegions !== null ? undefined : invertToInputGrid(activated, inner, { interpolation: 'linear' });
  const labelData = probabilities ? discretise(probabilities, discrete, entry.id) : (fusedRegions ?? invertArgmaxToInputGrid(activated, inner));
  let labels = filterLabels(createVolume({ geometry: grid, data: labelData, meta: { ...options.meta, modality: 'SEG' } }), post.filters);
  if (outer.length > 0 && options.stayOnResliceGrid !== true) {
    labels = resliceToInputGrid(labels, outer, { interpolation: 'nearest' });
    if (options.probabilities && probabilities) probabilities = resliceToInputGrid(probabilities, outer, { interpolation: 'linear' });
  }
  if (probabilities)
    probabilities = createVolume({ geometry: probabilities.geometry, data: probabilities.data, frames: probabilities.frames, meta: { ...options.meta } });
  return { labels, ...(options.probabilities && probabilities ? { probabilities } : {}) };
}

/**
 * `argmax` with grid 'model' (MONAI: AsDiscreted(argmax) then Invertd(nearest_interp=True)): the
 * labels are taken on the model grid and carried back nearest-neighbour, so a label boundary
 * stays where the model grid put it instead of where interpolated probabilities cross.
 */
function labelsOnModelGrid(
  activated: Volume,
  grid: Volume['geometry'],
  inner: readonly PreprocessRecord[],
  outer: readonly PreprocessRecord[],
  filters: readonly LabelFilter[],
  options: LabelsOptions,
): LabelsResult {
  const onModel = createVolume({ geometry: activated.geometry, data: argmaxChannels(activated.data, activated.frames) });
  const back = invertToInputGrid(onModel, inner, { interpolation: 'nearest' });
  let labels = filterLabels(createVolume({ geometry: grid, data: back.data, meta: { ...options.meta, modality: 'SEG' } }), filters);
  let probabilities = options.probabilities ? invertToInputGrid(activated, inner, { interpolation: 'linear' }) : undefined;
  if (outer.length > 0 && options.stayOnResliceGrid !== true) {
    labels = resliceToInputGrid(labels, outer, { interpolation: 'nearest' });
    if (probabilities) probabilities = resliceToInputGrid(probabilities, outer, { interpolation: 'linear' });
  }
  if (probabilities)
    probabilities = createVolume({ geometry: probabilities.geometry, data: probabilities.data, frames: probabilities.frames, meta: { ...options.meta } });
  return { labels, ...(probabilities ? { probabilities } : {}) };
}

/** brainchop's brain extraction: the input with voxels outside the labels zeroed (input grid, input type). */
export function maskInputVolume(input: Volume, labels: Volume): Volume {
  const data = input.data.slice();
  const n = labels.data.length;
  const comps = input.components;
  // Layout: components interleaved per voxel, frames after the 3D block.
  for (let q = 0; q < data.length; q++) if (labels.data[Math.floor(q / comps) % n] === 0) data[q] = 0;
  return createVolume({ geometry: input.geometry, data, components: input.components, frames: input.frames, meta: { ...input.meta } });
}
