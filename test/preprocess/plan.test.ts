import { describe, expect, it } from 'vitest';
import { createVolume, fromFloat16Bits, ManifestError, toFloat16Bits, UsageError } from '../../src/core/index.js';
import { createVolumeFromTensor, PREPROCESS_OPS, runPreprocessPlan, validatePreprocessPlan } from '../../src/preprocess/index.js';
import { cases, loadBin } from './fixtures.js';

function manifestError(steps: unknown): ManifestError {
  try {
    validatePreprocessPlan(steps);
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('expected a ManifestError');
}

describe('validatePreprocessPlan', () => {
  it('exports every op name', () => {
    expect([...PREPROCESS_OPS].sort()).toEqual([
      'conform',
      'cropForeground',
      'cropPad',
      'greyscale',
      'invertMonochrome1',
      'letterbox',
      'normalizeMeanStd',
      'normalizeMinMax',
      'normalizeQuantile',
      'orient',
      'percentileClip',
      'resample',
      'resize',
      'scaleIntensity',
      'scaleIntensityRange',
      'stackChannels',
      'toRgb',
      'toTensor',
      'window',
      'xrvNormalize',
      'zscore',
    ]);
  });
  it('fills documented defaults', () => {
    const [lb, rs, z] = validatePreprocessPlan([{ op: 'letterbox', size: [640, 640] }, { op: 'resample', spacing: [1, 1, 1] }, { op: 'zscore' }]);
    expect(lb).toEqual({ op: 'letterbox', size: [640, 640], stride: 32, padValue: 114, auto: false, scaleUp: true });
    expect(rs).toEqual({ op: 'resample', spacing: [1, 1, 1], mode: 'linear', rule: 'monai' });
    expect(z).toEqual({ op: 'zscore', nonzero: false, channelWise: false });
  });
  it('names step index, op, field, expected and received', () => {
    const e = manifestError([
      { op: 'orient', axcodes: 'RAS' },
      { op: 'resize', size: [224, 'x'], mode: 'area' },
    ]);
    expect(e.details).toMatchObject({ index: 1, op: 'resize', field: 'size', received: '[224,"x"]' });
    expect(e.message).toContain('preprocess[1] (resize): field "size" expected');
    expect(manifestError([{ op: 'blur' }]).details).toMatchObject({ index: 0, field: 'op', received: '"blur"' });
    expect(manifestError([{ op: 'zscore', nonZero: true }]).details).toMatchObject({ field: 'nonZero', op: 'zscore' });
    expect(manifestError([{ op: 'orient', axcodes: 'RAR' }]).details).toMatchObject({ field: 'axcodes', received: '"RAR"' });
    expect(manifestError([{ op: 'window', center: 40, width: 0 }]).details).toMatchObject({ field: 'width' });
    expect(manifestError([{ op: 'resample', spacing: [1, 1, 1], mode: 'spline' }]).details).toMatchObject({ field: 'mode', received: '"spline"' });
    expect(manifestError([{ op: 'percentileClip', lower: 99, upper: 1 }]).details).toMatchObject({ field: 'upper' });
    expect(manifestError([{ op: 'normalizeMeanStd', mean: [0, 0, 0], std: [1, 1] }]).details).toMatchObject({ field: 'std' });
    expect(manifestError([{ op: 'toTensor', layout: 'NCHW', axisOrder: 'ijk' }]).details).toMatchObject({ field: 'axisOrder' });
    expect(manifestError([{ op: 'resize', size: [2, 2], mode: 'area', antialias: true }]).details).toMatchObject({ field: 'antialias' });
    expect(manifestError([{ op: 'zscore' }, { op: 'stackChannels', order: ['a'] }]).details).toMatchObject({ index: 1, field: 'op' });
    expect(manifestError([{ op: 'toTensor', layout: 'NCHW' }, { op: 'zscore' }]).details).toMatchObject({ index: 0, op: 'toTensor' });
    expect(manifestError('zscore').details).toMatchObject({ field: 'preprocess' });
    expect(manifestError([null]).details).toMatchObject({ index: 0, field: 'op' });
    expect(manifestError([{ op: 'cropPad', mode: 'centerSquare', size: [224, 224] }]).message).toContain('no "size" with mode "centerSquare"');
    expect(manifestError([{ op: 'cropPad', mode: 'center' }]).details).toMatchObject({ field: 'size', received: 'nothing' });
    expect(manifestError([{ op: 'resample', spacing: [1, 1, 1], mode: 'nearest', separateZ: 'auto' }]).details).toMatchObject({ field: 'separateZ' });
    expect(manifestError([{ op: 'resample', spacing: [1, 1, 1], separateZ: 'yes' }]).details).toMatchObject({ field: 'separateZ', received: '"yes"' });
  });
});

describe('runPreprocessPlan', () => {
  const t1 = createVolume({ geometry: { size: [3, 2, 2] }, data: new Float32Array(12).map((_, i) => i) });
  const t2 = createVolume({ geometry: { size: [3, 2, 2] }, data: new Float32Array(12).map((_, i) => 100 - i) });
  it('stacks named inputs, runs steps in order, returns tensor + records', () => {
    const { tensor, records, volume } = runPreprocessPlan({ t2, t1 }, [
      { op: 'stackChannels', order: ['t1', 't2'] },
      { op: 'scaleIntensityRange', aMin: 0, aMax: 100, bMin: 0, bMax: 1, clip: true },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' },
    ]);
    expect(tensor.dims).toEqual([1, 2, 2, 2, 3]);
    expect(tensor.data[0]).toBe(0);
    expect(tensor.data[12]).toBe(1);
    expect(records.map((r) => r.op)).toEqual(['stackChannels', 'scaleIntensityRange', 'toTensor']);
    expect(volume.frames).toBe(2);
  });
  it('axisOrder ijk transposes like a nibabel/MONAI array (k fastest) and round-trips', () => {
    const { tensor, records } = runPreprocessPlan(t1, [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' }]);
    expect(tensor.dims).toEqual([1, 1, 3, 2, 2]);
    // tensor[0,0,i,j,k] = volume(i,j,k) = i + 3 j + 6 k
    expect(Array.from(tensor.data.slice(0, 4))).toEqual([0, 6, 3, 9]);
    expect(Array.from(createVolumeFromTensor(tensor, records).data)).toEqual(Array.from(t1.data));
  });
  it('defaults to NCHW float32 for one slice and refuses named inputs without stackChannels', () => {
    const img = createVolume({ geometry: { size: [4, 3, 1] }, data: new Uint8Array(12) });
    expect(runPreprocessPlan(img, []).tensor.dims).toEqual([1, 1, 3, 4]);
    expect(() => runPreprocessPlan({ t1, t2 }, [{ op: 'zscore' }])).toThrow(UsageError);
  });
  it('float16 tensors hold half bits', () => {
    const { tensor } = runPreprocessPlan(t1, [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float16' }]);
    expect(tensor.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(tensor.data).map(fromFloat16Bits)).toEqual(Array.from(t1.data));
  });
  it('a float16 output tensor comes back as the volume; a strided view or int64 data is refused, not misread', () => {
    const { tensor, records } = runPreprocessPlan(t1, [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float16' }]);
    expect(Array.from(createVolumeFromTensor(tensor, records).data)).toEqual(Array.from(t1.data));
    const f32 = runPreprocessPlan(t1, [{ op: 'toTensor', layout: 'NCDHW', axisOrder: 'ijk' }], { view: true });
    expect(f32.tensor.strides).toBeDefined();
    expect(() => createVolumeFromTensor(f32.tensor, f32.records)).toThrow(/strided view/);
    const int64 = { type: 'int64' as const, dims: tensor.dims, data: new BigInt64Array(tensor.data.length) };
    expect(() => createVolumeFromTensor(int64, records)).toThrow(/int64 tensor cannot become a volume/);
  });
});

describe('TorchXRayVision plan on a MONOCHROME1 DICOM-like radiograph', () => {
  it('inverts, normalises with 2**bitsStored - 1, crops the square and keeps values exact', () => {
    const [w, h] = [6, 4];
    const data = new Uint16Array(w * h).map((_, i) => (i * 173) % 4096);
    const xray = createVolume({ geometry: { size: [w, h, 1] }, data, meta: { photometric: 'MONOCHROME1', bitsStored: 12 } });
    const { tensor, records } = runPreprocessPlan(xray, [
      { op: 'invertMonochrome1' },
      { op: 'greyscale', method: 'mean' },
      { op: 'xrvNormalize' },
      { op: 'cropPad', mode: 'centerSquare' },
      { op: 'resize', size: [4, 4], mode: 'area' },
      { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
    ]);
    expect(tensor.dims).toEqual([1, 1, 4, 4]);
    expect(records.map((r) => r.op)).toEqual(['invertMonochrome1', 'greyscale', 'xrvNormalize', 'cropPad', 'resize', 'toTensor']);
    const f = Math.fround;
    for (let j = 0; j < 4; j++)
      for (let i = 0; i < 4; i++) {
        const x = 4095 - data[i + 1 + w * j]!; // centre square starts at column 6//2 - 4//2 = 1
        expect(tensor.data[i + 4 * j]).toBe(f(f(2 * f(x / 4095)) - 1) * 1024);
      }
  });
});

describe('memory: caller buffers are never written, intermediates are reused', () => {
  it('zscore on the caller volume allocates; after a crop it runs in place and the tensor shares it', () => {
    const data = new Float32Array(4 * 4 * 4).map((_, i) => (i % 7) + 1);
    const copy = data.slice();
    const v = createVolume({ geometry: { size: [4, 4, 4] }, data });
    const direct = runPreprocessPlan(v, [{ op: 'zscore' }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' }]);
    expect(Array.from(data)).toEqual(Array.from(copy));
    expect(direct.tensor.data.buffer).not.toBe(data.buffer);
    const chained = runPreprocessPlan(v, [
      { op: 'cropPad', mode: 'center', size: [2, 2, 2] },
      { op: 'zscore' },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' },
    ]);
    expect(Array.from(data)).toEqual(Array.from(copy));
    expect(chained.tensor.data.buffer).toBe(chained.volume.data.buffer);
    // Same numbers as evaluating each step on fresh buffers.
    const reference = runPreprocessPlan(v, [{ op: 'cropPad', mode: 'center', size: [2, 2, 2] }]).volume;
    let sum = 0;
    reference.data.forEach((x) => {
      sum += x;
    });
    const mean = sum / 8;
    let sq = 0;
    reference.data.forEach((x) => {
      sq += (x - mean) ** 2;
    });
    const std = Math.sqrt(sq / 8);
    Array.from(chained.tensor.data).forEach((x, i) => expect(x).toBeCloseTo((reference.data[i]! - mean) / std, 5));
  });
});

describe('float16 conversion vs numpy astype(float16)', () => {
  it('matches bit for bit (round to nearest even, overflow, subnormals)', () => {
    const input = loadBin(cases['float16'].input);
    const expected = loadBin(cases['float16'].expected);
    const got = Array.from(input, (x) => toFloat16Bits(x));
    expect(got).toEqual(Array.from(expected));
  });
});
