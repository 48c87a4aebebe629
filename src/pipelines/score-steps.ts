/**
 * Applies a classification model's declared postprocess steps to one score vector (one image or
 * one report label group). A step the classification task does not run is a ManifestError
 * (refused at load already: manifest/task-ops.ts).
 */
import { applySigmoid, applySoftmax } from '../postprocess/classification/activations.js';
import { applyOpNorm } from '../postprocess/classification/op-norm.js';
import type { LabelResultOptions } from '../postprocess/classification/label-scores.js';
import { postprocessOfTask } from '../manifest/task-ops.js';
import type { PostprocessStep } from '../postprocess/plan/ops.js';

export interface ScoreSteps {
  /** Turns raw logits of one sample into scores. */
  apply(logits: Float32Array): Float32Array;
  /** Options for toLabelScores derived from the steps (mode, threshold, topK). */
  readonly labelOptions: LabelResultOptions;
}

export function compileScoreSteps(steps: readonly PostprocessStep[], modelId: string, manifestThresholds?: readonly (number | null)[]): ScoreSteps {
  const fns: ((x: Float32Array) => Float32Array)[] = [];
  let mode: 'multi' | 'single' = 'multi';
  let threshold: LabelResultOptions['threshold'] = manifestThresholds ?? 0.5;
  let topK: number | undefined;
  for (const step of postprocessOfTask('classification', { id: modelId, postprocess: steps })) {
    switch (step.op) {
      case 'sigmoid':
        fns.push((x) => applySigmoid(x));
        break;
      case 'softmax':
        mode = 'single';
        fns.push((x) => applySoftmax(x, [x.length], -1));
        break;
      case 'opNorm': {
        const t = step.thresholds;
        fns.push((x) => applyOpNorm(x, t));
        break;
      }
      case 'threshold':
        threshold = step.perLabel ?? step.value ?? 0.5;
        break;
      case 'topK':
        topK = step.k;
        break;
      default: {
        const exhaustive: never = step;
        return exhaustive;
      }
    }
  }
  return {
    apply: (logits) => fns.reduce((x, f) => f(x), logits),
    labelOptions: { mode, threshold, ...(topK !== undefined ? { topK } : {}) },
  };
}
