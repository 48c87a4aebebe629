/**
 * Completed band planes labelled on a kernel worker during the next window's predict
 * (runSlidingWindowSlabs' labelling, postprocess/segmentation/band-finish.ts): from dist/, where
 * the worker script exists. The labels must be the same bytes as those of the serial path
 * (onSlab + the same activation and argmax / regions on this thread) at 1 thread, 2 threads
 * overlapped and 2 threads waited for; a failure on the worker must arrive as the typed error
 * the serial path throws; runs must not start new threads.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, noise } from '../helpers/lcg-noise.js';
import { bratsLikeInputs } from '../fixtures/segmentation/brats-like.js';

const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
const sdk = (await import(dist('node.js'))) as typeof import('../../src/node.js');
const sw = (await import(dist('runtime/sliding-window/sliding-window.js'))) as typeof import('../../src/runtime/sliding-window/sliding-window.js');
const blendSlabs = (await import(dist('postprocess/common/blend-slabs.js'))) as typeof import('../../src/postprocess/common/blend-slabs.js');
const band = (await import(dist('postprocess/segmentation/band-finish.js'))) as typeof import('../../src/postprocess/segmentation/band-finish.js');
const cutter = (await import(dist('runtime/sliding-window/window-cutter.js'))) as typeof import('../../src/runtime/sliding-window/window-cutter.js');
const kernels = (await import(dist('core/volume-kernels.js'))) as typeof import('../../src/core/volume-kernels.js');

const multi = availableParallelism() >= 2;
afterEach(() => sdk.configureKernelThreads({}));

// 3 rows of windows along axis 0 (two completions before the last batch), 4096-voxel planes.
const size = [80, 64, 64] as const;
const plane = size[1] * size[2];
const voxels = size[0] * plane;
const image = noise(voxels, 8, 11);
const input = { type: 'float32' as const, data: image, dims: [1, 1, ...size] };

/** Three channels from the window's one: distinct, finite, with ties broken differently per voxel. */
function predictor(nanAt?: number, made: Float32Array[] = []) {
  let calls = 0;
  return async (w: { data: Float32Array; dims: readonly number[] }) => {
    const n = w.data.length;
    const out = new Float32Array(3 * n);
    for (let p = 0; p < n; p++) {
      const v = w.data[p]!;
      out[p] = v;
      out[n + p] = 0.5 * v + 1;
      out[2 * n + p] = Math.fround(Math.sin(v * 3));
    }
    if (calls++ === nanAt) out[5] = Number.NaN;
    made.push(out);
    return { type: 'float32' as const, data: out, dims: [w.dims[0]!, 3, ...w.dims.slice(2)] };
  };
}

const SPECS: Record<string, import('../../src/postprocess/segmentation/band-finish.js').SlabLabelSpec> = {
  'softmax + argmax': { activations: ['softmax'], discrete: { op: 'argmax' } },
  'sigmoid + regions': { activations: ['sigmoid'], discrete: { op: 'regionsToLabels', options: { order: [0, 2], labels: [1, 4] } } },
};

/** The label map of one run, and which planes came from the worker. */
async function labelRun(spec: (typeof SPECS)[string], options: { blend: 'gaussian' | 'constant'; nanAt?: number; owned?: boolean }) {
  const labels = new Uint8Array(voxels);
  const fromWorker: number[] = [];
  const made: Float32Array[] = [];
  await sw.runSlidingWindowSlabs(
    input,
    predictor(options.nanAt, made),
    { roi: [32, 32, 32], overlap: 0.5, batch: 3, blend: options.blend },
    (slab, from) => labels.set(band.labelSlab(slab, 3, spec), from * plane),
    8,
    {
      labelling: {
        spec,
        onLabels: (part, from, planes) => {
          labels.set(part, from * plane);
          fromWorker.push(from, planes);
        },
      },
      ownsPredictions: options.owned ?? true,
    },
  );
  // Predictions handed to a worker without a copy are detached here.
  return { labels, fromWorker, transferred: made.filter((p) => p.buffer.byteLength === 0).length, predictions: made.length };
}

const SETTINGS = [
  { threads: 1, overlapWindows: true },
  { threads: 2, overlapWindows: true },
  { threads: 2, overlapWindows: false },
] as const;

describe('band planes labelled on a kernel worker (overlapWindows)', () => {
  // 'gaussian' (MONAI placement, clamped corners) normalises tile by tile, 'constant' by separable rows.
  it.runIf(multi)('the same label bytes as the serial path, for both blend modes and discretisations', async () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      for (const blend of ['gaussian', 'constant'] as const) {
        const runs = [];
        for (const s of SETTINGS) {
          sdk.configureKernelThreads({ ...s, minVoxels: 0 });
          runs.push(await labelRun(spec, { blend }));
        }
        // Only the overlapped threaded run hands planes to the worker: every completion, and the
        // upper half of the last batch's planes (labelled beside this thread's own slabs).
        expect(runs.map((r) => r.fromWorker.length > 0)).toEqual([false, true, false]);
        expect(runs[1]!.fromWorker[0]).toBe(0);
        expect(runs[1]!.fromWorker.at(-2)! + runs[1]!.fromWorker.at(-1)!).toBe(size[0]);
        for (const r of runs.slice(1)) expect(bytes(r.labels).equals(bytes(runs[0]!.labels)), `${name}, ${blend}`).toBe(true);
        // Overlapped: every batch's prediction but the last went to the worker (transferred; the
        // last one is added here, where its planes are finished); otherwise all copied here.
        expect(runs.map((r) => r.transferred)).toEqual([0, runs[1]!.predictions - 1, 0]);
        expect(new Set(runs[0]!.labels).size).toBeGreaterThan(1);
      }
    }
  });

  it.runIf(multi)('predictions not owned by the window are copied, never detached; the labels are the same', async () => {
    sdk.configureKernelThreads({ threads: 2, minVoxels: 0 });
    const kept = await labelRun(SPECS['softmax + argmax']!, { blend: 'gaussian', owned: false });
    const given = await labelRun(SPECS['softmax + argmax']!, { blend: 'gaussian' });
    expect(kept.transferred).toBe(0);
    expect(given.transferred).toBe(given.predictions - 1);
    expect(bytes(kept.labels).equals(bytes(given.labels))).toBe(true);
  });

  it.runIf(multi)('NaN in a window is the serial path typed InputError, and the next run is unaffected', async () => {
    const spec = SPECS['softmax + argmax']!;
    const errors = [];
    for (const s of SETTINGS) {
      sdk.configureKernelThreads({ ...s, minVoxels: 0 });
      // Window 0: its planes complete after the first batch, so the worker labels them (overlapped).
      errors.push(await labelRun(spec, { blend: 'gaussian', nanAt: 0 }).catch((e: unknown) => e));
    }
    for (const e of errors) {
      expect(e).toBeInstanceOf(Error);
      expect((e as { name: string }).name).toBe('InputError');
      expect((e as { code: string }).code).toBe('E_INPUT');
      expect((e as Error).message).toMatch(/NaN/);
    }
    expect((errors[1] as Error).message).toMatch(/kernel worker/);
    sdk.configureKernelThreads({ threads: 2, minVoxels: 0 });
    const again = await labelRun(spec, { blend: 'gaussian' });
    sdk.configureKernelThreads({ threads: 1 });
    const serial = await labelRun(spec, { blend: 'gaussian' });
    expect(again.fromWorker.length).toBeGreaterThan(0);
    expect(bytes(again.labels).equals(bytes(serial.labels))).toBe(true);
  });

  it('an add taken back from a worker after its prediction was transferred is refused (typed), never added as zeros', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const pred = new Float32Array(64).fill(1);
    // What postMessage's transfer list does to the caller's array.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(pred.buffer, [pred.buffer]);
    port1.close();
    port2.close();
    const accumulate = { memory, windows: new Int32Array(0), from: 0, channels: 1, strides: [4, 16, 64, 4, 16, 64] as const };
    const run = () => blendSlabs.ADD_KERNEL.run({ accumulate, extent: 4, pred, predAt: 0, predLength: 64 }, 0, 1);
    expect(run).toThrow(expect.objectContaining({ name: 'UnsupportedError', code: 'E_UNSUPPORTED' }));
  });

  it.runIf(multi)(
    'a windowed 3D U-Net labels the same and writes the same .nii.gz through runToSink at 1 thread and overlapped',
    async () => {
      // Windows of 32^3 over the 48x64x64 tensor: two rows along its first axis, one band job per run (checked).
      const manifest = await sdk.readManifestFile();
      const entry = {
        ...structuredClone(manifest.models['medinfer-brats-unet3d-phantom']!),
        id: 'brats-windowed',
        inference: { mode: 'slidingWindow' as const, roi: [32, 32, 32], overlap: 0.5, blend: 'gaussian' as const, placement: 'nnunet' as const },
      };
      const inputs = bratsLikeInputs();
      const dir = await mkdtemp(join(tmpdir(), 'medinfer-band-'));
      try {
        const out = [];
        for (const s of SETTINGS) {
          sdk.configureKernelThreads({ ...s, minVoxels: 0 });
          const pipe = await sdk.createPipeline('segmentation', entry, { provider: 'cpu', threads: 1 });
          const file = join(dir, `${s.threads}-${s.overlapWindows}.nii.gz`);
          const labels = (await pipe.run(inputs)).labels;
          const written = await pipe.runToSink(inputs, sdk.createNiftiFileSink(file));
          await pipe.dispose();
          out.push({ labels: bytes(labels.data), file: await readFile(file), volumes: written.volumesMl });
        }
        for (const o of out.slice(1)) {
          expect(o.labels.equals(out[0]!.labels)).toBe(true);
          expect(o.file.equals(out[0]!.file)).toBe(true);
          expect(o.volumes).toEqual(out[0]!.volumes);
        }
        expect(new Set(out[0]!.labels).size).toBeGreaterThan(1);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it.runIf(multi)("a cutter on the previous run's arena and feed buffer, poisoned, cuts every window as a fresh one", () => {
    sdk.configureKernelThreads({ threads: 2, minVoxels: 0 });
    const grid = { size: [...size], roi: [16, 16, 16], padBefore: [0, 0, 0], starts: [] };
    const starts = [
      [0, 0, 0],
      [70, 50, 55], // overhangs: padded voxels
    ];
    // One int16 channel under an affine16 map (the deferred z-score's form), as a BraTS input.
    const input16 = (seed: number) => {
      const ints = Int16Array.from({ length: voxels }, (_, p) => ((p * 2654435761 + seed * 977) >>> 16) - 32768);
      const value = (x: number) => Math.fround(Math.fround(x - 12.5) * Math.fround(1 / 300));
      return {
        type: 'float32' as const,
        dims: [1, 1, ...size],
        strides: [voxels, voxels, 1, size[0], size[0] * size[1]],
        length: voxels,
        read: (start: number, count: number, out: Float32Array, at: number) => {
          for (let q = 0; q < count; q++) out[at + q] = value(ints[start + q]!);
        },
        affine16: { channels: [ints], subtract: [Math.fround(12.5)], multiply: [Math.fround(1 / 300)], zeroStays: false },
      };
    };
    const first = new cutter.WindowCutter(input16(1), grid, 2, -3.5);
    expect(first.overlapped).toBe(true);
    const feed = first.cut(starts);
    first.dispose();
    // The spare feed buffer and the spare arena memory (taken by an arena of the cutter's blocks) poisoned with NaN.
    feed.fill(Number.NaN);
    const spare = kernels.createKernelArena([2 * 16 ** 3 * 4, voxels * 2], { shared: true, reusable: true })!;
    spare.u8.fill(0xff);
    kernels.releaseKernelArena(spare);
    const second = new cutter.WindowCutter(input16(2), grid, 2, -3.5);
    const got = second.cut(starts);
    expect(got).toBe(feed);
    second.dispose();
    kernels.setVolumeKernelsEnabled(false);
    const want = new cutter.WindowCutter({ ...input16(2), affine16: undefined }, grid, 2, -3.5).cut(starts);
    kernels.setVolumeKernelsEnabled(true);
    expect(bytes(got).equals(bytes(want))).toBe(true);
    expect(got.some((v) => v === -3.5) && got.some((v) => v > 0)).toBe(true);
  });

  it.runIf(multi && existsSync('/proc/self/task'))('repeated runs start no threads beyond the pool', async () => {
    sdk.configureKernelThreads({ threads: 2, minVoxels: 0 });
    await labelRun(SPECS['softmax + argmax']!, { blend: 'gaussian' });
    const before = readdirSync('/proc/self/task').length;
    for (let r = 0; r < 3; r++) await labelRun(SPECS['softmax + argmax']!, { blend: 'gaussian' });
    expect(readdirSync('/proc/self/task').length).toBe(before);
  });
});
