/**
 * Applies a classification model's declared postprocess steps to one score vector (one image or
 * one report label group). Unknown or non-classification steps are manifest errors.
 */
import { ManifestError } from '../core/errors.js';
import { applySigmoid, applySoftmax } from '../postprocess/classification/activations.js';
import { applyOpNorm } from '../postprocess/classification/op-norm.js';
import type { LabelResultOptions } from '../postprocess/classification/label-scores.js';
import type { StepSpec } from '../manifest/types.js';

export interface ScoreSteps {
  /** Turns raw logits of one sample into scores. */
  apply(logits: Float32Array): Float32Array;
  /** Options for toLabelScores derived from the steps (mode, threshold, topK). */
  readonly labelOptions: LabelResultOptions;
}

export function compileScoreSteps(steps: readonly StepSpec[], modelId: string, manifestThresholds?: readonly (number | null)[]): ScoreSteps {
  const fns: ((x: Float32Array) => Float32Array)[] = [];
  let mode: 'multi' | 'single' = 'multi';
  let threshold: LabelResultOptions['threshold'] = manifestThresholds ?? 0.5;
  let topK: number | undefined;
  for (const [i, step] of steps.entries()) {
    switch (step.op) {
      case 'sigmoid':
        fns.push((x) => applySigmoid(x));
        break;
      case 'softmax':
        mode = 'single';
        fns.push((x) => applySoftmax(x, [x.length], -1));
        break;
      case 'opNorm': {
        const t = step.thresholds as readonly (number | null)[];
        fns.push((x) => applyOpNorm(x, t));
        break;
      }
      case 'threshold':
        threshold = (step.perLabel as readonly (number | null)[] | undefined) ?? (step.value as number | undefined) ?? 0.5;
        break;
      case 'topK':
        topK = step.k as number;
        break;
      default:
        throw new ManifestError(`model '${modelId}': postprocess[${i}] '${step.op}' is not a classification step`, { modelId, index: i, op: step.op });
    }
  }
  return {
    apply: (logits) => fns.reduce((x, f) => f(x), logits),
    labelOptions: { mode, threshold, ...(topK !== undefined ? { topK } : {}) },
  };
}
