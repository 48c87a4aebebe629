/**
 * zscore deferred into the windows of a sliding window (runPreprocessPlan with `view`): when a
 * zscore on integer data is followed only by crops / pads that commute with it and by toTensor,
 * the statistics are taken where the plan declares them (same record), the crops run on the
 * integer channels, and the tensor is a DeferredTensorView that normalises each run of voxels as
 * a window is cut. A plan that starts by stacking single-channel inputs (BraTS) need not stack
 * them at all: each channel is read from its own input (the same input in several slots is read
 * once and cropped once). A 4-channel int16 CT of 512x512x300 is then held as int16 inputs
 * instead of a 1.26 GB float32 stack and its padded copy. Values are those of normalizeZscore:
 * the same statistics and per-element arithmetic (planZscoreSpans, normalizeZscoreRun).
 */
import { sameGrid, type Geometry } from '../core/geometry.js';
import type { DeferredTensorView } from '../core/tensor.js';
import { createVolume, type Volume, type VolumeMeta } from '../core/volume.js';
import { cropPadVolume, planCropPad } from './crop-pad.js';
import { checkModelSpace, type ModelSpace } from './model-space.js';
import { channelCount, toPlanar } from './planar.js';
import { createRecord } from './record.js';
import { tensorViewLayout } from './to-tensor.js';
import type { CropPadParams, PreprocessRecord, PreprocessStep, StackChannelsParams, ToTensorParams, ZscoreParams } from './types.js';
import { getSimdKernels } from './simd.js';
import { normalizeZscoreRun, planZscore, planZscoreSpans, type ZscorePlan } from './zscore.js';

/** A deferred plan's tensor and what its materialisation needs. */
export interface DeferredPlan {
  readonly records: PreprocessRecord[];
  readonly view: DeferredTensorView;
  /** The view is in stored order (its materialisation needs no strides). */
  readonly identity: boolean;
  readonly geometry: Geometry;
  readonly meta: VolumeMeta;
}

/**
 * A crop / pad after a zscore gives the same tensor run before it when its box does not depend on
 * intensities (not 'foreground') and it pads nothing, or pads with 0 under `nonzero` (zeros stay 0).
 */
function commutesWithZscore(step: CropPadParams, volume: Volume, zscore: ZscoreParams): boolean {
  if (step.mode === 'foreground') return false;
  const plan = planCropPad(volume, step);
  const n = volume.geometry.size;
  const padsNothing = plan.start.every((s, a) => s >= 0 && s + plan.size[a]! <= n[a]!);
  return padsNothing || (zscore.nonzero && (step.value ?? 0) === 0);
}

const isInteger = (v: Volume): boolean => !(v.data instanceof Float32Array || v.data instanceof Float64Array);

/**
 * How many steps from `rest[i]` (a zscore) through toTensor can run deferred on `volume` (or on
 * channels of its grid and type), or 0. Only integer data gains (a float32 volume is normalised
 * in place), and the cutter must be able to read the view in storage-order runs: rows (innermost
 * stride 1) or, for a 3D tensor in 'ijk' order (as MONAI loads NIfTI: the first spatial axis
 * along the stored rows), planes of rows that it transposes into each window (window-cutter.ts).
 * `contiguous`: the tensor will be made whole (no window cutter), so only a layout in stored order
 * qualifies (the materialised view is then the tensor, without a transposed copy).
 */
export function deferrableZscore(rest: readonly PreprocessStep[], i: number, volume: Volume, contiguous = false): number {
  const step = rest[i];
  if (step?.op !== 'zscore' || !isInteger(volume) || volume.components !== 1) return 0;
  let j = i + 1;
  while (rest[j]?.op === 'cropPad') {
    if (!commutesWithZscore(rest[j] as CropPadParams & { op: 'cropPad' }, volume, step)) return 0;
    j++;
  }
  const last = rest[j];
  if (last?.op !== 'toTensor' || last.dtype !== 'float32' || j !== rest.length - 1) return 0;
  const { strides, identity } = tensorViewLayout(volume.geometry, 1, last);
  if (contiguous) return identity ? j - i + 1 : 0;
  const runs = strides[strides.length - 1] === 1 || (strides.length === 5 && strides[2] === 1 && strides[3]! < strides[4]!);
  return runs ? j - i + 1 : 0;
}

/**
 * Runs the deferred steps rest[i .. i + count) (zscore, crops, toTensor) over single-channel
 * volumes of one grid: the zscore's statistics from `plan`, each distinct channel volume cropped
 * once, the records as the eager steps write them (appended to `records`).
 */
function deferOverChannels(
  channels: readonly Volume[],
  plan: ZscorePlan,
  rest: readonly PreprocessStep[],
  i: number,
  count: number,
  records: PreprocessRecord[],
  space: ModelSpace | undefined,
): DeferredPlan {
  const zscore = rest[i] as ZscoreParams;
  const g0 = channels[0]!.geometry;
  records.push(createRecord('zscore', zscore, g0, g0, null, { mean: [...plan.means], std: [...plan.stds] }));
  const cropped = new Map<Volume, Volume>();
  for (const v of channels) {
    if (cropped.has(v)) continue;
    let out = v;
    for (let j = i + 1; j < i + count - 1; j++) {
      const r = cropPadVolume(out, rest[j] as CropPadParams);
      if (v === channels[0]) records.push(r.record);
      out = r.volume;
    }
    cropped.set(v, out);
  }
  const sources = channels.map((v) => cropped.get(v)!);
  const first = sources[0]!;
  if (space !== undefined) checkModelSpace(first, space);
  const params = rest[i + count - 1] as ToTensorParams;
  const layout = tensorViewLayout(first.geometry, sources.length, params);
  const details = { layout: params.layout, dtype: params.dtype, dims: layout.dims, axisOrder: layout.axisOrder };
  records.push(createRecord('toTensor', params, first.geometry, first.geometry, null, details));
  const per = first.data.length;
  const statsPerChannel = plan.means.length > 1;
  const view: DeferredTensorView = {
    type: 'float32',
    dims: layout.dims,
    strides: layout.strides,
    length: per * sources.length,
    read: (start, n, out, at) => {
      const c = Math.floor(start / per);
      // Without channelWise one span covers every channel (the stacked volume's statistics).
      normalizeZscoreRun(plan, statsPerChannel ? c : 0, sources[c]!.data, start - c * per, n, out, at);
    },
    ...affine16(plan, sources, statsPerChannel),
  };
  return { records, view, identity: layout.identity, geometry: first.geometry, meta: first.meta };
}

/**
 * The view's values as an affine map of 16-bit channels, where normalizeZscoreRun computes them
 * in float32 (the SIMD plan: float32 mean and 1 / std, one rounding per operation).
 */
function affine16(plan: ZscorePlan, sources: readonly Volume[], statsPerChannel: boolean): Pick<DeferredTensorView, 'affine16'> {
  const channels = sources.map((v) => v.data);
  if (!plan.simd || getSimdKernels() === null || !channels.every((d) => d instanceof Int16Array || d instanceof Uint16Array)) return {};
  const span = (c: number): number => (statsPerChannel ? c : 0);
  const inv = (std: number): number => Math.fround(1 / (std === 0 ? 1 : std));
  return {
    affine16: {
      channels: channels as (Int16Array | Uint16Array)[],
      subtract: channels.map((_, c) => Math.fround(plan.means[span(c)]!)),
      multiply: channels.map((_, c) => inv(plan.stds[span(c)]!)),
      zeroStays: plan.nonzero,
    },
  };
}

/** The deferred steps on an already stacked (or single) integer volume, its channels read in place. */
export function deferZscore(
  volume: Volume,
  rest: readonly PreprocessStep[],
  i: number,
  count: number,
  records: PreprocessRecord[],
  space?: ModelSpace,
): DeferredPlan {
  const v = toPlanar(volume);
  const plan = planZscore(v, rest[i] as ZscoreParams);
  const n = v.data.length / channelCount(v);
  const channels = Array.from({ length: channelCount(v) }, (_, c) =>
    createVolume({ geometry: v.geometry, data: v.data.subarray(c * n, (c + 1) * n), meta: v.meta }),
  );
  const result = deferOverChannels(channels, plan, rest, i, count, records, space);
  return { ...result, meta: v.meta };
}

/**
 * [stackChannels, zscore {channelWise}, crops, toTensor] on single-channel integer inputs of one
 * type and grid, without the stack; null when the plan or the inputs do not qualify (the eager
 * steps then run, with their checks and errors).
 */
export function deferStackedZscore(
  inputs: Readonly<Record<string, Volume>>,
  plan: readonly PreprocessStep[],
  space?: ModelSpace,
  contiguous = false,
): DeferredPlan | null {
  const stack = plan[0] as StackChannelsParams & { op: string };
  const zscore = plan[1];
  if (stack.op !== 'stackChannels' || zscore?.op !== 'zscore') return null;
  const vols = stack.order.map((name) => inputs[name]);
  const first = vols[0];
  if (first === undefined || vols.some((v) => v === undefined || v.components !== 1 || v.frames !== 1 || v.type !== first.type)) return null;
  if (!vols.every((v) => sameGrid(first.geometry, v!.geometry)) || (!zscore.channelWise && vols.length > 1)) return null;
  const count = deferrableZscore(plan, 1, first, contiguous);
  if (count === 0) return null;
  const channels = vols as Volume[];
  const records: PreprocessRecord[] = [createRecord('stackChannels', stack, first.geometry, first.geometry, null)];
  const zplan = planZscoreSpans(
    channels.map((v) => v.data),
    zscore.nonzero,
  );
  const deferred = deferOverChannels(channels, zplan, plan, 1, count, records, space);
  return { ...deferred, meta: { ...first.meta, channels: [...stack.order] } };
}
