import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/index.js';
import { POSTPROCESS_OPS, validatePostprocessPlan } from '../../src/ops.js';

function errorOf(steps: unknown[]): ManifestError {
  try {
    validatePostprocessPlan(steps);
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('expected a ManifestError');
}

describe('postprocess plan validation', () => {
  it('accepts every op with valid fields', () => {
    const steps = [
      { op: 'sigmoid' },
      { op: 'softmax', axis: 1 },
      { op: 'opNorm', thresholds: [0.07, null, 0.5] },
      { op: 'threshold', value: 0.5 },
      { op: 'threshold', perLabel: [0.3, null] },
      { op: 'topK', k: 5 },
      { op: 'decodeYolo', confidence: 0.25, numClasses: 80 },
      { op: 'decodeEndToEnd', confidence: 0.25 },
      { op: 'nms', iou: 0.7, scoreThreshold: 0.02, maxDetections: 300, classAware: true },
      { op: 'argmax' },
      { op: 'regionsToLabels', order: [1, 0, 2], labels: [2, 1, 4], threshold: 0.5, comparison: 'gte' },
      { op: 'remapLabels', map: { '1': 2, '2': 1, '3': 4 } },
      { op: 'keepLargestComponent', labels: [1], connectivity: 26 },
      { op: 'removeSmallComponents', minVoxels: 10, connectivity: 6 },
      { op: 'keepLargestForegroundComponent', connectivity: 26 },
      { op: 'binarize' },
      { op: 'maskInput' },
      { op: 'integrateVelocity', steps: 7 },
      { op: 'integrateVelocity', steps: 7, padding: 'border' },
      { op: 'upsampleField', align: 'origin' },
    ];
    expect(validatePostprocessPlan(steps)).toEqual(steps);
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(POSTPROCESS_OPS));
  });

  it('names step index, op and field', () => {
    const e = errorOf([{ op: 'sigmoid' }, { op: 'nms', iou: 1.5 }]);
    expect(e.details).toMatchObject({ step: 1, op: 'nms', field: 'iou', received: 1.5 });
    expect(e.message).toContain('postprocess[1] (nms): iou');
    expect(errorOf([{ op: 'opNorm', thresholds: [0.5, 1] }]).details).toMatchObject({ step: 0, field: 'thresholds' });
    expect(errorOf([{ op: 'keepLargestComponent' }]).details).toMatchObject({ field: 'connectivity' });
    expect(errorOf([{ op: 'softmax', axis: 1, dim: 1 }]).details).toMatchObject({ field: 'dim' });
    expect(errorOf([{ op: 'blur' }]).details).toMatchObject({ field: 'op', op: 'blur' });
    expect(errorOf(['sigmoid']).details).toMatchObject({ step: 0, field: 'step' });
    expect(errorOf([{ op: 'threshold' }]).details).toMatchObject({ field: 'value' });
    expect(errorOf([{ op: 'regionsToLabels', order: [0, 1], labels: [1] }]).details).toMatchObject({ field: 'labels' });
    expect(errorOf([{ op: 'remapLabels', map: { a: 1 } }]).details).toMatchObject({ field: 'map' });
    expect(errorOf([{ op: 'integrateVelocity', steps: 2.5 }]).details).toMatchObject({ field: 'steps' });
  });
});
