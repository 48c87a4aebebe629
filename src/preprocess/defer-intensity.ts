/**
 * Plan fusion: a pointwise affine intensity step (xrvNormalize, normalizeMeanStd,
 * scaleIntensityRange without clip) commutes with every resampling whose weights sum to 1
 * (orient, resample, resize except mode 'skimage') and with crops that pad nothing:
 * sum_i w_i (a x_i + b) = a sum_i w_i x_i + b. Running it after them touches only the (usually
 * much smaller) resampled grid, e.g. 224^2 instead of 2048^2 pixels for TorchXRayVision.
 * Results equal the declared order up to float32 rounding; range checks that must see the
 * original pixels (torchxrayvision's maxval check) still see them: gathered by a resize that
 * reads every original sample through its band copies, else a scan of the input.
 */
import type { Volume } from '../core/volume.js';
import { planCropPad } from './crop-pad.js';
import { normalizeMeanStd } from './normalize-mean-std.js';
import { scaleIntensityRange } from './scale-intensity-range.js';
import type { PreprocessStep, StepOptions, StepResult } from './types.js';
import type { RangeProbe } from './band-blend.js';
import { applyXrvNormalization, checkXrvRange, resolveMaxval, xrvWordMask } from './xrv-normalize.js';

/**
 * The deferred application. `probe`: a range check still owed on the original data, which a
 * resize reading that data gathers from its band copies (band-blend.ts RangeProbe); `apply`
 * settles it - or, when the resize did not read every sample, scans the original - before it
 * normalises, so a value out of range still fails with the same error.
 */
export interface DeferredStep {
  /** `options`: runPreprocessPlan's (inPlace when `volume` is an intermediate it made). */
  readonly apply: (volume: Volume, options?: StepOptions) => StepResult;
  readonly probe?: RangeProbe;
}

export function prepareDeferral(step: PreprocessStep, volume: Volume): DeferredStep | null {
  switch (step.op) {
    case 'xrvNormalize': {
      const maxval = resolveMaxval(volume, step.maxval, 'xrvNormalize');
      const mask = xrvWordMask(volume, maxval);
      if (mask === null) {
        checkXrvRange(volume, maxval);
        return { apply: (v, o) => applyXrvNormalization(v, step, maxval, o) };
      }
      const probe: RangeProbe = { data: volume.data, acc: 0, covered: false };
      const apply = (v: Volume, o?: StepOptions): StepResult => {
        if (!probe.covered || (probe.acc & mask) >>> 0 !== 0) checkXrvRange(volume, maxval);
        return applyXrvNormalization(v, step, maxval, o);
      };
      return { apply, probe };
    }
    case 'normalizeMeanStd':
      return { apply: (v, o) => normalizeMeanStd(v, step, o) };
    case 'scaleIntensityRange':
      return step.clip ? null : { apply: (v, o) => scaleIntensityRange(v, step, o) };
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
