/**
 * Area under the ROC curve by the rank-sum (Mann-Whitney U) identity with average ranks for tied
 * scores: AUC = (R+ - n+(n+ + 1)/2) / (n+ n-). This equals the trapezoidal area of the ROC curve
 * over distinct thresholds, i.e. sklearn.metrics.roc_auc_score for binary labels, ties included.
 */
import { InputError, ShapeError } from '../../core/errors.js';
import { assertNoNaN, type NumericArray } from '../common/checks.js';

/** Labels must be 0/1 (or booleans); both classes must be present (sklearn raises otherwise). */
export function computeRocAuc(labels: ArrayLike<number | boolean>, scores: NumericArray): number {
  const n = scores.length;
  if (labels.length !== n) throw new ShapeError(`${labels.length} labels for ${n} scores`, { expected: n, actual: labels.length });
  assertNoNaN(scores, 'scores');
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const idx = Array.from(order);
  idx.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = Number(labels[i]);
    if (y !== 0 && y !== 1) throw new InputError(`label ${i} is ${String(labels[i])}, expected 0 or 1`, { index: i });
    positives += y;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0)
    throw new InputError(`ROC AUC needs both classes; got ${positives} positives and ${negatives} negatives`, { positives, negatives });
  let rankSum = 0;
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && scores[idx[e]!] === scores[idx[s]!]) e++;
    // Ranks s+1 .. e (1-based) share their mean.
    const rank = (s + 1 + e) / 2;
    let groupPositives = 0;
    for (let t = s; t < e; t++) groupPositives += Number(labels[idx[t]!]);
    rankSum += rank * groupPositives;
    s = e;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
