/**
 * Turning per-label scores into named results: thresholds (one for all or one per label), top-k
 * and the `{ name, score, positive }` records pipelines return. A score is positive when
 * score >= threshold (MONAI AsDiscrete convention). After op_norm the natural threshold is 0.5.
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { assertNoNaN, requireInteger, type NumericArray } from '../common/checks.js';

export interface LabelScore {
  readonly name: string;
  readonly score: number;
  readonly positive: boolean;
  /** Index of the label in the model output. */
  readonly index: number;
}

/** A single threshold for every label or one per label (null = label never positive). */
export type ThresholdSpec = number | readonly (number | null)[];

export interface LabelResultOptions {
  /** 'multi' (sigmoid heads, default): each label independently; 'single' (softmax): only the top label can be positive. */
  mode?: 'multi' | 'single';
  /** Default 0.5. */
  threshold?: ThresholdSpec;
  /** Keep only the k best labels (sorted by descending score). Default: all, in output order. */
  topK?: number;
}

/** Resolves a ThresholdSpec to one threshold per label (NaN = never positive). */
export function resolveThresholds(spec: ThresholdSpec, labels: number): Float64Array {
  const out = new Float64Array(labels);
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new UsageError(`threshold must be finite, got ${spec}`, { field: 'threshold', received: spec });
    out.fill(spec);
    return out;
  }
  if (spec.length !== labels)
    throw new ShapeError(`perLabel thresholds have ${spec.length} entries for ${labels} labels`, { field: 'perLabel', expected: labels, actual: spec.length });
  spec.forEach((t, i) => {
    if (t !== null && !Number.isFinite(t))
      throw new UsageError(`perLabel[${i}] must be finite or null, got ${String(t)}`, { field: `perLabel[${i}]`, received: t });
    out[i] = t === null ? NaN : t;
  });
  return out;
}

/** Binary decisions score >= threshold per element ([batch, labels] layout, labels fastest). */
export function applyThreshold(scores: NumericArray, spec: ThresholdSpec, labels = scores.length): Uint8Array {
  if (labels < 1 || scores.length % labels !== 0) throw new ShapeError(`${scores.length} scores are not a multiple of ${labels} labels`);
  assertNoNaN(scores, 'scores');
  const t = resolveThresholds(spec, labels);
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! >= t[i % labels]! ? 1 : 0;
  return out;
}

/**
 * Indices of the k largest scores, best first. Ties keep the lower index first (stable, like
 * torch.topk on CPU for distinct values; documented rather than implementation-defined).
 */
export function selectTopK(scores: NumericArray, k: number): Int32Array {
  requireInteger(k, 'k', 1);
  assertNoNaN(scores, 'scores');
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order.slice(0, Math.min(k, order.length)));
}

/**
 * Named results for one sample. `names[i]` null or '' marks a label the model does not predict
 * (TorchXRayVision's '' pathologies): it is left out of the results.
 */
export function toLabelScores(scores: NumericArray, names: readonly (string | null)[], options: LabelResultOptions = {}): LabelScore[] {
  if (scores.length !== names.length)
    throw new ShapeError(`${scores.length} scores for ${names.length} label names`, { expected: names.length, actual: scores.length });
  assertNoNaN(scores, 'scores');
  const mode = options.mode ?? 'multi';
  const t = resolveThresholds(options.threshold ?? 0.5, names.length);
  let best = -1;
  for (let i = 0; i < scores.length; i++) if (names[i] && (best < 0 || scores[i]! > scores[best]!)) best = i;
  const results: LabelScore[] = [];
  for (let i = 0; i < scores.length; i++) {
    const name = names[i];
    if (!name) continue;
    const score = scores[i]!;
    const passes = score >= t[i]!;
    results.push({ name, score, index: i, positive: mode === 'single' ? passes && i === best : passes });
  }
  if (options.topK !== undefined) {
    requireInteger(options.topK, 'topK', 1);
    results.sort((a, b) => b.score - a.score || a.index - b.index);
    results.length = Math.min(results.length, options.topK);
  }
  return results;
}
