import { describe, expect, it } from 'vitest';
import { InputError, ShapeError, UsageError } from '../../src/index.js';
import { applyOpNorm, applySigmoid, applySoftmax, applyThreshold, selectTopK, toLabelScores } from '../../src/ops.js';
import { loadArray, maxAbsDiff, value } from './reference.js';

describe('activations (vs torch float64)', () => {
  it('sigmoid is stable for extreme logits', () => {
    const logits = loadArray('act_logits', 'float32');
    const out = applySigmoid(logits);
    expect(maxAbsDiff(out, loadArray('act_sigmoid', 'float64'))).toBeLessThan(1e-7);
    expect(out.every((x) => Number.isFinite(x))).toBe(true);
    expect(applySigmoid([Infinity, -Infinity])).toEqual(new Float32Array([1, 0]));
  });

  it('softmax along axis 1 and the last axis of [2, 5, 3, 4]', () => {
    const logits = loadArray('act_softmax_logits', 'float32');
    expect(maxAbsDiff(applySoftmax(logits, [2, 5, 3, 4], 1), loadArray('act_softmax_axis1', 'float64'))).toBeLessThan(1e-7);
    expect(maxAbsDiff(applySoftmax(logits, [2, 5, 3, 4], -1), loadArray('act_softmax_axis_last', 'float64'))).toBeLessThan(1e-7);
    expect(Array.from(applySoftmax([1000, 1000, -1000], [3]))).toEqual([0.5, 0.5, 0]);
  });

  it('rejects NaN logits and bad shapes with typed errors', () => {
    expect(() => applySigmoid([0, NaN])).toThrow(InputError);
    expect(() => applySoftmax([1, 2, 3], [2, 2], 0)).toThrow(ShapeError);
    expect(() => applySoftmax([1, 2, 3, 4], [2, 2], 2)).toThrow(ShapeError);
    expect(() => applySoftmax([-Infinity, -Infinity], [2])).toThrow(InputError);
  });
});

describe('TorchXRayVision op_norm', () => {
  it('matches xrv op_norm; missing labels are exactly 0.5 and the threshold maps to 0.5', () => {
    const thresholds = value<(number | null)[]>('opnorm_thresholds');
    const probs = loadArray('opnorm_probs', 'float32');
    const out = applyOpNorm(probs, thresholds);
    expect(maxAbsDiff(out, loadArray('opnorm_expected', 'float32'))).toBeLessThan(1e-6);
    thresholds.forEach((t, i) => {
      if (t === null) for (let b = 0; b < 3; b++) expect(out[b * 18 + i]).toBe(0.5);
    });
    expect(out[0]).toBeCloseTo(0.5, 6);
  });

  it('validates thresholds', () => {
    expect(() => applyOpNorm([0.2, 0.3], [0.5, 1.2])).toThrow(UsageError);
    expect(() => applyOpNorm([0.2, 0.3, 0.1], [0.5, 0.4])).toThrow(ShapeError);
    expect(() => applyOpNorm([0.2, NaN], [0.5, 0.4])).toThrow(InputError);
  });
});

describe('label results', () => {
  const names = ['Atelectasis', '', 'Effusion', 'Edema'];
  const scores = [0.7, 0.5, 0.2, 0.55];

  it('multi-label: per-label thresholds, missing labels dropped', () => {
    const r = toLabelScores(scores, names, { threshold: [0.6, null, 0.1, 0.6] });
    expect(r.map((x) => [x.name, x.positive])).toEqual([
      ['Atelectasis', true],
      ['Effusion', true],
      ['Edema', false],
    ]);
    expect(r[0]).toMatchObject({ score: 0.7, index: 0 });
  });

  it('single-label: only the best label can be positive; topK sorts', () => {
    const r = toLabelScores(scores, names, { mode: 'single', threshold: 0.1, topK: 2 });
    expect(r.map((x) => [x.name, x.positive])).toEqual([
      ['Atelectasis', true],
      ['Edema', false],
    ]);
  });

  it('threshold and top-k helpers', () => {
    expect(Array.from(applyThreshold([0.5, 0.49, 0.9, 0.1], [0.5, 0.2], 2))).toEqual([1, 1, 1, 0]);
    expect(Array.from(applyThreshold([0.5, 0.49], 0.5))).toEqual([1, 0]);
    expect(Array.from(selectTopK([0.1, 0.9, 0.5, 0.9], 3))).toEqual([1, 3, 2]);
    expect(() => selectTopK([0.1], 0)).toThrow(UsageError);
    expect(() => toLabelScores([0.1, NaN], ['a', 'b'])).toThrow(InputError);
  });
});
