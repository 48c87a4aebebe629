/**
 * The segmentation volume kernels on worker threads (activations, label mapping, separable
 * trilinear resampling): tested from dist/, where the worker script exists (`npm test` builds
 * first). At sizes above each family's crossover the threaded result must be the same bytes as
 * the single-threaded one, and the threaded path must really have run (outputs on shared memory,
 * or the kernel split explicitly with runSlabs).
 */
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, noise, shared } from '../helpers/lcg-noise.js';

const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
const sdk = (await import(dist('node.js'))) as typeof import('../../src/node.js');
const pool = (await import(dist('core/threads/slab-pool.js'))) as typeof import('../../src/core/threads/slab-pool.js');
const act = (await import(dist('postprocess/common/activations-simd.js'))) as typeof import('../../src/postprocess/common/activations-simd.js');
const actOps = (await import(dist('postprocess/classification/activations.js'))) as typeof import('../../src/postprocess/classification/activations.js');
const maps = (await import(dist('postprocess/segmentation/label-maps.js'))) as typeof import('../../src/postprocess/segmentation/label-maps.js');
const simdMaps = (await import(dist('postprocess/segmentation/argmax-simd.js'))) as typeof import('../../src/postprocess/segmentation/argmax-simd.js');
const thr = (await import(dist('postprocess/segmentation/threshold-labels.js'))) as typeof import('../../src/postprocess/segmentation/threshold-labels.js');
const sep = (await import(dist('preprocess/separable-trilinear.js'))) as typeof import('../../src/preprocess/separable-trilinear.js');
const grid = (await import(dist('preprocess/resample-grid.js'))) as typeof import('../../src/preprocess/resample-grid.js');
const sw = (await import(dist('runtime/sliding-window/sliding-window.js'))) as typeof import('../../src/runtime/sliding-window/sliding-window.js');
const blendSlabs = (await import(dist('postprocess/common/blend-slabs.js'))) as typeof import('../../src/postprocess/common/blend-slabs.js');
const cutter = (await import(dist('runtime/sliding-window/window-cutter.js'))) as typeof import('../../src/runtime/sliding-window/window-cutter.js');

const multi = availableParallelism() >= 2;
const one = () => sdk.configureKernelThreads({ threads: 1 });
const two = () => sdk.configureKernelThreads({ threads: 2 });
/** Two threads, each window batch blended before the next window is predicted (no overlap with the predictor). */
const twoSerial = () => sdk.configureKernelThreads({ threads: 2, overlapWindows: false });
/** Threads and overlapWindows: single-threaded, threads overlapped with the predictor, threads waited for. */
const SETTINGS = [
  [1, true],
  [2, true],
  [2, false],
] as const;

afterEach(() => sdk.configureKernelThreads({}));

describe('threaded segmentation kernels (Node worker_threads over SharedArrayBuffer)', () => {
  // Activations / label maps: 4 channels of an odd voxel count above both crossovers.
  const channels = 4;
  // Regions read 3 of the 4 channels: above the crossover too.
  const voxels = Math.ceil((1.3 * Math.max(act.ACTIVATION_CROSSOVER, simdMaps.LABEL_MAP_CROSSOVER)) / 3) | 1;
  const logits = noise(channels * voxels, 30, 5);

  it.runIf(multi)('sigmoid and softmax in place: the same bytes at 1 and 2 threads', () => {
    for (const op of ['sigmoid', 'softmax'] as const) {
      const a = pool.asShared(logits.slice());
      const b = pool.asShared(logits.slice());
      one();
      if (op === 'sigmoid') actOps.applySigmoid(a, a);
      else actOps.applySoftmaxChannelsInPlace(a, channels);
      two();
      if (op === 'sigmoid') actOps.applySigmoid(b, b);
      else actOps.applySoftmaxChannelsInPlace(b, channels);
      expect(bytes(b).equals(bytes(a))).toBe(true);
      expect(a[7]).not.toBe(logits[7]);
    }
  });

  it('activation kernels split into uneven slabs (3 threads) give the single-threaded bytes', () => {
    const units = Math.floor(logits.length / 4);
    const a = pool.asShared(logits.slice());
    const b = pool.asShared(logits.slice());
    act.SIGMOID_KERNEL.run({ data: a }, 0, units);
    pool.runSlabs(act.SIGMOID_KERNEL, { data: b }, units, 3);
    expect(bytes(b).equals(bytes(a))).toBe(true);
    const c = pool.asShared(logits.slice());
    const d = pool.asShared(logits.slice());
    const vox = Math.floor(voxels / 4);
    act.SOFTMAX_KERNEL.run({ data: c, channels }, 0, vox);
    pool.runSlabs(act.SOFTMAX_KERNEL, { data: d, channels }, vox, 3);
    expect(bytes(d).equals(bytes(c))).toBe(true);
    // Started on the workers only (the caller free until it waits), as overlapped window blending does.
    const e = pool.asShared(logits.slice());
    const wait = pool.startSlabs(act.SOFTMAX_KERNEL, { data: e, channels }, vox, 3);
    expect(wait()).toBe(0);
    expect(bytes(e).equals(bytes(c))).toBe(true);
    const withNaN = pool.asShared(logits.slice());
    withNaN[withNaN.length - 3] = Number.NaN;
    expect(pool.runSlabs(act.SCAN_NON_FINITE_KERNEL, { data: withNaN, finite: false }, Math.ceil(withNaN.length / 4), 3)).toBe(1);
  });

  it.runIf(multi)('argmax, regionsToLabels and threshold: the same labels at 1 and 2 threads, shared output when threaded', () => {
    const data = pool.asShared(logits);
    const regions = { order: [1, 0, 3], labels: [2, 1, 4], comparison: 'gte' as const, threshold: 0.25 };
    one();
    const argmax1 = maps.argmaxChannels(data, channels);
    const regions1 = maps.convertRegionsToLabels(data, channels, regions);
    const threshold1 = thr.thresholdLabels(data, 0.5);
    two();
    const argmax2 = maps.argmaxChannels(data, channels);
    const regions2 = maps.convertRegionsToLabels(data, channels, regions);
    const threshold2 = thr.thresholdLabels(data, 0.5);
    for (const [a, b] of [
      [argmax1, argmax2],
      [regions1, regions2],
      [threshold1, threshold2],
    ] as const) {
      expect(shared(a)).toBe(false);
      expect(shared(b)).toBe(true);
      expect(bytes(b).equals(bytes(a))).toBe(true);
    }
    // Every label occurs: the maps are exercised.
    expect(new Set(argmax1).size).toBe(channels);
    expect(new Set(regions1).size).toBe(4);
  });

  it.runIf(multi)('a NaN found on a thread is reported as the single-threaded InputError', () => {
    const data = pool.asShared(logits.slice());
    const at = 2 * voxels + voxels - 5;
    data[at] = Number.NaN;
    two();
    expect(() => maps.argmaxChannels(data, channels)).toThrow(/channel 2 has NaN at voxel/);
    expect(() => maps.argmaxChannels(data, channels)).toThrow(sdk.InputError);
  });

  // Resampling: 3 channels from 61x55x41 onto 121x105x85 (scale and shift, no rotation), above the crossover.
  const srcSize: [number, number, number] = [61, 55, 41];
  const outSize: [number, number, number] = [121, 105, 85];
  const src = noise(3 * srcSize[0] * srcSize[1] * srcSize[2], 10, 9);
  const transform = { axes: [0, 1, 2], scale: [0.5, 0.52, 0.48], offset: [-0.3, 0.2, 0.1] };
  const tables = grid.buildTransformTables(transform as never, srcSize, outSize, true, 'fill');
  const source = { src, srcSize, channels: 3, outSize, tables, fill: 0 };

  it.runIf(multi)('separable trilinear resampling and its fused label maps: the same bytes at 1 and 2 threads', () => {
    expect(3 * outSize[0] * outSize[1] * outSize[2]).toBeGreaterThan(sep.RESAMPLE_CROSSOVER);
    const a = sep.sampleTrilinearSeparable(source, 1)!;
    const b = sep.sampleTrilinearSeparable(source, 2)!;
    expect(shared(a)).toBe(false);
    expect(shared(b)).toBe(true);
    expect(bytes(b).equals(bytes(a))).toBe(true);
    for (const how of [{ kind: 'argmax' }, { kind: 'regions', order: [2, 0, 1], labels: [3, 1, 2], threshold: 0.5, gte: false }] as const) {
      const l1 = sep.labelsTrilinearSeparable(source, how, 1)!;
      const l2 = sep.labelsTrilinearSeparable(source, how, 2)!;
      expect(shared(l2)).toBe(true);
      expect(bytes(l2).equals(bytes(l1))).toBe(true);
      expect(new Set(l1).size).toBeGreaterThanOrEqual(3);
    }
  });

  it('resampling kernels over 3 uneven slabs give the single-threaded bytes; a NaN is the typed error', () => {
    const plane = outSize[0] * outSize[1];
    const out = pool.sharedArray(Float32Array, 3 * plane * outSize[2]);
    pool.runSlabs(sep.SAMPLE_SEPARABLE_KERNEL, { s: { ...source, src: pool.asShared(src) }, out }, outSize[2], 3);
    expect(bytes(out).equals(bytes(sep.sampleTrilinearSeparable(source, 1)!))).toBe(true);
    const nan = src.slice();
    nan[srcSize[0] * srcSize[1] * srcSize[2] + 500] = Number.NaN;
    expect(() => sep.labelsTrilinearSeparable({ ...source, src: nan }, { kind: 'argmax' }, multi ? 2 : 1)).toThrow(sdk.InputError);
  });

  it.runIf(multi)('sliding-window blending, then softmax and argmax on its output: the same bytes at 1 and 2 threads', async () => {
    // 3 output channels of 128x120x100 from 64^3 windows, 4 a batch: output and batches above the crossovers.
    const dims = [1, 1, 128, 120, 100];
    const input = { type: 'float32' as const, data: noise(128 * 120 * 100, 4, 21), dims };
    const predict = async (w: { data: Float32Array; dims: readonly number[] }) => {
      const [b, , ...roi] = w.dims as number[];
      const n = roi[0]! * roi[1]! * roi[2]!;
      const out = new Float32Array(b! * 3 * n);
      for (let i = 0; i < b!; i++)
        for (let c = 0; c < 3; c++)
          for (let v = 0; v < n; v++) {
            const x = w.data[i * n + v]!;
            out[(i * 3 + c) * n + v] = c === 1 ? 1 - x * x : x * (c - 1);
          }
      return { type: 'float32' as const, data: out, dims: [b!, 3, ...roi] };
    };
    expect(4 * 3 * 64 ** 3).toBeGreaterThan(blendSlabs.BLEND_BATCH_CROSSOVER);
    expect(3 * 128 * 120 * 100).toBeGreaterThan(blendSlabs.BLEND_CROSSOVER);
    const results = [];
    const overlapped = [];
    for (const set of [one, two, twoSerial]) {
      set();
      overlapped.push(pool.overlapWindows());
      for (const blend of ['gaussian', 'constant'] as const) {
        const out = await sw.runSlidingWindow(input, predict, { roi: [64, 64, 64], overlap: 0.5, batch: 4, blend });
        const activated = actOps.applySoftmaxChannelsInPlace(out.data.slice(), 3);
        const inPlace = actOps.applySoftmaxChannelsInPlace(out.data, 3);
        results.push({ shared: shared(out.data), blended: Buffer.from(bytes(activated)), inPlace, labels: maps.argmaxChannels(inPlace, 3) });
      }
    }
    // Threads blend overlapped with the predictor by default; overlapWindows: false waits for each batch.
    expect(overlapped).toEqual([false, true, false]);
    expect(results.map((r) => r.shared)).toEqual([false, false, true, true, true, true]);
    for (const k of [0, 1])
      for (const other of [k + 2, k + 4]) {
        const [a, b] = [results[k]!, results[other]!];
        expect(b.blended.equals(a.blended)).toBe(true);
        expect(bytes(b.inPlace).equals(bytes(a.inPlace))).toBe(true);
        expect(bytes(b.labels).equals(bytes(a.labels))).toBe(true);
        expect(new Set(a.labels).size).toBe(3);
      }
  });

  it.runIf(multi)('windows of 16-bit channels cut on a worker (startCut) equal the ones cut here, pads included', () => {
    // 'ijk' order (first tensor axis along the stored rows) with an affine16 map: the cutter's planes16 mode.
    const size = [37, 29, 43];
    const n = size[0]! * size[1]! * size[2]!;
    const ints = [0, 1].map((c) => Int16Array.from({ length: n }, (_, p) => (p % 7 === 0 ? 0 : ((p * 2654435761 + c * 977) >>> 16) - 32768)));
    const input = {
      type: 'float32' as const,
      dims: [1, 2, ...size],
      strides: [2 * n, n, 1, size[0]!, size[0]! * size[1]!],
      length: 2 * n,
      read: () => {
        throw new Error('not read: the 16-bit channels are cut directly');
      },
      affine16: {
        channels: ints,
        subtract: [Math.fround(103.7), Math.fround(-5.25)],
        multiply: [Math.fround(1 / 37.1), Math.fround(1 / 0.3)],
        zeroStays: true,
      },
    };
    const grid = { size, roi: [13, 10, 21], padBefore: [0, 0, 0], starts: [] };
    const batches = [
      [
        [0, 0, 0],
        [24, 19, 22],
      ],
      [
        [30, 25, 30],
        [-5, -2, -9],
      ],
      [[11, 7, 5]],
    ];
    one();
    const here = new cutter.WindowCutter(input, grid, 2, -3.5);
    expect(here.overlapped).toBe(false);
    const want = batches.map((b) => Buffer.from(bytes(here.cut(b))));
    two();
    const ahead = new cutter.WindowCutter(input, grid, 2, -3.5);
    expect(ahead.overlapped).toBe(true);
    const got = batches.map((b) => Buffer.from(bytes(ahead.startCut(b)())));
    got.forEach((g, k) => expect(g.equals(want[k]!)).toBe(true));
    expect(Buffer.from(bytes(ahead.cut(batches[1]!))).equals(want[1]!)).toBe(true);
    twoSerial();
    expect(new cutter.WindowCutter(input, grid, 2, -3.5).overlapped).toBe(false);
  });

  it.runIf(multi)('banded blending (runSlidingWindowSlabs) and its slabs: the same bytes at 1 and 2 threads', async () => {
    // Small (64x60x50, 32^3 windows): the crossover is switched off to put every band pass on the threads.
    const dims = [1, 1, 64, 60, 50];
    const input = { type: 'float32' as const, data: noise(64 * 60 * 50, 4, 23), dims };
    const predict = async (w: { data: Float32Array; dims: readonly number[] }) => {
      const out = new Float32Array(2 * w.data.length);
      const n = w.data.length / w.dims[0]!;
      for (let i = 0; i < w.dims[0]!; i++) for (let c = 0; c < 2; c++) for (let v = 0; v < n; v++) out[(i * 2 + c) * n + v] = w.data[i * n + v]! * (c - 0.5);
      return { type: 'float32' as const, data: out, dims: [w.dims[0]!, 2, ...w.dims.slice(2)] };
    };
    const runs = [];
    for (const [threads, overlapWindows] of SETTINGS) {
      sdk.configureKernelThreads({ threads, minVoxels: 0, overlapWindows });
      for (const placement of ['monai', 'nnunet'] as const) {
        const parts: Buffer[] = [];
        const sharedSlabs: boolean[] = [];
        await sw.runSlidingWindowSlabs(input, predict, { roi: [32, 32, 32], overlap: 0.5, batch: 2, placement }, (slab) => {
          sharedSlabs.push(shared(slab));
          parts.push(Buffer.from(bytes(actOps.applySigmoid(slab, slab))));
        });
        runs.push({ bytes: Buffer.concat(parts), shared: sharedSlabs.every((x) => x) });
      }
    }
    expect(runs.map((r) => r.shared)).toEqual([false, false, true, true, true, true]);
    for (const k of [2, 4]) {
      expect(runs[k]!.bytes.equals(runs[0]!.bytes)).toBe(true);
      expect(runs[k + 1]!.bytes.equals(runs[1]!.bytes)).toBe(true);
    }
  });

  it.runIf(multi)(
    'a segmentation pipeline (bundled 3D U-Net, sliding window) gives the same labels and probabilities at 1 and 2 threads',
    async () => {
      // Crossovers off: every threaded pass of the pipeline runs on this small phantom.
      const size: [number, number, number] = [64, 64, 44];
      // A bright blob in a dimmer ellipsoid, zero outside (skull-stripped MRI-like): tumour labels occur.
      const modality = (seed: number) => {
        const data = new Int16Array(size[0] * size[1] * size[2]);
        for (let k = 0, v = 0; k < size[2]; k++)
          for (let j = 0; j < size[1]; j++)
            for (let i = 0; i < size[0]; i++, v++) {
              if (((i - 32) / 28) ** 2 + ((j - 30) / 26) ** 2 + ((k - 22) / 20) ** 2 > 1) continue;
              const blob = ((i - 40) / 9) ** 2 + ((j - 26) / 8) ** 2 + ((k - 20) / 7) ** 2 < 1;
              data[v] = 300 + seed * 40 + (blob ? 500 + seed * 90 : 0) + (((i * 7919 + j * 104729 + k * 1299709 + seed * 15485863) % 97) - 48);
            }
        return sdk.createVolume({ geometry: { size, spacing: [1.5, 1.5, 1.5], origin: [-40, 20, 5] }, data });
      };
      const manifest = await sdk.readManifestFile();
      const entry = {
        ...structuredClone(manifest.models['medinfer-brats-unet3d-phantom']!),
        id: 'brats-windowed',
        inference: { mode: 'slidingWindow' as const, roi: [32, 32, 32], overlap: 0.5, blend: 'gaussian' as const, placement: 'monai' as const },
      };
      const inputs = { t1: modality(1), t1ce: modality(2), t2: modality(3), flair: modality(4) };
      const results = [];
      for (const [threads, overlapWindows] of SETTINGS) {
        sdk.configureKernelThreads({ threads, minVoxels: 0, overlapWindows });
        const pipe = await sdk.createPipeline('segmentation', entry, { provider: 'cpu', threads: 1 });
        const streamed = await pipe.run(inputs);
        const whole = await pipe.run(inputs, { probabilities: true });
        await pipe.dispose();
        results.push({ streamed: bytes(streamed.labels.data), whole: bytes(whole.labels.data), probabilities: bytes(whole.probabilities!.data) });
      }
      const [a, ...others] = results as [(typeof results)[0], ...(typeof results)[0][]];
      for (const b of others) {
        expect(b.streamed.equals(a.streamed)).toBe(true);
        expect(b.whole.equals(a.whole)).toBe(true);
        expect(b.probabilities.equals(a.probabilities)).toBe(true);
      }
      expect(new Set(a.streamed).size).toBeGreaterThan(1);
    },
    60_000,
  );
});
