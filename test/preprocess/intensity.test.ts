import { describe, expect, it } from 'vitest';
import { createVolume, InputError, ShapeError } from '../../src/core/index.js';
import {
  applyWindow,
  clipPercentiles,
  convertToGreyscale,
  convertToRgb,
  invertMonochrome1,
  normalizeMeanStd,
  normalizeXrv,
  normalizeZscore,
  runPreprocessStep,
  scaleIntensityRange,
  stackChannels,
  validatePreprocessStep,
} from '../../src/preprocess/index.js';
import { createKernelArena, setVolumeKernelsEnabled } from '../../src/core/volume-kernels.js';
import { cases, expectClose, loadBin } from './fixtures.js';

const I = cases['intensity'];
const mri = createVolume({ geometry: { size: I.zscoreShape }, data: loadBin(I.zscoreInput), frames: I.zscoreChannels });
const ct = createVolume({ geometry: { size: I.ctShape }, data: loadBin(I.ctInput) });

describe('intensity steps vs numpy (float64 reference, 1e-6)', () => {
  for (const c of I.zscore) {
    it(`zscore nonzero=${c.params.nonzero} channelWise=${c.params.channelWise} (MONAI NormalizeIntensity, population std)`, () => {
      const { volume, record } = runPreprocessStep(mri, validatePreprocessStep(c.params, 0));
      expectClose(volume.data, loadBin(c.expected), 1e-6, 1e-6);
      expect(record.details?.['std']).toHaveLength(c.params.channelWise ? 3 : 1);
    });
  }
  for (const c of I.scaleIntensityRange) {
    it(`scaleIntensityRange ${JSON.stringify(c.params)}`, () => {
      const { volume } = runPreprocessStep(ct, validatePreprocessStep(c.params, 0));
      expectClose(volume.data, loadBin(c.expected), 1e-6, 1e-6);
    });
  }
  for (const c of I.window) {
    it(`window ${c.params.center}/${c.params.width}`, () => {
      expectClose(applyWindow(ct, c.params).volume.data, loadBin(c.expected), 1e-6, 1e-6);
    });
  }
  for (const c of I.percentileClip) {
    it(`percentileClip ${c.params.lower}..${c.params.upper} (numpy.percentile linear)`, () => {
      const { volume, record } = clipPercentiles(ct, c.params);
      expect(record.details?.['low']).toBeCloseTo(c.low, 3);
      expect(record.details?.['high']).toBeCloseTo(c.high, 3);
      expectClose(volume.data, loadBin(c.expected), 1e-6, 1e-6);
    });
  }
  it('scaleIntensityRange with aMin == aMax shifts like MONAI', () => {
    const v = createVolume({ geometry: { size: [3, 1, 1] }, data: new Float32Array([1, 2, 3]) });
    expect(Array.from(scaleIntensityRange(v, { aMin: 2, aMax: 2, bMin: 10, bMax: 20, clip: false }).volume.data)).toEqual([9, 10, 11]);
  });
  it('scaleIntensityRange clipping in one pass: the bits of clipping the stored float32 values afterwards', () => {
    // Bounds that float32 cannot hold (0.1, 0.7) and inverted ones: values that round onto or
    // across a bound are where clipping before and after the store could differ.
    const data = Float32Array.from({ length: 20000 }, (_, i) => ((i * 2654435761) % 4001) / 4000 - 0.25 + (i % 7) * 1e-9);
    const v = createVolume({ geometry: { size: [data.length, 1, 1] }, data });
    for (const [aMin, aMax, bMin, bMax] of [
      [0, 1, 0.1, 0.7],
      [-0.2, 0.9, 0.7, 0.1],
      [0.3, 0.3, 0.1, 0.7],
    ] as const) {
      const want = new Float32Array(data.length);
      const k = aMax === aMin ? 1 : (bMax - bMin) / (aMax - aMin);
      for (let p = 0; p < data.length; p++) want[p] = (data[p]! - aMin) * k + bMin;
      for (let p = 0; p < data.length; p++) want[p] = Math.min(Math.max(want[p]!, bMin), bMax);
      const got = scaleIntensityRange(v, { aMin, aMax, bMin, bMax, clip: true }).volume.data as Float32Array;
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
  it('scaleIntensityRange on kernel memory (a resampled volume in place): the bits of the scalar loop', () => {
    // Odd length (a scalar tail), values on and across the bounds, NaN, infinities and -0: the
    // SIMD kernel computes in float64 with the loop's comparisons, so every stored float matches.
    const n = 20011;
    const values = Float32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 4001) / 4000 - 0.25 + (i % 7) * 1e-9);
    values.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.1, 0.7], 100);
    values[n - 1] = Number.NaN;
    values[n - 2] = -0;
    for (const [aMin, aMax, bMin, bMax, clip] of [
      [0, 1, 0.1, 0.7, true],
      [-0.2, 0.9, 0.7, 0.1, true],
      [0.3, 0.3, 0.1, 0.7, true],
      [-1024, 300, 0, 1, false],
      [0.25, 0.75, -0, 1, true],
    ] as const) {
      const params = { aMin, aMax, bMin, bMax, clip };
      setVolumeKernelsEnabled(false);
      const want = scaleIntensityRange(createVolume({ geometry: { size: [n, 1, 1] }, data: values.slice() }), params).volume.data as Float32Array;
      setVolumeKernelsEnabled(true);
      const arena = createKernelArena([n * 4]);
      expect(arena).not.toBeNull();
      const held = arena!.f32.subarray(arena!.offsets[0]! >> 2, (arena!.offsets[0]! >> 2) + n);
      held.set(values);
      const got = scaleIntensityRange(createVolume({ geometry: { size: [n, 1, 1] }, data: held }), params, { inPlace: true }).volume.data as Float32Array;
      expect(got.buffer).toBe(held.buffer);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
  it('zscore of a constant image divides by 1 (std 0)', () => {
    const v = createVolume({ geometry: { size: [3, 1, 1] }, data: new Float32Array([5, 5, 5]) });
    expect(Array.from(normalizeZscore(v, { nonzero: false, channelWise: false }).volume.data)).toEqual([0, 0, 0]);
  });
});

describe('channel steps', () => {
  const rgb = createVolume({ geometry: { size: [2, 1, 1] }, data: new Uint8Array([10, 20, 30, 40, 50, 60]), components: 3 });
  it('ImageNet mean/std per channel on interleaved RGB', () => {
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const { volume } = normalizeMeanStd(rgb, { mean, std, scale: 1 / 255 });
    expect(volume.frames).toBe(3);
    // Planar output: channel c of pixel p at c * 2 + p; input interleaved rgb[p * 3 + c].
    for (let c = 0; c < 3; c++) for (let p = 0; p < 2; p++) expect(volume.data[c * 2 + p]).toBeCloseTo((rgb.data[p * 3 + c]! / 255 - mean[c]!) / std[c]!, 6);
    expect(() => normalizeMeanStd(rgb, { mean: [0, 0], std: [1, 1] })).toThrow(ShapeError);
    // Interleaved float32: the planar copy is private and reused, the caller's array is untouched.
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = normalizeMeanStd(createVolume({ geometry: { size: [2, 1, 1] }, data: f, components: 3 }), { mean: [1, 2, 3], std: [1, 1, 1] });
    expect(Array.from(out.volume.data)).toEqual([0, 3, 0, 3, 0, 3]);
    expect(Array.from(f)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('greyscale mean / first, toRgb', () => {
    expect(Array.from(convertToGreyscale(rgb, { method: 'mean' }).volume.data)).toEqual([20, 50]);
    expect(Array.from(convertToGreyscale(rgb, { method: 'first' }).volume.data)).toEqual([10, 40]);
    const grey = createVolume({ geometry: { size: [2, 1, 1] }, data: new Uint8Array([7, 9]) });
    expect(Array.from(convertToRgb(grey).volume.data)).toEqual([7, 9, 7, 9, 7, 9]);
  });
  it('MONOCHROME1 inversion uses 2**bitsStored - 1 and only when declared', () => {
    const v = createVolume({ geometry: { size: [3, 1, 1] }, data: new Uint16Array([0, 1000, 4095]), meta: { photometric: 'MONOCHROME1', bitsStored: 12 } });
    const r = invertMonochrome1(v);
    expect(Array.from(r.volume.data)).toEqual([4095, 3095, 0]);
    expect(r.volume.meta.photometric).toBe('MONOCHROME2');
    const m2 = createVolume({ geometry: { size: [1, 1, 1] }, data: new Uint16Array([5]), meta: { photometric: 'MONOCHROME2' } });
    expect(invertMonochrome1(m2).volume).toBe(m2);
  });
  it('xrvNormalize maps [0, maxval] to [-1024, 1024] and refuses values above maxval', () => {
    const v = createVolume({ geometry: { size: [3, 1, 1] }, data: new Uint8Array([0, 255, 51]) });
    expect(Array.from(normalizeXrv(v, {}).volume.data)).toEqual([-1024, 1024, Math.fround(Math.fround(2 * Math.fround(51 / 255)) - 1) * 1024]);
    const w = createVolume({ geometry: { size: [1, 1, 1] }, data: new Uint16Array([5000]), meta: { bitsStored: 12 } });
    expect(() => normalizeXrv(w, {})).toThrow(InputError);
    // 4096 has bit 12 set: caught by the bit test; 4001 > 4000 by the plain comparison.
    const over = createVolume({ geometry: { size: [5, 1, 1] }, data: new Uint16Array([0, 1, 4096, 3, 4]), meta: { bitsStored: 12 } });
    expect(() => normalizeXrv(over, {})).toThrow(/4096 exceeds maxval 4095/);
    const odd = createVolume({ geometry: { size: [3, 1, 1] }, data: new Uint16Array([0, 4001, 3]) });
    expect(() => normalizeXrv(odd, { maxval: 4000 })).toThrow(/4001 exceeds/);
    expect(normalizeXrv(odd, { maxval: 4001 }).volume.data[1]).toBe(1024);
    const noBits = createVolume({ geometry: { size: [1, 1, 1] }, data: new Uint16Array([5]) });
    expect(() => normalizeXrv(noBits, {})).toThrow(/bitsStored/);
  });
  it('stackChannels in declared order, same grid required', () => {
    const a = createVolume({ geometry: { size: [2, 1, 1] }, data: new Float32Array([1, 2]) });
    const b = createVolume({ geometry: { size: [2, 1, 1] }, data: new Float32Array([3, 4]) });
    const { volume } = stackChannels({ t1: a, flair: b }, { order: ['flair', 't1'] });
    expect(Array.from(volume.data)).toEqual([3, 4, 1, 2]);
    expect(volume.frames).toBe(2);
    expect(() => stackChannels({ t1: a }, { order: ['t1', 't2'] })).toThrow(/missing inputs "t2"/);
    const moved = createVolume({ geometry: { size: [2, 1, 1], origin: [0, 0, 5] }, data: new Float32Array(2) });
    expect(() => stackChannels({ t1: a, t2: moved }, { order: ['t1', 't2'] })).toThrow(ShapeError);
  });
});
