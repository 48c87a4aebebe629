/**
 * Plan fusion: a pointwise affine intensity step (xrvNormalize, normalizeMeanStd,
 * scaleIntensityRange without clip) commutes with every resampling whose weights sum to 1
 * (orient, resample, resize except mode 'skimage') and with crops that pad nothing:
 * sum_i w_i (a x_i + b) = a sum_i w_i x_i + b. Running it after them touches only the (usually
 * much smaller) resampled grid, e.g. 224^2 instead of 2048^2 pixels for TorchXRayVision.
 * Results equal the declared order up to float32 rounding; range checks that must see the
 * original pixels (torchxrayvision's maxval check) still run on the input first.
 */
import type { Volume } from '../core/volume.js';
import { planCropPad } from './crop-pad.js';
import { normalizeMeanStd } from './normalize-mean-std.js';
import { scaleIntensityRange } from './scale-intensity-range.js';
import type { PreprocessStep, StepResult } from './types.js';
import { applyXrvNormalization, checkXrvRange, resolveMaxval } from './xrv-normalize.js';

/** The deferred application, after any checks that need the original data have passed. */
export type DeferredStep = (volume: Volume) => StepResult;

export function prepareDeferral(step: PreprocessStep, volume: Volume): DeferredStep | null {
  switch (step.op) {
    case 'xrvNormalize': {
      const maxval = resolveMaxval(volume, step.maxval, 'xrvNormalize');
      checkXrvRange(volume, maxval);
      return (v) => applyXrvNormalization(v, step, maxval);
    }
    case 'normalizeMeanStd':
      return (v) => normalizeMeanStd(v, step);
    case 'scaleIntensityRange':
      return step.clip ? null : (v) => scaleIntensityRange(v, step);
    default:
      return null;
  }
}

/** True when `step` applied to `volume` is a convex resampling (no constant padding). */
export function commutesWithAffine(step: PreprocessStep | undefined, volume: Volume): boolean {
  if (step === undefined) return false;
  if (step.op === 'orient' || step.op === 'resample') return true;
  // skimage's resize pads with 0 and clips to the input range: not a convex map of the samples.
  if (step.op === 'resize') return step.mode !== 'skimage';
  if (step.op !== 'cropPad') return false;
  const plan = planCropPad(volume, step);
  const n = volume.geometry.size;
  return plan.start.every((s, a) => s >= 0 && s + plan.size[a]! <= n[a]!);
}
