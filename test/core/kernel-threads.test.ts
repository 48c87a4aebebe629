/**
 * Volume kernels on worker threads (core/threads/): tested from dist/, where the worker script
 * exists (`npm test` builds first). Threaded results must be bit-identical to the
 * single-threaded ones, and the threaded path must really have run (outputs on shared memory).
 */
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { bytes, noise, shared } from '../helpers/lcg-noise.js';
import { loadArray, maxAbsDiff, shapeOf } from '../postprocess/reference.js';

const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
const sdk = (await import(dist('node.js'))) as typeof import('../../src/node.js');
const ops = (await import(dist('ops.js'))) as typeof import('../../src/ops.js');
const pool = (await import(dist('core/threads/slab-pool.js'))) as typeof import('../../src/core/threads/slab-pool.js');
const jobs = (await import(dist('core/threads/slab-job.js'))) as typeof import('../../src/core/threads/slab-job.js');
const warpMod = (await import(dist('postprocess/registration/warp.js'))) as typeof import('../../src/postprocess/registration/warp.js');

// Above the default crossover (2^18 voxels), odd sizes so slabs and rows do not divide evenly.
const size: [number, number, number] = [67, 61, 71];
const voxels = size[0] * size[1] * size[2];
const oblique = sdk.createGeometry({ size, spacing: [0.9, 1.2, 2.5], origin: [-10, 5, 30], direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] });
const velocity = sdk.createVolume({ geometry: oblique, data: noise(3 * voxels, 8, 7), components: 3 });
const image = sdk.createVolume({ geometry: oblique, data: noise(voxels, 200, 11) });
const labels = sdk.createVolume({ geometry: oblique, data: Uint8Array.from(noise(voxels, 14, 13), (x) => Math.round(x + 7)) });

afterEach(() => sdk.configureKernelThreads({}));
// A pass's thread count is capped at the cores: the op-level checks need 2 (runSlabs below does not).
const multi = availableParallelism() >= 2;

describe('threaded volume kernels (Node worker_threads over SharedArrayBuffer)', () => {
  it.runIf(multi)('integrateVelocity, warpVolume and computeJacobianDeterminant are bit-identical at 1 and 2 threads', () => {
    for (const padding of ['zeros', 'border'] as const) {
      const one = ops.integrateVelocity(velocity, { steps: 5, padding, threads: 1 });
      const two = ops.integrateVelocity(velocity, { steps: 5, padding, threads: 2 });
      expect(shared(one.data)).toBe(false);
      expect(shared(two.data)).toBe(true);
      expect(bytes(two.data).equals(bytes(one.data))).toBe(true);
    }
    const u = ops.integrateVelocity(velocity, { steps: 3, threads: 1 });
    const umm = ops.convertFieldToMm(u);
    for (const [moving, interpolation, units] of [
      [image, 'linear', 'voxel'],
      [labels, 'nearest', 'voxel'],
      [image, 'linear', 'mm'],
    ] as const) {
      for (const padding of ['zeros', 'border'] as const) {
        const field = units === 'mm' ? umm : u;
        const one = ops.warpVolume(moving, field, { interpolation, padding, units, threads: 1 });
        const two = ops.warpVolume(moving, field, { interpolation, padding, units, threads: 2 });
        expect(two.type).toBe(one.type);
        expect(shared(two.data)).toBe(true);
        expect(bytes(two.data).equals(bytes(one.data))).toBe(true);
      }
    }
    for (const units of ['voxel', 'mm'] as const) {
      const field = units === 'mm' ? umm : u;
      const one = ops.computeJacobianDeterminant(field, { units, threads: 1 });
      const two = ops.computeJacobianDeterminant(field, { units, threads: 2 });
      expect(shared(two.determinant.data)).toBe(true);
      expect(bytes(two.determinant.data).equals(bytes(one.determinant.data))).toBe(true);
      expect(two.foldedVoxels).toBe(one.foldedVoxels);
      expect(one.foldedVoxels).toBeGreaterThan(0); // the noise field folds: the count is exercised
    }
  });

  it('more slabs than cores, uneven: the same bytes, and matches VoxelMorph SpatialTransformer', () => {
    // The reference fixture (scripts/reference/postprocess/make_fixtures.py) is far below the
    // crossover: runSlabs with an explicit thread count splits it anyway.
    const shape = shapeOf('warp_image'); // [k, j, i]
    const fixed = [shape[2]!, shape[1]!, shape[0]!];
    const field = pool.asShared(loadArray('warp_field', 'float32'));
    const moving = { data: pool.asShared(loadArray('warp_image', 'float32')), size: fixed, components: 1 };
    for (const padding of ['zeros', 'border'] as const) {
      const out = pool.sharedArray(Float32Array, fixed[0]! * fixed[1]! * fixed[2]!);
      const args = { moving, field, fixedSize: fixed, mapping: warpMod.IDENTITY_MAPPING, interpolation: 'linear' as const, padding, out };
      pool.runSlabs(warpMod.RESAMPLE_FIELD_KERNEL, args, fixed[2]!, 3);
      const single = new Float32Array(out.length);
      warpMod.resampleThroughField(moving, field, fixed, warpMod.IDENTITY_MAPPING, 'linear', padding, single);
      expect(bytes(out).equals(bytes(single))).toBe(true);
      expect(maxAbsDiff(out, loadArray(`warp_bilinear_${padding}`, 'float64'))).toBeLessThan(1e-5);
    }
  });

  it.runIf(multi)('stays single-threaded below the crossover, with threads: 1, and when configured to 1', () => {
    const small = sdk.createVolume({ geometry: sdk.createGeometry({ size: [20, 20, 20] }), data: noise(3 * 8000, 2, 3), components: 3 });
    expect(shared(ops.integrateVelocity(small).data)).toBe(false);
    expect(shared(ops.integrateVelocity(velocity, { steps: 1 }).data)).toBe(true);
    sdk.configureKernelThreads({ threads: 1 });
    expect(pool.kernelThreads()).toBe(1);
    expect(shared(ops.integrateVelocity(velocity, { steps: 1 }).data)).toBe(false);
    sdk.configureKernelThreads({ minVoxels: 0 });
    expect(shared(ops.integrateVelocity(small, { steps: 1 }).data)).toBe(true);
  });

  it('rejects bad thread counts and reports a failure on a worker instead of hanging', () => {
    expect(() => ops.integrateVelocity(velocity, { threads: 0 })).toThrow(sdk.UsageError);
    expect(() => sdk.configureKernelThreads({ threads: 1.5 })).toThrow(sdk.UsageError);
    expect(() => sdk.configureKernelThreads({ minVoxels: -1 })).toThrow(sdk.UsageError);
    const unknown = { name: 'not-in-the-worker-table', run: () => 0 };
    expect(() => pool.runSlabs(unknown, {}, 4, 2)).toThrow(/failed on a worker thread: no kernel 'not-in-the-worker-table'/);
    // A job never delivered (a stuck worker) is taken back and run by the caller: no hang.
    const ranges: [number, number][] = [
      [0, 2],
      [2, 5],
      [5, 9],
    ];
    const t0 = performance.now();
    const wait = jobs.dispatchSlabJobs(
      'any',
      {},
      ranges,
      () => undefined,
      (k0, k1) => 100 * k0 + k1,
    );
    expect(wait()).toEqual([205, 509]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(jobs.CLAIM_AFTER_MS * 0.9);
    // The pool still works afterwards.
    if (multi) expect(shared(ops.integrateVelocity(velocity, { steps: 1, threads: 2 }).data)).toBe(true);
  });
});
