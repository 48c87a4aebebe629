/**
 * zscore deferred into the windows (runPreprocessPlan `view`, deferred-zscore.ts) against the
 * steps run eagerly (fuse: false): the same values bit for bit, read run by run or materialised,
 * the same records, and the same sliding-window output. Volumes with 4-channel int16 data whose
 * channel length is not a multiple of 4 (the SIMD kernel's tail elements) and above / below the
 * 4096-voxel SIMD threshold; a divisible pad that grows every axis, so a wrong channel or row
 * offset shows.
 */
import { describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../../src/core/volume.js';
import type { DeferredTensorView } from '../../src/core/tensor.js';
import { runPreprocessPlan } from '../../src/preprocess/run-plan.js';
import { normalizeZscore } from '../../src/preprocess/zscore.js';
import { runSlidingWindow } from '../../src/runtime/sliding-window/sliding-window.js';

function modality(size: [number, number, number], seed: number): Volume {
  const n = size[0] * size[1] * size[2];
  const data = new Int16Array(n);
  // Background zeros (the nonzero mask) around a body of values spread over negatives and 12 bits.
  for (let p = 0; p < n; p++) {
    const i = p % size[0];
    data[p] = i < 2 ? 0 : ((p * (2654435761 + seed)) >>> 20) - 1200 + seed * 37;
  }
  return createVolume({ geometry: { size, spacing: [0.7, 0.8, 1.25], origin: [1, 2, 3], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, data });
}

function inputs(size: [number, number, number]): Record<string, Volume> {
  return { t1: modality(size, 1), t1ce: modality(size, 2), t2: modality(size, 3), flair: modality(size, 4) };
}

const stack = { op: 'stackChannels', order: ['t1', 't1ce', 't2', 'flair'] };

function readAll(view: DeferredTensorView): Float32Array {
  const out = new Float32Array(view.length);
  const per = view.length / view.dims[1]!;
  // Odd run lengths and starts: a run's values must not depend on where it starts.
  for (let c = 0; c < view.dims[1]!; c++) for (let p = 0; p < per; p += 997) view.read(c * per + p, Math.min(997, per - p), out, c * per + p);
  return out;
}

describe('zscore deferred into the windows', () => {
  for (const size of [
    [37, 29, 23],
    [13, 11, 7],
  ] as [number, number, number][]) {
    for (const channelWise of [true, false]) {
      it(`same tensor and records as the eager steps (${size.join('x')}, channelWise ${channelWise})`, () => {
        const plan = [stack, { op: 'zscore', nonzero: true, channelWise }, { op: 'cropPad', mode: 'divisible', k: 8 }, { op: 'toTensor', layout: 'NCDHW' }];
        const deferred = runPreprocessPlan(inputs(size), plan, { view: true });
        const eager = runPreprocessPlan(inputs(size), plan, { view: true, fuse: false });
        expect(deferred.deferred).toBeDefined();
        expect(deferred.records).toEqual(eager.records);
        expect(deferred.deferred!.dims).toEqual(eager.tensor.dims);
        const values = readAll(deferred.deferred!);
        expect(Buffer.from(values.buffer).equals(Buffer.from(eager.tensor.data.buffer))).toBe(true);
        // Materialised on access: the same tensor and volume as the eager run.
        expect(Buffer.from(deferred.tensor.data.buffer).equals(Buffer.from(eager.tensor.data.buffer))).toBe(true);
        expect(deferred.volume.geometry).toEqual(eager.volume.geometry);
        expect(deferred.volume.frames).toBe(4);
      });
    }
  }

  for (const axisOrder of ['kji', 'ijk'] as const) {
    it(`without view (a whole tensor): the same tensor as the eager steps, contiguous, no view handed out (axisOrder ${axisOrder})`, () => {
      const plan = [
        stack,
        { op: 'zscore', nonzero: true, channelWise: true },
        { op: 'cropPad', mode: 'divisible', k: 8 },
        { op: 'toTensor', layout: 'NCDHW', axisOrder },
      ];
      const whole = runPreprocessPlan(inputs([37, 29, 23]), plan);
      const eager = runPreprocessPlan(inputs([37, 29, 23]), plan, { fuse: false });
      expect(whole.deferred).toBeUndefined();
      expect(whole.tensor.strides).toBeUndefined();
      expect(whole.records).toEqual(eager.records);
      expect(whole.tensor.dims).toEqual(eager.tensor.dims);
      expect(Buffer.from(whole.tensor.data.buffer).equals(Buffer.from(eager.tensor.data.buffer))).toBe(true);
    });
  }

  it('the same input in every slot: read and cropped once, same tensor as the stacked copy', () => {
    const one = modality([37, 29, 23], 7);
    const slots = { t1: one, t1ce: one, t2: one, flair: one };
    const plan = [stack, { op: 'zscore', nonzero: true, channelWise: true }, { op: 'cropPad', mode: 'divisible', k: 8 }, { op: 'toTensor', layout: 'NCDHW' }];
    const deferred = runPreprocessPlan(slots, plan, { view: true });
    const eager = runPreprocessPlan(slots, plan, { view: true, fuse: false });
    expect(deferred.records).toEqual(eager.records);
    expect(Buffer.from(readAll(deferred.deferred!).buffer).equals(Buffer.from(eager.tensor.data.buffer))).toBe(true);
  });

  it('element values do not depend on the run they are normalised in (SIMD tail)', () => {
    const v = modality([31, 17, 9], 5);
    const whole = normalizeZscore(v, { nonzero: false, channelWise: false }).volume.data as Float32Array;
    const plan = [
      { op: 'zscore', nonzero: false, channelWise: false },
      { op: 'toTensor', layout: 'NCDHW' },
    ];
    const view = runPreprocessPlan(v, plan, { view: true }).deferred!;
    expect(Buffer.from(readAll(view).buffer).equals(Buffer.from(whole.buffer))).toBe(true);
  });

  it('is not deferred where the steps after it would change (zero padding without nonzero, a foreground crop, float input)', () => {
    const padded = [
      stack,
      { op: 'zscore', nonzero: false, channelWise: true },
      { op: 'cropPad', mode: 'divisible', k: 8 },
      { op: 'toTensor', layout: 'NCDHW' },
    ];
    expect(runPreprocessPlan(inputs([13, 11, 7]), padded, { view: true }).deferred).toBeUndefined();
    const foreground = [stack, { op: 'zscore', nonzero: true, channelWise: true }, { op: 'cropPad', mode: 'foreground' }, { op: 'toTensor', layout: 'NCDHW' }];
    expect(runPreprocessPlan(inputs([13, 11, 7]), foreground, { view: true }).deferred).toBeUndefined();
    const v = modality([13, 11, 7], 1);
    const float = createVolume({ geometry: v.geometry, data: Float32Array.from(v.data) });
    expect(runPreprocessPlan(float, [{ op: 'zscore' }, { op: 'toTensor', layout: 'NCDHW' }], { view: true }).deferred).toBeUndefined();
    // Without `view` no view is handed out (consumers that are not window cutters).
    expect(runPreprocessPlan(inputs([13, 11, 7]), [stack, { op: 'zscore', nonzero: true }, { op: 'toTensor', layout: 'NCDHW' }]).deferred).toBeUndefined();
  });

  for (const axisOrder of ['kji', 'jki', 'ijk'] as const) {
    it(`sliding-window output equals the eager tensor's (axisOrder ${axisOrder})`, async () => {
      const plan = [
        stack,
        { op: 'zscore', nonzero: true, channelWise: true },
        { op: 'cropPad', mode: 'divisible', k: 8 },
        { op: 'toTensor', layout: 'NCDHW', axisOrder },
      ];
      const deferred = runPreprocessPlan(inputs([37, 29, 23]), plan, { view: true }).deferred!;
      const eager = runPreprocessPlan(inputs([37, 29, 23]), plan, { view: true, fuse: false }).tensor;
      // A "model" that returns a per-voxel mix of its 4 channels as 2 channels: every input value reaches the output.
      const model = async (w: { data: Float32Array; dims: readonly number[] }) => {
        const per = w.data.length / 4;
        const out = new Float32Array(per * 2);
        for (let p = 0; p < per; p++) {
          out[p] = w.data[p]! + 2 * w.data[per + p]!;
          out[per + p] = w.data[2 * per + p]! - w.data[3 * per + p]!;
        }
        return { type: 'float32' as const, data: out, dims: [1, 2, ...w.dims.slice(2)] };
      };
      for (const options of [
        { roi: [16, 16, 16], overlap: 0.5, blend: 'gaussian' as const, placement: 'nnunet' as const },
        { roi: [64, 64, 64], overlap: 0.25, padMode: 'replicate' as const },
        { roi: [64, 64, 64], overlap: 0.25, padValue: -1 },
      ]) {
        const a = await runSlidingWindow(deferred, model, options);
        const b = await runSlidingWindow(eager as { type: 'float32'; data: Float32Array; dims: readonly number[] }, model, options);
        expect(a.dims).toEqual(b.dims);
        expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength))).toBe(
          true,
        );
      }
    });
  }
});
