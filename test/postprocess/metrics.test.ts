import { describe, expect, it } from 'vitest';
import { createGeometry, InputError, ShapeError } from '../../src/index.js';
import { computeDice, computeFroc, computeHausdorff95, computeRocAuc, computeTre, type FrocInput } from '../../src/ops.js';
import { loadArray, maxAbsDiff, value } from './reference.js';

describe('ROC AUC vs sklearn.metrics.roc_auc_score', () => {
  const cases = value<{ labels: number[]; scores: number[]; auc: number }[]>('auc');
  cases.forEach((c, i) => {
    it(`case ${i} (${c.scores.length} samples, ties) within 1e-9`, () => {
      expect(Math.abs(computeRocAuc(c.labels, c.scores) - c.auc)).toBeLessThan(1e-9);
    });
  });
  it('needs both classes, 0/1 labels and no NaN', () => {
    expect(() => computeRocAuc([1, 1], [0.2, 0.3])).toThrow(InputError);
    expect(() => computeRocAuc([0, 2], [0.2, 0.3])).toThrow(InputError);
    expect(() => computeRocAuc([0, 1], [0.2, NaN])).toThrow(InputError);
    expect(() => computeRocAuc([0, 1, 1], [0.2, 0.3])).toThrow(ShapeError);
    expect(computeRocAuc([false, true, true, false], [0.5, 0.5, 0.9, 0.1])).toBeCloseTo(0.875, 15);
  });
});

describe('Dice', () => {
  it('per label equals the numpy counts exactly', () => {
    const expected = value<{ label: number; dice: number; intersection: number; pred: number; ref: number }[]>('dice');
    const r = computeDice(loadArray('dice_pred', 'uint8'), loadArray('dice_ref', 'uint8'));
    expect(r.map((x) => x.label)).toEqual([1, 2, 3]);
    r.forEach((x, i) => {
      const e = expected[i]!;
      expect([x.dice, x.intersection, x.predictionVoxels, x.referenceVoxels]).toEqual([e.dice, e.intersection, e.pred, e.ref]);
    });
  });
  it('two empty masks: dice 1 with bothEmpty, never NaN', () => {
    const [r] = computeDice(new Uint8Array(8), new Uint8Array(8), { labels: [3] });
    expect(r).toMatchObject({ label: 3, dice: 1, bothEmpty: true });
    expect(computeDice([1, 0], [0, 0])[0]).toMatchObject({ dice: 0, bothEmpty: false });
    expect(() => computeDice([1, 0], [1])).toThrow(ShapeError);
    expect(() => computeDice([0.5, 0], [1, 0])).toThrow(InputError);
  });
});

describe('HD95 vs scipy distance_transform_edt reference', () => {
  const hd = value<{ spacing: number[]; size: number[]; cases: { monai95: number; medpy95: number; hd100: number; ab95: number; ba95: number }[] }>(
    'hausdorff',
  );
  const geometry = createGeometry({ size: hd.size, spacing: hd.spacing });
  hd.cases.forEach((c, i) => {
    it(`case ${i}: MONAI and medpy conventions within 1e-6 mm`, () => {
      const a = loadArray(`hd_${i}_a`, 'uint8');
      const b = loadArray(`hd_${i}_b`, 'uint8');
      const r = computeHausdorff95(a, b, geometry);
      expect(Math.abs(r.distance - c.monai95)).toBeLessThan(1e-6);
      expect(Math.abs(r.predictionToReference - c.ab95)).toBeLessThan(1e-6);
      expect(Math.abs(r.referenceToPrediction - c.ba95)).toBeLessThan(1e-6);
      expect(Math.abs(computeHausdorff95(a, b, geometry, { convention: 'medpy' }).distance - c.medpy95)).toBeLessThan(1e-6);
      expect(Math.abs(computeHausdorff95(a, b, geometry, { percentile: 100 }).distance - c.hd100)).toBeLessThan(1e-6);
      // The same masks as label 3 of label maps that also hold another label.
      const la = Uint8Array.from(a, (x, v) => (x ? 3 : v % 5 === 0 ? 1 : 0));
      const lb = Uint8Array.from(b, (x, v) => (x ? 3 : v % 3 === 0 ? 1 : 0));
      expect(Math.abs(computeHausdorff95(la, lb, geometry, { label: 3 }).distance - c.monai95)).toBeLessThan(1e-6);
    });
  });
  it('empty masks give documented values', () => {
    const g = createGeometry({ size: [3, 3, 3] });
    const one = new Uint8Array(27);
    one[13] = 1;
    expect(computeHausdorff95(new Uint8Array(27), new Uint8Array(27), g)).toMatchObject({ distance: 0, empty: 'both' });
    expect(computeHausdorff95(new Uint8Array(27), one, g)).toMatchObject({ distance: Infinity, empty: 'prediction' });
    expect(computeHausdorff95(one, one, g).distance).toBe(0);
    expect(() => computeHausdorff95(one, new Uint8Array(26), g)).toThrow(ShapeError);
    const nan = new Float32Array(27);
    nan[4] = NaN;
    expect(() => computeHausdorff95(nan, one, g)).toThrow(InputError);
  });
  it('2D images (k = 1) use in-plane surfaces', () => {
    // 7x7 square vs its centre pixel, 0.5 mm pixels: the square's surface is its ring, so the
    // centre is 3 pixels (1.5 mm) from it; the farthest ring point is a corner (sqrt(18) px).
    const g = createGeometry({ size: [9, 9, 1], spacing: [0.5, 0.5, 3] });
    const a = new Uint8Array(81);
    const b = new Uint8Array(81);
    for (let j = 1; j < 8; j++) for (let i = 1; i < 8; i++) a[i + 9 * j] = 1;
    b[4 + 9 * 4] = 1;
    const r = computeHausdorff95(a, b, g, { percentile: 100 });
    expect(r.referenceToPrediction).toBeCloseTo(1.5, 12);
    expect(r.predictionToReference).toBeCloseTo(Math.sqrt(18) * 0.5, 12);
  });
});

describe('LUNA16 FROC / CPM', () => {
  it('matches the evaluation-script logic (100-mark cap, excluded findings, double hits)', () => {
    const { input, expected } = value<{
      input: FrocInput;
      expected: { sensitivities: number[]; cpm: number; totalNodules: number; detectedNodules: number; falsePositives: number };
    }>('froc');
    const r = computeFroc(input);
    expect(r.totalNodules).toBe(expected.totalNodules);
    expect(r.detectedNodules).toBe(expected.detectedNodules);
    expect(r.falsePositives).toBe(expected.falsePositives);
    expect(maxAbsDiff(r.sensitivities, expected.sensitivities)).toBeLessThan(1e-12);
    expect(Math.abs(r.cpm - expected.cpm)).toBeLessThan(1e-12);
  });
  it('hit radius is diameter / 2 (strict), a double hit counts once with its best score', () => {
    const input: FrocInput = {
      scans: ['a', 'b'],
      annotations: [{ scan: 'a', x: 0, y: 0, z: 0, diameterMm: 10 }],
      excluded: [{ scan: 'b', x: 50, y: 0, z: 0, diameterMm: -1 }],
      candidates: [
        { scan: 'a', x: 4.9, y: 0, z: 0, probability: 0.4 },
        { scan: 'a', x: 0, y: 1, z: 0, probability: 0.9 },
        { scan: 'a', x: 5, y: 0, z: 0, probability: 0.8 },
        { scan: 'b', x: 54, y: 0, z: 0, probability: 0.95 },
      ],
    };
    const r = computeFroc(input);
    expect([r.detectedNodules, r.falsePositives, r.ignoredCandidates]).toEqual([1, 1, 1]);
    // One FP over 2 scans: 0.5 FP/scan reached only after the TP (0.9 > 0.8).
    expect(r.sensitivities).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(() => computeFroc({ ...input, candidates: [{ scan: 'a', x: 0, y: 0, z: 0, probability: NaN }] })).toThrow(InputError);
  });
});

describe('TRE', () => {
  it('per-landmark mm distances and summary match numpy', () => {
    const t = value<{ spacing: number[]; mean: number; std: number; median: number; max: number; distances: number[] }>('tre');
    const r = computeTre(loadArray('tre_moved', 'float64'), loadArray('tre_target', 'float64'), t.spacing);
    expect(maxAbsDiff(r.distances, t.distances)).toBeLessThan(1e-12);
    expect(Math.abs(r.mean - t.mean)).toBeLessThan(1e-12);
    expect(Math.abs(r.std - t.std)).toBeLessThan(1e-12);
    expect(Math.abs(r.median - t.median)).toBeLessThan(1e-12);
    expect(r.max).toBe(t.max);
    expect(() => computeTre([0, 0, 0], [0, 0])).toThrow(ShapeError);
    expect(() => computeTre([0, 0, NaN], [0, 0, 0])).toThrow(InputError);
  });
});
