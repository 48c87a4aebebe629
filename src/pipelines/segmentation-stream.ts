/**
 * Labels made slab by slab as a sliding window finishes them (runSlidingWindowSlabs): activation
 * and discretisation per voxel on each slab, written into a label map in tensor order, so the
 * C-channel float output never exists whole (7.5 GB for 3 channels of a 1024x1024x600 CT; the
 * band the window accumulates into is ~1.6 GB). Used when only labels are asked for, every
 * postprocess step before the label filters is per voxel, and labels map back exactly
 * (tensorLabelsMapping: crops, pads, flips, permutations). The labels equal the whole-output
 * path's bit for bit: the same per-voxel arithmetic, the activation kernels run on every element
 * of a slab as on the whole (an in-plane size that is a multiple of 4 and at least 4096 voxels
 * leaves no scalar tail; logits are finite, as softmax's kernel requires of the whole output).
 */
import { ShapeError } from '../core/errors.js';
import type { ModelEntry } from '../manifest/types.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../postprocess/classification/activations.js';
import type { LabelArray } from '../postprocess/segmentation/label-maps.js';
import type { PreprocessRecord } from '../preprocess/types.js';
import type { SlabLabelling, SlabSink } from '../runtime/sliding-window/sliding-window.js';
import type { SlabLabelSpec } from '../postprocess/segmentation/band-finish.js';
import type { Volume } from '../core/volume.js';
import {
  discretiseChannels,
  finishLabels,
  regionOptions,
  segmentationSteps,
  tensorLabelsMapping,
  type LabelsOptions,
  type LabelsResult,
  type SegmentationSteps,
} from './segmentation-labels.js';

export interface LabelStream {
  readonly onSlab: SlabSink;
  /** The same labels made on a kernel worker where the sliding window can (runSlidingWindowSlabs' labelling). */
  readonly labelling?: SlabLabelling | undefined;
  /** The label map once every slab has arrived (filters and reslice applied). */
  finish(): LabelsResult;
}

/** Labels of one slab of the output, in tensor order: what every label stream is made of. */
export interface SlabLabels {
  readonly post: SegmentationSteps;
  /** Tensor labels -> the reslice grid (tensorLabelsMapping). */
  readonly mapping: (tensorLabels: LabelArray) => Volume;
  /** Voxels of one plane of the tensor's first spatial axis. */
  readonly plane: number;
  readonly voxels: number;
  /** Activation and discretisation of `planes` planes of the channel output (in place), as labels. */
  labelsOf(slab: Float32Array, planes: number): LabelArray;
  /** labelsOf's steps for a kernel worker (band-finish.ts's labelSlab), where they make uint8 labels; else undefined. */
  readonly spec: SlabLabelSpec | undefined;
}

/** The steps as a worker runs them: not 'threshold' (its channel check is a ManifestError here). */
function workerSpec(post: SegmentationSteps): SlabLabelSpec | undefined {
  const d = post.discrete;
  if (d?.op === 'threshold') return undefined;
  const discrete: SlabLabelSpec['discrete'] = d?.op === 'regionsToLabels' ? { op: 'regionsToLabels', options: regionOptions(d) } : { op: 'argmax' };
  return { activations: post.activations.map((s) => s.op), discrete };
}

/** null when the entry's steps, the plan or the tensor's shape need the whole output. */
export function planSlabLabels(entry: ModelEntry, records: readonly PreprocessRecord[], dims: readonly number[], options: LabelsOptions): SlabLabels | null {
  if (entry.inference.mode !== 'slidingWindow' || dims.length !== 5 || dims[0] !== 1) return null;
  const post = segmentationSteps(entry, options.skip);
  const mapping = tensorLabelsMapping(dims.slice(2), records);
  const plane = dims[3]! * dims[4]!;
  if (mapping === null || plane % 4 !== 0 || plane < 4096) return null;
  return {
    post,
    mapping,
    plane,
    voxels: dims[2]! * plane,
    spec: workerSpec(post),
    labelsOf: (slab, planes) => {
      const channels = slab.length / (planes * plane);
      for (const s of post.activations) {
        if (s.op === 'sigmoid') applySigmoid(slab, slab);
        else applySoftmaxChannelsInPlace(slab, channels);
      }
      return discretiseChannels(slab, channels, post.discrete, entry.id);
    },
  };
}

/** The whole label map from the slabs (planSlabLabels), then filters and reslice as for the whole output. */
export function planLabelStream(entry: ModelEntry, records: readonly PreprocessRecord[], dims: readonly number[], options: LabelsOptions): LabelStream | null {
  const slabs = planSlabLabels(entry, records, dims, options);
  if (slabs === null) return null;
  const { plane, voxels } = slabs;
  let labels: LabelArray | undefined;
  let received = 0;
  const put = (part: LabelArray, from: number): void => {
    labels ??= part instanceof Uint8Array ? new Uint8Array(voxels) : new Uint16Array(voxels);
    if (part.constructor !== labels.constructor) throw new ShapeError(`model '${entry.id}': label slabs changed type between planes`, { modelId: entry.id });
    labels.set(part, from * plane);
    received += part.length;
  };
  return {
    onSlab: (slab, from, planes) => put(slabs.labelsOf(slab, planes), from),
    labelling: slabs.spec && { spec: slabs.spec, onLabels: (part, from) => put(part, from) },
    finish: () => {
      if (labels === undefined || received !== voxels)
        throw new ShapeError(`model '${entry.id}': ${received} of ${voxels} labelled voxels arrived from the sliding window`, { modelId: entry.id });
      return { labels: finishLabels(slabs.mapping(labels), records, slabs.post, options) };
    },
  };
}
