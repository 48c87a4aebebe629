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
import type { LabelSpec, ModelEntry, StepSpec } from '../manifest/types.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../postprocess/classification/activations.js';
import { argmaxChannels, convertRegionsToLabels, remapLabels, type LabelArray, type RegionsToLabelsOptions } from '../postprocess/segmentation/label-maps.js';
import { keepLargestComponent, keepLargestForegroundComponent, removeSmallComponents } from '../postprocess/segmentation/component-filters.js';
import { changesNoGeometry, invertToInputGrid } from '../preprocess/invert-to-input-grid.js';
import { invertArgmaxToInputGrid, invertRegionsToInputGrid } from '../preprocess/invert-argmax.js';
import { resliceToInputGrid, splitAtReslice } from '../preprocess/reslice-records.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import { createVolumeFromTensor } from '../preprocess/volume-from-tensor.js';
import type { DenseTensor } from '../runtime/sliding-window/sliding-window.js';

const ACTIVATIONS = new Set(['sigmoid', 'softmax']);
const DISCRETE = new Set(['argmax', 'regionsToLabels', 'threshold']);

export function labelName(labels: readonly LabelSpec[], value: number): string {
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

export function regionOptions(step: StepSpec): RegionsToLabelsOptions {
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

export function filterLabels(labels: Volume, steps: readonly StepSpec[]): Volume {
  let v = labels;
  for (const s of steps) {
    if (s.op === 'remapLabels') v = createVolume({ geometry: v.geometry, data: remapLabels(v.data as LabelArray, s.map as Record<string, number>), meta: v.meta });
    if (s.op === 'keepLargestComponent') v = keepLargestComponent(v, { ...(s.labels ? { labels: s.labels as number[] } : {}), connectivity: (s.connectivity as 6 | 26 | undefined) ?? 26 });
    if (s.op === 'removeSmallComponents') v = removeSmallComponents(v, { minVoxels: s.minVoxels as number, connectivity: (s.connectivity as 6 | 26 | undefined) ?? 26 });
    if (s.op === 'keepLargestForegroundComponent') v = keepLargestForegroundComponent(v, (s.connectivity as 6 | 26 | undefined) ?? 26);
    if (s.op === 'binarize') {
      const data = v.data.slice();
      for (let p = 0; p < data.length; p++) data[p] = data[p] !== 0 ? 1 : 0;
      v = createVolume({ geometry: v.geometry, data, meta: v.meta });
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

export function computeLabels(entry: ModelEntry, logits: DenseTensor, records: readonly PreprocessRecord[], options: LabelsOptions): LabelsResult {
  const post = entry.postprocess.filter((s) => !(options.skip ?? []).includes(s.op));
  const { outer, inner } = splitAtReslice(records);
  const grid = inner[0]!.inputGeometry;
  const activated = activate(createVolumeFromTensor(logits, records), post.filter((s) => ACTIVATIONS.has(s.op)));
  const discrete = post.find((s) => DISCRETE.has(s.op));
  const moved = !changesNoGeometry(inner);
  // Labels only, and the plan resampled: interpolate and take the argmax in one pass instead of
  // writing C probability channels onto the grid first (same labels, see invert-argmax.ts).
  const fused = !options.probabilities && (discrete === undefined || discrete.op === 'argmax') && moved && activated.data instanceof Float32Array;
  // Sigmoid regions likewise (when the kernels apply; else null and the two steps below).
  const fusedRegions = !options.probabilities && discrete?.op === 'regionsToLabels' && moved ? invertRegionsToInputGrid(activated, inner, regionOptions(discrete)) : null;
  let probabilities = fused || fusedRegions !== null ? undefined : invertToInputGrid(activated, inner, { interpolation: 'linear' });
  const labelData = probabilities ? discretise(probabilities, post, entry.id) : fusedRegions ?? invertArgmaxToInputGrid(activated, inner);
  let labels = filterLabels(createVolume({ geometry: grid, data: labelData, meta: { ...options.meta, modality: 'SEG' } }), post);
  if (outer.length > 0 && options.stayOnResliceGrid !== true) {
    labels = resliceToInputGrid(labels, outer, { interpolation: 'nearest' });
    if (options.probabilities && probabilities) probabilities = resliceToInputGrid(probabilities, outer, { interpolation: 'linear' });
  }
  if (probabilities) probabilities = createVolume({ geometry: probabilities.geometry, data: probabilities.data, frames: probabilities.frames, meta: { ...options.meta } });
  return { labels, ...(options.probabilities && probabilities ? { probabilities } : {}) };
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
