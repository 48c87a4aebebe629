/**
 * The brainchop steps on small volumes whose answers are known by construction, against
 * brainchop's own formulas (tensor-utils.js / inference-logic.js / bwlabels.js at
 * neuroneural/brainchop@4c87885, restated literally here as the reference): normalisations,
 * the foreground crop and its inverse, the largest-cluster postprocess, the `space` check and
 * the manifest's pre-model rules.
 */
import { describe, expect, it } from 'vitest';
import { InputError, ManifestError, ShapeError } from '../../src/core/errors.js';
import { createVolume, type Volume } from '../../src/core/volume.js';
import { parseManifest } from '../../src/manifest/load.js';
import { keepLargestForegroundComponent } from '../../src/postprocess/segmentation/component-filters.js';
import { cropForegroundVolume } from '../../src/preprocess/crop-foreground.js';
import { invertToInputGrid } from '../../src/preprocess/invert-to-input-grid.js';
import { checkModelSpace } from '../../src/preprocess/model-space.js';
import { normalizeMinMax, normalizeQuantile } from '../../src/preprocess/normalize-range.js';
import { validatePreprocessPlan } from '../../src/preprocess/validate-plan.js';

const LIA = [1, 0, 0, 0, 0, -1, 0, -1, 0];
const vol = (size: number[], data: Volume['data'], direction = LIA): Volume =>
  createVolume({ geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0], direction }, data });

/** Deterministic pseudo-random integers (LCG). */
function lcg(n: number, seed: number, mod: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(s % mod);
  }
  return out;
}

/** brainchop calculateQuantiles: sort, then sorted[floor(n * lo)] and sorted[ceil(n * hi) - 1]. */
function brainchopQuantiles(values: number[], lo: number, hi: number): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  return [sorted[Math.floor(sorted.length * lo)]!, sorted[Math.ceil(sorted.length * hi) - 1]!];
}

describe('normalizeMinMax / normalizeQuantile', () => {
  it('min-max as tfjs computes it in float32', () => {
    const data = Uint8Array.from(lcg(6 * 5 * 4, 7, 256));
    const { volume, record } = normalizeMinMax(vol([6, 5, 4], data), {});
    const min = Math.min(...data);
    const max = Math.max(...data);
    expect(record.details).toEqual({ min, max });
    data.forEach((x, p) => expect(volume.data[p]).toBe(Math.fround(Math.fround(x - min) / Math.fround(max - min))));
    expect(() => normalizeMinMax(vol([2, 2, 2], new Uint8Array(8).fill(3)), {})).toThrow(InputError);
  });

  // int16 and int8 take the per-value table (offset by their minimum representable value), float32 the
  // per-voxel expression: both must give the tfjs float32 values.
  for (const type of ['int16', 'int8', 'float32'] as const) {
    it(`min-max (${type})`, () => {
      const values = lcg(6 * 5 * 4, 13, 200).map((x) => x - 90);
      const data =
        type === 'int16' ? Int16Array.from(values, (x) => x * 37) : type === 'int8' ? Int8Array.from(values) : Float32Array.from(values, (x) => x + 0.5);
      const { volume, record } = normalizeMinMax(vol([6, 5, 4], data), {});
      const [min, max] = [Math.min(...data), Math.max(...data)];
      expect(record.details).toEqual({ min, max });
      Array.from(data).forEach((x, p) => expect(volume.data[p]).toBe(Math.fround(Math.fround(x - min) / Math.fround(max - min))));
    });
  }

  for (const type of ['int16', 'float32'] as const) {
    it(`quantiles by brainchop's index rule (${type}: ${type === 'int16' ? 'histogram' : 'selection'} path)`, () => {
      const values = lcg(7 * 6 * 5, 11, 1000).map((x) => x - 300);
      const data = type === 'int16' ? Int16Array.from(values) : Float32Array.from(values, (x) => x + 0.25);
      const expected = brainchopQuantiles(Array.from(data), 0.05, 0.95);
      const { volume, record } = normalizeQuantile(vol([7, 6, 5], data), { lower: 0.05, upper: 0.95 });
      expect([record.details?.['low'], record.details?.['high']]).toEqual(expected);
      const [a, b] = expected;
      Array.from(data).forEach((x, p) => expect(volume.data[p]).toBe(Math.fround(Math.fround(x - a) / Math.fround(b - a))));
      // Not clipped: values outside [q_lo, q_hi] stay outside [0, 1], as in brainchop.
      expect(Math.min(...volume.data)).toBeLessThan(0);
      expect(Math.max(...volume.data)).toBeGreaterThan(1);
    });
  }
});

describe('cropForeground', () => {
  // 10 x 9 x 8 of zeros with a 2 x 3 x 2 block of 100 at i 4..5, j 2..4, k 5..6 and one voxel of 30.
  const size = [10, 9, 8];
  const make = () => {
    const data = new Float32Array(10 * 9 * 8);
    for (let k = 5; k <= 6; k++) for (let j = 2; j <= 4; j++) for (let i = 4; i <= 5; i++) data[i + 10 * (j + 9 * k)] = 100;
    data[1 + 10 * (1 + 9 * 1)] = 30;
    return vol(size, data);
  };

  it('x > value: box of every voxel above, plus padding clamped to the image', () => {
    const { volume, record } = cropForegroundVolume(make(), { mask: 'threshold', value: 0, padding: 2 });
    // Box i 1..5, j 1..4, k 1..6 -> padded and clamped: i 0..7, j 0..6, k 0..7.
    expect(record.details?.['start']).toEqual([0, 0, 0]);
    expect(volume.geometry.size).toEqual([8, 7, 8]);
  });

  it('x > value * max with the threshold rounded as tfjs does; the crop inverts onto the input grid', () => {
    const input = make();
    const { volume, record } = cropForegroundVolume(input, { mask: 'relativeThreshold', value: 0.5, padding: 1 });
    expect(record.details?.['threshold']).toBe(Math.fround(100 * Math.fround(0.5)));
    expect(record.details?.['start']).toEqual([3, 1, 4]);
    expect(volume.geometry.size).toEqual([4, 5, 4]);
    // A label at every cropped voxel above 50 lands exactly on the block of the input.
    const labels = createVolume({ geometry: volume.geometry, data: Uint8Array.from(volume.data, (x) => (x > 50 ? 1 : 0)) });
    const back = invertToInputGrid(labels, [record], { interpolation: 'nearest' });
    expect(back.geometry).toEqual(input.geometry);
    expect(Array.from(back.data)).toEqual(Array.from(input.data, (x) => (x > 50 ? 1 : 0)));
  });

  it("uses the pre-model's labels on the same grid, and refuses another grid or an empty mask", () => {
    const input = make();
    const labels = createVolume({ geometry: input.geometry, data: new Uint8Array(10 * 9 * 8) });
    labels.data[7 + 10 * (6 + 9 * 2)] = 3;
    const { record } = cropForegroundVolume(input, { mask: 'preModel', padding: 0 }, { preModelLabels: labels });
    expect(record.details?.['start']).toEqual([7, 6, 2]);
    expect(record.outputGeometry.size).toEqual([1, 1, 1]);
    const other = createVolume({ geometry: { size: [10, 9, 7], spacing: [1, 1, 1], origin: [0, 0, 0], direction: LIA }, data: new Uint8Array(10 * 9 * 7) });
    expect(() => cropForegroundVolume(input, { mask: 'preModel', padding: 0 }, { preModelLabels: other })).toThrow(ShapeError);
    expect(() => cropForegroundVolume(input, { mask: 'preModel', padding: 0 })).toThrow(InputError);
    expect(() => cropForegroundVolume(input, { mask: 'threshold', value: 1000, padding: 0 })).toThrow(InputError);
  });

  it('validates its parameters', () => {
    expect(() => validatePreprocessPlan([{ op: 'cropForeground', mask: 'relativeThreshold', value: 1.5 }])).toThrow(ManifestError);
    expect(() => validatePreprocessPlan([{ op: 'cropForeground', mask: 'preModel', value: 0 }])).toThrow(/no "value" with mask "preModel"/);
    expect(() => validatePreprocessPlan([{ op: 'normalizeMinMax' }, { op: 'conform' }])).toThrow(/conform as the first step/);
  });
});

describe('keepLargestForegroundComponent (brainchop bwlabel, binarize + largest cluster)', () => {
  it('keeps the largest 26-connected cluster of any labels with their values, clears the rest', () => {
    const data = new Uint8Array(6 * 6 * 6);
    const at = (i: number, j: number, k: number) => i + 6 * (j + 6 * k);
    // Cluster A: labels 1 and 2 touching only by a corner (one 26-connected cluster of 3 voxels).
    data[at(1, 1, 1)] = 1;
    data[at(1, 2, 1)] = 1;
    data[at(2, 3, 2)] = 2;
    // Cluster B: two voxels of label 1 far away.
    data[at(5, 5, 5)] = 1;
    data[at(5, 4, 5)] = 1;
    const out = keepLargestForegroundComponent(vol([6, 6, 6], data), 26);
    expect(out.data[at(1, 1, 1)]).toBe(1);
    expect(out.data[at(2, 3, 2)]).toBe(2);
    expect(out.data[at(5, 5, 5)]).toBe(0);
    expect(out.data[at(5, 4, 5)]).toBe(0);
    // With 6-connectivity the corner does not connect: cluster B (2 voxels) ties with {1,1,1 + 1,2,1}.
    const six = keepLargestForegroundComponent(vol([6, 6, 6], data), 6);
    expect(six.data[at(2, 3, 2)]).toBe(0);
  });
});

describe("the manifest's space", () => {
  it('refuses a model grid on other axes or spacing, naming both', () => {
    const ras = vol([4, 4, 4], new Float32Array(64), [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(() => checkModelSpace(ras, { orientation: 'LIA', spacing: [1, 1, 1] })).toThrow(/axes RAS, not LIA/);
    expect(() => checkModelSpace(vol([4, 4, 4], new Float32Array(64)), { orientation: 'LIA', spacing: [1, 1, 1] })).not.toThrow();
    const coarse = createVolume({ geometry: { size: [4, 4, 4], spacing: [1.2, 1.2, 1.2], origin: [0, 0, 0], direction: LIA }, data: new Float32Array(64) });
    expect(() => checkModelSpace(coarse, { spacing: [1, 1, 1] })).toThrow(/spacing 1.200 x 1.200 x 1.200 mm, not 1 x 1 x 1 mm/);
  });
});

describe('preModel entries', () => {
  const base = {
    task: 'segmentation',
    title: 't',
    datasets: ['d'],
    architecture: 'a',
    files: [{ role: 'model', path: 'm.onnx', sha256: '0'.repeat(64) }],
    weights: { kind: 'bundled' },
    io: { inputs: [{ name: 'x', dtype: 'float32', dims: [1] }], outputs: [{ name: 'y', dtype: 'float32', dims: [1] }] },
    inference: { mode: 'whole' },
    postprocess: [{ op: 'argmax' }],
    labels: ['bg', 'fg'],
    intendedUse: 'testing the manifest rules',
  };
  const manifest = (main: Record<string, unknown>) => ({
    manifestVersion: 1,
    datasets: { d: { name: 'd', tasks: ['segmentation'], modality: 'MR', acquisition: { kind: 'generated' } } },
    models: { pre: { ...base, preprocess: [{ op: 'conform' }, { op: 'cropForeground', mask: 'threshold', value: 0 }] }, main: { ...base, ...main } },
  });
  const usesMask = [{ op: 'conform' }, { op: 'cropForeground', mask: 'preModel' }];
  it('accepts a pre-model of the same manifest and checks what it names', () => {
    expect(parseManifest(manifest({ preprocess: usesMask, preModel: { id: 'pre', skip: ['cropForeground'] } })).models['main']!.preModel).toEqual({
      id: 'pre',
      skip: ['cropForeground'],
    });
    expect(() => parseManifest(manifest({ preprocess: usesMask, preModel: { id: 'nope' } }))).toThrow(/preModel 'nope' is not in the manifest/);
    expect(() => parseManifest(manifest({ preprocess: usesMask, preModel: { id: 'pre', skip: ['orient'] } }))).toThrow(/does not have/);
    expect(() => parseManifest(manifest({ preprocess: usesMask }))).toThrow(/needs a "preModel"/);
    expect(() => parseManifest(manifest({ preprocess: [{ op: 'conform' }], preModel: { id: 'pre' } }))).toThrow(/no cropForeground/);
  });
});
