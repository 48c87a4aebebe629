/**
 * TorchXRayVision operating-point normalisation (`xrv.models.op_norm`, torchxrayvision 1.5.2):
 * each sigmoid output is piecewise-linearly rescaled so that the label's operating threshold maps
 * to 0.5: p < t -> p / (2t), p >= t -> 1 - (1 - p) / (2(1 - t)). Labels the weights were not
 * trained on have a NaN threshold in xrv; here `null` (or NaN) and their output is exactly 0.5,
 * which is what xrv returns for them, so they never read as positive or negative.
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { assertNoNaN, type NumericArray } from '../common/checks.js';

/** One threshold per label; null = the model has no output for this label ("missing"). */
export type OperatingThresholds = readonly (number | null)[];

export function validateOperatingThresholds(thresholds: OperatingThresholds, field = 'thresholds'): void {
  thresholds.forEach((t, i) => {
    if (t === null || Number.isNaN(t)) return;
    if (typeof t !== 'number' || !(t > 0 && t < 1)) {
      throw new UsageError(`${field}[${i}] must be in (0, 1) or null, got ${String(t)}`, {
        field: `${field}[${i}]`,
        expected: 'number in (0, 1) or null',
        received: t,
      });
    }
  });
}

/**
 * Applies op_norm to probabilities laid out [batch, labels] (labels fastest). Returns float32
 * like the torch model output.
 */
export function applyOpNorm(probabilities: NumericArray, thresholds: OperatingThresholds): Float32Array {
  validateOperatingThresholds(thresholds);
  const labels = thresholds.length;
  if (labels === 0 || probabilities.length % labels !== 0) {
    throw new ShapeError(`op_norm got ${probabilities.length} probabilities for ${labels} thresholds (expected a multiple)`, {
      expected: labels,
      actual: probabilities.length,
    });
  }
  assertNoNaN(probabilities, 'probabilities');
  const out = new Float32Array(probabilities.length);
  for (let p = 0; p < probabilities.length; p++) {
    const t = thresholds[p % labels];
    const x = probabilities[p]!;
    if (t === null || t === undefined || Number.isNaN(t)) out[p] = 0.5;
    else if (x < t) out[p] = x / (t * 2);
    else out[p] = 1 - (1 - x) / ((1 - t) * 2);
  }
  return out;
}
