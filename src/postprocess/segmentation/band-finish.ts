/**
 * Finishing a sliding window's completed planes on a kernel worker while the calling thread runs
 * the next window through the model (runtime/sliding-window: the labels-only band of
 * runSlidingWindowSlabs, with overlapWindows). One job, run in order on one worker:
 *   the batch's add (ACCUMULATE_KERNEL over all its planes), then for each chunk of completed
 *   planes: the normalisation (SCALE_ROWS_KERNEL / NORMALISE_TILES_KERNEL), a copy of the chunk
 *   into the slab buffer, the activation and discretisation (`labelSlab`, the very functions the
 *   calling thread runs on a slab), the labels into the job's shared label map; then the band's
 *   shift (shiftPlanes).
 * Each step is the function the serial path calls on the same planes in the same order, so the
 * labels are the same bytes (the threaded variants of these passes split ranges of the same
 * arithmetic; on the worker, which registers no runner, every pass runs single-threaded).
 * Here rather than in runtime/: the workers' kernel table (postprocess/threads/) may not import runtime.
 */
import { InputError, ShapeError, UnsupportedError, UsageError } from '../../core/errors.js';
import type { SlabKernel } from '../../core/threads/slab-pool.js';
import { applySigmoid, applySoftmaxChannelsInPlace } from '../classification/activations.js';
import { ADD_KERNEL, NORMALISE_TILES_KERNEL, SCALE_ROWS_KERNEL, type AddArgs, type NormaliseTilesArgs, type ScaleRowsArgs } from '../common/blend-slabs.js';
import { shiftPlanes } from '../common/blend-normalise.js';
import { argmaxChannels, convertRegionsToLabels, type LabelArray, type RegionsToLabelsOptions } from './label-maps.js';

/**
 * The per-voxel steps from channel output to labels (the manifest's segmentation steps, which this
 * layer may not import, reduced to what a worker needs). Only uint8 label maps: argmax over at
 * most 256 channels, regions with labels up to 255.
 */
export interface SlabLabelSpec {
  readonly activations: readonly ('sigmoid' | 'softmax')[];
  readonly discrete: { readonly op: 'argmax' } | { readonly op: 'regionsToLabels'; readonly options: RegionsToLabelsOptions };
}

/** Whether labelSlab's map is uint8 for `channels` output channels (what a band job writes). */
export function labelsFitUint8(spec: SlabLabelSpec, channels: number): boolean {
  return spec.discrete.op === 'argmax' ? channels <= 256 : spec.discrete.options.labels.every((l) => l <= 255);
}

/** Activation (in place) and discretisation of a planar [channels, voxels] slab. */
export function labelSlab(slab: Float32Array, channels: number, spec: SlabLabelSpec): LabelArray {
  for (const a of spec.activations) {
    if (a === 'sigmoid') applySigmoid(slab, slab);
    else applySoftmaxChannelsInPlace(slab, channels);
  }
  return spec.discrete.op === 'argmax' ? argmaxChannels(slab, channels) : convertRegionsToLabels(slab, channels, spec.discrete.options);
}

/** Where band labels go (startFinishPlanes): the slab buffer is shared, as large as the largest range, reused range by range. */
export interface BandLabelling {
  readonly spec: SlabLabelSpec;
  readonly slab: Float32Array;
  readonly labels: Uint8Array;
}

/** One run of completed band planes [from, to) and the normalisation job over them (extent to - from). */
export interface BandChunk {
  readonly from: number;
  readonly to: number;
  readonly normalise: { readonly rows: ScaleRowsArgs } | { readonly tiles: NormaliseTilesArgs };
}

export interface BandFinishArgs {
  /** The shared arena memory holding the band. */
  readonly memory: WebAssembly.Memory;
  /** The batch's add, not yet started (its prediction possibly transferred with the job). */
  readonly add?: AddArgs | undefined;
  /** Float index of the band's channel 0, plane 0; floats per channel (band), per plane; channels. */
  readonly output: number;
  readonly spatial: number;
  readonly plane: number;
  readonly channels: number;
  readonly chunks: readonly BandChunk[];
  /** Shared slab buffer (channels x the largest chunk's planes x plane) and the label map of planes chunks[0].from .. last.to. */
  readonly slab: Float32Array;
  readonly labels: Uint8Array;
  readonly spec: SlabLabelSpec;
  /** Band planes, and how many planes to drop from its front once labelled. */
  readonly bandPlanes: number;
  readonly shift: number;
}

/** Prefix of a failure's text that names its error class (runSlabJob passes only the message). */
const TYPED = /^(InputError|ShapeError|UsageError): /;

export const BAND_FINISH_KERNEL: SlabKernel<BandFinishArgs> = {
  name: 'bandFinish',
  run: (a) => {
    try {
      finishBand(a);
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 0;
  },
};

function finishBand(a: BandFinishArgs): void {
  if (a.add !== undefined) ADD_KERNEL.run(a.add, 0, 1);
  const f32 = new Float32Array(a.memory.buffer);
  const band = f32.subarray(a.output, a.output + a.channels * a.spatial);
  const first = a.chunks[0]?.from ?? 0;
  for (const chunk of a.chunks) {
    const planes = chunk.to - chunk.from;
    if ('rows' in chunk.normalise) SCALE_ROWS_KERNEL.run(chunk.normalise.rows, 0, planes);
    else NORMALISE_TILES_KERNEL.run(chunk.normalise.tiles, 0, planes);
    const n = planes * a.plane;
    const slab = a.slab.subarray(0, a.channels * n);
    for (let c = 0; c < a.channels; c++) slab.set(band.subarray(c * a.spatial + chunk.from * a.plane, c * a.spatial + chunk.to * a.plane), c * n);
    const part = labelSlab(slab, a.channels, a.spec);
    if (!(part instanceof Uint8Array)) throw new ShapeError(`band labels need uint8, got ${part.constructor.name}`);
    a.labels.set(part, (chunk.from - first) * a.plane);
  }
  if (a.shift > 0) shiftPlanes(band, a.channels, a.bandPlanes, a.plane, a.shift);
}

/**
 * The typed error of a failed band job (the worker's text: "<class>: <message>"): InputError,
 * ShapeError and UsageError as thrown there (NaN in the logits, a label map that does not fit);
 * anything else (kernels missing on the worker) as UnsupportedError.
 */
export function bandFinishError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  const on = text.indexOf('on a worker thread: ');
  const inner = on >= 0 ? text.slice(on + 'on a worker thread: '.length) : text;
  const m = TYPED.exec(inner);
  const message = `labelling completed window planes on a kernel worker: ${m ? inner.slice(m[0].length) : inner}`;
  if (m?.[1] === 'InputError') return new InputError(message);
  if (m?.[1] === 'ShapeError') return new ShapeError(message);
  if (m?.[1] === 'UsageError') return new UsageError(message);
  return new UnsupportedError(message, {}, { cause: error });
}
