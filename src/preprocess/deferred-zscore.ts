/**
 * zscore deferred into the windows of a sliding window (runPreprocessPlan with `view`): when a
 * zscore on integer data is followed only by crops / pads that commute with it and by toTensor,
 * the statistics are taken where the plan declares them (same record), the crops run on the
 * integer volume, and the tensor is a DeferredTensorView that normalises each run of voxels as
 * a window is cut. A 4-channel int16 CT of 512x512x300 is then held as 0.6 GB of int16 instead
 * of 1.26 GB of float32 (and a padded float32 copy of it). Values are those of normalizeZscore:
 * the same plan and per-element arithmetic (normalizeZscoreRun).
 */
import type { DeferredTensorView } from '../core/tensor.js';
import type { Volume } from '../core/volume.js';
import { planCropPad } from './crop-pad.js';
import { channelCount, toPlanar } from './planar.js';
import { createRecord } from './record.js';
import { tensorViewLayout } from './to-tensor.js';
import type { CropPadParams, PreprocessRecord, PreprocessStep, ToTensorParams, ZscoreParams } from './types.js';
import { normalizeZscoreRun, planZscore, type ZscorePlan } from './zscore.js';

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

/**
 * How many steps from `rest[i]` (a zscore) through toTensor can run deferred, or 0. Only integer
 * data gains (a float32 volume is normalised in place), and the view must read rows in storage
 * order (innermost stride 1) for the cutter's row copies.
 */
export function deferrableZscore(rest: readonly PreprocessStep[], i: number, volume: Volume): number {
  const step = rest[i];
  if (step?.op !== 'zscore' || volume.data instanceof Float32Array || volume.data instanceof Float64Array || volume.components !== 1) return 0;
  let j = i + 1;
  while (rest[j]?.op === 'cropPad') {
    if (!commutesWithZscore(rest[j] as CropPadParams & { op: 'cropPad' }, volume, step)) return 0;
    j++;
  }
  const last = rest[j];
  if (last?.op !== 'toTensor' || last.dtype !== 'float32') return 0;
  const strides = tensorViewLayout(volume, last).strides;
  return strides[strides.length - 1] === 1 ? j - i + 1 : 0;
}

/** The zscore's record as normalizeZscore writes it, and its plan. */
export function planDeferredZscore(volume: Volume, params: ZscoreParams): { plan: ZscorePlan; record: PreprocessRecord } {
  const plan = planZscore(volume, params);
  const record = createRecord('zscore', params, volume.geometry, volume.geometry, null, { mean: [...plan.means], std: [...plan.stds] });
  return { plan, record };
}

/** The toTensor view of the (cropped) integer volume with the zscore applied as it is read. */
export function deferredZscoreView(
  volume: Volume,
  plan: ZscorePlan,
  params: ToTensorParams,
): { view: DeferredTensorView; axisOrder: string; identity: boolean } {
  const v = toPlanar(volume);
  const layout = tensorViewLayout(v, params);
  const data = v.data;
  const perChannel = v.data.length / channelCount(v);
  const channelWise = plan.means.length > 1;
  return {
    axisOrder: layout.axisOrder,
    identity: layout.identity,
    view: {
      type: 'float32',
      dims: layout.dims,
      strides: layout.strides,
      length: data.length,
      read: (start, count, out, at) => normalizeZscoreRun(plan, channelWise ? Math.floor(start / perChannel) : 0, data, start, count, out, at),
    },
  };
}
