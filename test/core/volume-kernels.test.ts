/**
 * The WebAssembly SIMD kernels against the JavaScript loops they replace (which the reference
 * tests check against torch / scipy / MONAI): same results within float32 rounding, on sizes
 * that exercise the 4-lane tails, the fill regions outside the source, padding windows, 2D
 * inputs, mirror averaging and both normalisers (separable and tile by tile).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../../src/core/index.js';
import { createKernelArena, releaseKernelArena, setVolumeKernelsEnabled } from '../../src/core/volume-kernels.js';
import { InputError } from '../../src/core/errors.js';
import { invertToInputGrid, runPreprocessPlan } from '../../src/preprocess/index.js';
import { invertArgmaxToInputGrid } from '../../src/preprocess/invert-argmax.js';
import { argmaxChannels } from '../../src/postprocess/segmentation/label-maps.js';
import type { ModelTensor } from '../../src/core/tensor.js';
import { runSlidingWindow, type SlidingWindowOptions } from '../../src/runtime/sliding-window/sliding-window.js';

afterEach(() => setVolumeKernelsEnabled(true));

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function both<T>(run: () => T): { wasm: T; js: T } {
  setVolumeKernelsEnabled(true);
  const wasm = run();
  setVolumeKernelsEnabled(false);
  const js = run();
  setVolumeKernelsEnabled(true);
  return { wasm, js };
}

/** A planar float32 volume on a 1 mm grid with `frames` channels of random values. */
function channels(size: [number, number, number], frames: number, seed: number): Volume {
  return createVolume({ geometry: { size, spacing: [1, 1, 1], origin: [0, 0, 0] }, data: random(size[0] * size[1] * size[2] * frames, seed), frames });
}

describe('kernel arena', () => {
  it('is available in Node, refused when switched off or beyond the wasm32 limit', () => {
    const arena = createKernelArena([100, 3]);
    expect(arena).not.toBeNull();
    expect(arena!.offsets[0]! % 16).toBe(0);
    expect(arena!.offsets[1]! - arena!.offsets[0]!).toBe(112); // 100 rounded up to 16 bytes
    expect(createKernelArena([5 * 1024 ** 3])).toBeNull();
    setVolumeKernelsEnabled(false);
    expect(createKernelArena([100])).toBeNull();
  });

  it('a released reusable shared arena lends its memory to the next one that fits (at most twice its size), once', () => {
    const MB = 1 << 20;
    const first = createKernelArena([MB], { shared: true, reusable: true })!;
    expect(first.shared).toBe(true);
    const memory = first.kernels.memory;
    releaseKernelArena(first);
    releaseKernelArena(first); // a second release is ignored
    const second = createKernelArena([MB - 4096, 16], { shared: true, reusable: true })!;
    expect(second.kernels.memory).toBe(memory);
    // The memory is lent once: a third arena gets its own.
    expect(createKernelArena([MB], { shared: true, reusable: true })!.kernels.memory).not.toBe(memory);
    releaseKernelArena(second);
    // Far larger than asked for: dropped, not lent (a big spare never stands in for a small arena).
    expect(createKernelArena([MB / 4], { shared: true, reusable: true })!.kernels.memory).not.toBe(memory);
    // Arenas not made reusable are never given back.
    const plain = createKernelArena([MB], { shared: true })!;
    releaseKernelArena(plain);
    expect(createKernelArena([MB], { shared: true, reusable: true })!.kernels.memory).not.toBe(plain.kernels.memory);
  });
});

describe('separable trilinear resampling (wasm) vs the direct loop (JavaScript)', () => {
  const plans = {
    // Upsampling onto a finer grid with odd sizes (vector tails everywhere).
    upsample: [{ op: 'resample', spacing: [0.7, 0.8, 0.9], mode: 'linear', rule: 'monai' }],
    // Downsampling plus a crop and a pad: fill regions on every axis after the inverse.
    downsampleCropPad: [
      { op: 'resample', spacing: [1.6, 1.3, 2.1], mode: 'linear', rule: 'monai' },
      { op: 'cropPad', mode: 'center', size: [11, 30, 7] },
    ],
  } as const;

  for (const [name, plan] of Object.entries(plans)) {
    it(`${name}: forward resampling and the inverse mapping agree within float32 rounding`, () => {
      const input = channels([23, 17, 13], 3, 7);
      const forward = both(() => runPreprocessPlan(input, [...plan] as never));
      expect(forward.wasm.volume.geometry.size).toEqual(forward.js.volume.geometry.size);
      expect(maxAbsDiff(forward.wasm.volume.data, forward.js.volume.data)).toBeLessThan(2e-6);
      const modelOutput = channels(forward.js.volume.geometry.size as [number, number, number], 3, 11);
      const inverse = both(() => invertToInputGrid(modelOutput, forward.js.records, { interpolation: 'linear', fill: -5 }));
      expect(inverse.wasm.geometry).toEqual(inverse.js.geometry);
      expect(inverse.wasm.frames).toBe(3);
      expect(maxAbsDiff(inverse.wasm.data, inverse.js.data)).toBeLessThan(2e-6);
      if (name === 'downsampleCropPad') expect(Array.from(inverse.wasm.data).filter((v) => v === -5).length).toBeGreaterThan(0);
    });
  }

  it('resamples integer (CT) volumes the same way (converted per slice)', () => {
    const size: [number, number, number] = [21, 19, 9];
    const ct = createVolume({
      geometry: { size, spacing: [0.7, 0.7, 2.5], origin: [0, 0, 0] },
      data: Int16Array.from(random(size[0] * size[1] * size[2], 3), (v) => Math.round(v * 3000 - 1000)),
    });
    const out = both(() => runPreprocessPlan(ct, [{ op: 'resample', spacing: [1, 1, 1], mode: 'linear', rule: 'monai' }]).volume.data);
    expect(maxAbsDiff(out.wasm, out.js)).toBeLessThan(3000 * 2e-7 * 4);
  });
});

describe('fused trilinear + argmax (wasm) ', () => {
  it('equals argmax of the wasm inverse mapping exactly, ties to the lower channel', () => {
    const input = channels([29, 14, 11], 1, 3);
    const { records, volume } = runPreprocessPlan(input, [
      { op: 'resample', spacing: [1.3, 0.9, 1.7], mode: 'linear', rule: 'monai' },
      { op: 'cropPad', mode: 'center', size: [20, 12, 9] },
    ]);
    const size = volume.geometry.size as [number, number, number];
    const probs = channels(size, 4, 5);
    const n = size[0] * size[1] * size[2];
    // Channel 2 copies channel 1 (exact ties), channel 3 is the max of 0 and 1 half the time.
    const d = probs.data as Float32Array;
    d.copyWithin(2 * n, n, 2 * n);
    for (let i = 0; i < n; i += 2) d[3 * n + i] = Math.max(d[i]!, d[n + i]!);
    const labels = invertArgmaxToInputGrid(probs, records);
    const inverse = invertToInputGrid(probs, records, { interpolation: 'linear' });
    const reference = argmaxChannels(inverse.data, 4);
    expect(Array.from(labels)).toEqual(Array.from(reference));
    expect(labels.includes(2)).toBe(false); // channel 2 always ties with channel 1
    expect(labels.includes(3)).toBe(true);
    // And the JavaScript path gives the same labels away from float32 near-ties.
    setVolumeKernelsEnabled(false);
    const js = invertArgmaxToInputGrid(probs, records);
    let differ = 0;
    for (let i = 0; i < js.length; i++) differ += js[i] === labels[i] ? 0 : 1;
    expect(differ).toBeLessThanOrEqual(Math.ceil(js.length * 1e-3));
  });

  it('names the channel and voxel of a NaN', () => {
    const input = channels([9, 8, 7], 1, 3);
    const { records, volume } = runPreprocessPlan(input, [{ op: 'resample', spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'monai' }]);
    const size = volume.geometry.size as [number, number, number];
    const probs = channels(size, 3, 5);
    const n = size[0] * size[1] * size[2];
    (probs.data as Float32Array)[2 * n + 17] = Number.NaN;
    for (const on of [true, false]) {
      setVolumeKernelsEnabled(on);
      expect(() => invertArgmaxToInputGrid(probs, records)).toThrow(InputError);
      expect(() => invertArgmaxToInputGrid(probs, records)).toThrow(/channel 2 has NaN at voxel/);
    }
  });
});

describe('sliding-window blending (wasm arena) vs the JavaScript loops', () => {
  const predictor = (outChannels: number, seed: number) => {
    // A deterministic "model": per window, channel c = input channel 0 * (c + 1) + seed noise,
    // so windows differ and mirror flips matter.
    return async (t: ModelTensor<'float32'>): Promise<ModelTensor<'float32'>> => {
      const [b, , ...roi] = t.dims;
      const vox = roi.reduce((x, y) => x * y, 1);
      const out = new Float32Array(b! * outChannels * vox);
      const noise = random(vox, seed);
      for (let k = 0; k < b!; k++)
        for (let c = 0; c < outChannels; c++)
          for (let v = 0; v < vox; v++) {
            out[(k * outChannels + c) * vox + v] = t.data[k * (t.dims[1]! * vox) + v]! * (c + 1) + noise[v]! * 0.01 * (v % 7);
          }
      return { type: 'float32', data: out, dims: [b!, outChannels, ...roi] };
    };
  };
  const cases: { name: string; dims: number[]; options: SlidingWindowOptions }[] = [
    {
      name: 'nnU-Net Gaussian, batch 3 with a shorter last batch',
      dims: [1, 2, 19, 23, 21],
      options: { roi: [8, 10, 9], overlap: 0.5, blend: 'gaussian', placement: 'nnunet', batch: 3 },
    },
    {
      name: 'MONAI Gaussian (clamped: tile normaliser) with mirror axes',
      dims: [1, 1, 17, 13, 15],
      options: { roi: [9, 7, 10], overlap: 0.25, blend: 'gaussian', placement: 'monai', mirrorAxes: [0, 2] },
    },
    {
      name: 'image smaller than the roi (padding)',
      dims: [1, 1, 5, 30, 6],
      options: { roi: [8, 12, 8], overlap: 0.5, blend: 'constant', placement: 'monai', padValue: -1 },
    },
    { name: '2D', dims: [1, 3, 37, 29], options: { roi: [16, 13], overlap: 0.5, blend: 'gaussian', placement: 'nnunet', batch: 2 } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const n = c.dims.reduce((a, b) => a * b, 1);
      const input: ModelTensor<'float32'> = { type: 'float32', data: random(n, 99), dims: c.dims };
      setVolumeKernelsEnabled(true);
      const wasm = await runSlidingWindow(input, predictor(3, 4), c.options);
      setVolumeKernelsEnabled(false);
      const js = await runSlidingWindow(input, predictor(3, 4), c.options);
      expect(wasm.dims).toEqual([1, 3, ...c.dims.slice(2)]);
      expect(wasm.dims).toEqual(js.dims);
      let scale = 0;
      for (const v of js.data) scale = Math.max(scale, Math.abs(v));
      expect(scale).toBeGreaterThan(0.5);
      expect(maxAbsDiff(wasm.data, js.data)).toBeLessThan(scale * 2e-6);
    });
  }

  it('refuses a predictor whose channel count changes between windows', async () => {
    let calls = 0;
    const predict = async (t: ModelTensor<'float32'>): Promise<ModelTensor<'float32'>> => {
      const ch = calls++ === 0 ? 2 : 3;
      return { type: 'float32', data: new Float32Array(ch * 64), dims: [1, ch, 4, 4, 4] };
    };
    await expect(
      runSlidingWindow({ type: 'float32', data: new Float32Array(8 * 8 * 8), dims: [1, 1, 8, 8, 8] }, predict, { roi: [4, 4, 4], overlap: 0 }),
    ).rejects.toThrow(/3 channels after 2/);
  });
});

describe('argmaxChannels on the SIMD kernel', () => {
  it('gives the labels of the scalar loop (ties to the lower channel) across chunk boundaries', async () => {
    const { argmaxChannels } = await import('../../src/postprocess/segmentation/label-maps.js');
    const voxels = 16384 * 2 + 37; // two full chunks and a tail that is not a multiple of 4
    const data = random(4 * voxels, 21);
    data.copyWithin(3 * voxels, 1 * voxels, 2 * voxels); // channel 3 ties with channel 1 everywhere
    for (let v = 0; v < voxels; v += 5) data[2 * voxels + v] = data[v]!; // ties with channel 0
    const { wasm, js } = both(() => argmaxChannels(data, 4));
    expect(wasm).toBeInstanceOf(Uint8Array);
    expect(Array.from(wasm)).toEqual(Array.from(js));
    expect(wasm.includes(3)).toBe(false);
    expect(new Set(wasm).size).toBe(3);
  });

  it('reports a NaN with its channel and voxel as the scalar loop does', async () => {
    const { argmaxChannels } = await import('../../src/postprocess/segmentation/label-maps.js');
    const data = random(3 * 1000, 5);
    data[2 * 1000 + 999] = Number.NaN;
    expect(() => argmaxChannels(data, 3)).toThrow(/channel 2 has NaN at voxel 999/);
  });
});

describe('sigmoid and softmax on the SIMD kernels (float32 exp) vs the float64 loops', () => {
  /** Logits over the whole range: ordinary, large, huge, signed zeros; length not a multiple of 4. */
  function logits(n: number, seed: number): Float32Array {
    const r = random(n, seed);
    return Float32Array.from(r, (u, i) => (i % 97 === 0 ? (u - 0.5) * 2e4 : i % 13 === 0 ? (u - 0.5) * 200 : i % 101 === 0 ? -0 : (u - 0.5) * 16));
  }

  it('sigmoid: plain arrays (streamed in chunks) and in place, within 3e-7', async () => {
    const { applySigmoid } = await import('../../src/postprocess/classification/activations.js');
    const x = logits(300_001, 3);
    const { wasm, js } = both(() => applySigmoid(x));
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(wasm[i]! - js[i]!));
    expect(worst).toBeLessThan(3e-7);
    expect(Math.abs(wasm[0]! - js[0]!)).toBeLessThan(1e-37); // |x| huge: 0 or 1 (float32 denormals aside)
    const inPlace = Float32Array.from(x);
    applySigmoid(inPlace, inPlace);
    expect(maxAbsDiff(inPlace, wasm)).toBe(0);
    const bad = Float32Array.from(x);
    bad[123_457] = Number.NaN;
    expect(() => applySigmoid(bad)).toThrow(/NaN at index 123457/);
  });

  it('softmax over planar channels: arena views in place and plain arrays, within 3e-7; infinities take the exact path', async () => {
    const { applySoftmaxChannelsInPlace } = await import('../../src/postprocess/classification/activations.js');
    const x = logits(3 * 70_001, 8);
    const { wasm, js } = both(() => applySoftmaxChannelsInPlace(Float32Array.from(x), 3));
    expect(maxAbsDiff(wasm, js)).toBeLessThan(3e-7);
    for (let v = 0; v < 70_001; v += 7919) expect(wasm[v]! + wasm[70_001 + v]! + wasm[140_002 + v]!).toBeCloseTo(1, 6);
    // A blended sliding-window output lives in kernel memory: softmax runs on it in place.
    const blended = await runSlidingWindow(
      { type: 'float32', data: x.subarray(0, 2 * 24 * 24 * 24), dims: [1, 2, 24, 24, 24] },
      async (t) => ({ type: 'float32', data: t.data.map((v) => v * 3), dims: t.dims }),
      { roi: [16, 16, 16], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' },
    );
    const copy = Float32Array.from(blended.data);
    applySoftmaxChannelsInPlace(blended.data, 2);
    setVolumeKernelsEnabled(false);
    applySoftmaxChannelsInPlace(copy, 2);
    expect(maxAbsDiff(blended.data, copy)).toBeLessThan(3e-7);
    setVolumeKernelsEnabled(true);
    const inf = Float32Array.from(x);
    inf[5] = Infinity;
    inf[70_001 + 5] = Infinity;
    applySoftmaxChannelsInPlace(inf, 3);
    expect([inf[5], inf[70_001 + 5], inf[140_002 + 5]]).toEqual([0.5, 0.5, 0]);
  });
});

describe('sigmoid regions -> labels on the SIMD kernels', () => {
  const regions = { order: [1, 0, 2], labels: [2, 1, 4] }; // MONAI BraTS: WT, then TC, then ET

  it("convertRegionsToLabels gives the scalar loop's labels (gt and gte, ties at the threshold)", async () => {
    const { convertRegionsToLabels } = await import('../../src/postprocess/segmentation/label-maps.js');
    const voxels = 16384 + 4099;
    const p = random(3 * voxels, 31);
    for (let v = 0; v < voxels; v += 9) p[voxels + v] = 0.5; // exactly at the threshold
    for (const comparison of ['gt', 'gte'] as const) {
      const { wasm, js } = both(() => convertRegionsToLabels(p, 3, { ...regions, comparison }));
      expect(wasm).toBeInstanceOf(Uint8Array);
      expect(Array.from(wasm)).toEqual(Array.from(js));
      expect(new Set(wasm)).toEqual(new Set([0, 1, 2, 4]));
    }
    // A threshold float32 cannot hold exactly takes the scalar loop (same result either way).
    const odd = both(() => convertRegionsToLabels(p, 3, { ...regions, threshold: 0.3 }));
    expect(Array.from(odd.wasm)).toEqual(Array.from(odd.js));
    const bad = Float32Array.from(p);
    bad[2 * voxels + 77] = Number.NaN;
    expect(() => convertRegionsToLabels(bad, 3, regions)).toThrow(/region channel 2 has NaN at voxel 77/);
  });

  it('invertRegionsToInputGrid equals invertToInputGrid + convertRegionsToLabels exactly (resampled, cropped, integer shift)', async () => {
    const { invertRegionsToInputGrid } = await import('../../src/preprocess/invert-argmax.js');
    const { convertRegionsToLabels } = await import('../../src/postprocess/segmentation/label-maps.js');
    const input = channels([37, 29, 17], 1, 2);
    const plans = [
      [
        { op: 'resample', spacing: [1.3, 0.8, 1.6], mode: 'linear', rule: 'monai' },
        { op: 'cropPad', mode: 'center', size: [24, 30, 12] },
      ],
      [{ op: 'cropPad', mode: 'center', size: [32, 32, 16] }],
    ];
    for (const plan of plans) {
      const { records, volume } = runPreprocessPlan(input, plan as never);
      const probs = channels(volume.geometry.size as [number, number, number], 3, 9);
      const fused = invertRegionsToInputGrid(probs, records, { ...regions, comparison: 'gte' });
      const twoSteps = convertRegionsToLabels(invertToInputGrid(probs, records, { interpolation: 'linear' }).data, 3, { ...regions, comparison: 'gte' });
      expect(fused).not.toBeNull();
      expect(Array.from(fused!)).toEqual(Array.from(twoSteps));
      expect(invertRegionsToInputGrid(probs, records, { order: [0], labels: [300] })).toBeNull();
    }
  });
});

describe('non-finite checks on the SIMD scan', () => {
  it('name the first offending element of large float32 arrays, past chunk boundaries, as the loops do', async () => {
    const { assertFiniteArray, assertNoNaN } = await import('../../src/postprocess/common/checks.js');
    const values = random(600_003, 4);
    expect(() => assertFiniteArray(values, 'field')).not.toThrow();
    values[400_001] = -Infinity;
    values[500_000] = Number.NaN;
    for (const on of [true, false]) {
      setVolumeKernelsEnabled(on);
      expect(() => assertFiniteArray(values, 'field')).toThrow(/field contains a non-finite value \(-Infinity\) at index 400001/);
      expect(() => assertNoNaN(values, 'logits')).toThrow(/logits contains NaN at index 500000/);
    }
  });
});
