// The fast paths taken for large volumes (tiled transposes, no-copy inverse mapping, in-place
// softmax) must give exactly what the general code gives.
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { createVolumeFromTensor, invertToInputGrid, runPreprocessPlan } from '../../src/preprocess/index.js';
import { copyPermutedBlock } from '../../src/core/permute-block.js';
import { applySoftmax, applySoftmaxChannelsInPlace } from '../../src/postprocess/classification/activations.js';
import { runSlidingWindow, type DenseTensor } from '../../src/runtime/sliding-window/sliding-window.js';

const size = [37, 21, 19] as const; // not multiples of the 16^3 tile
const geometry = { size, spacing: [0.7, 0.7, 1.25], origin: [-10, 20, 5], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const voxels = size[0] * size[1] * size[2];

function ramp(channels: number): Float32Array {
  return Float32Array.from({ length: voxels * channels }, (_, p) => ((p * 2654435761) >>> 16) / 997 - 30);
}

describe('copyPermutedBlock', () => {
  it('equals a naive strided copy for every axis permutation', () => {
    const src = ramp(1);
    const strides = [1, size[0], size[0] * size[1]];
    for (const order of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
      const dims = order.map((a) => size[a]!) as [number, number, number];
      const srcStrides = order.map((a) => strides[a]!) as [number, number, number];
      const fast = new Float32Array(voxels);
      copyPermutedBlock(src, 0, fast, 0, { dims, srcStrides });
      const naive = new Float32Array(voxels);
      let o = 0;
      for (let x = 0; x < dims[0]; x++) for (let y = 0; y < dims[1]; y++) for (let z = 0; z < dims[2]; z++) naive[o++] = src[x * srcStrides[0] + y * srcStrides[1] + z * srcStrides[2]]!;
      expect(Buffer.from(fast.buffer).equals(Buffer.from(naive.buffer))).toBe(true);
    }
  });
});

describe('toTensor ijk -> model output -> stored order', () => {
  it('puts voxel (i, j, k) at tensor [c, i, j, k] and back', () => {
    const data = ramp(2);
    const volume = createVolume({ geometry, data, frames: 2 });
    const { tensor, records } = runPreprocessPlan(volume, [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' }]);
    expect(tensor.dims).toEqual([1, 2, 37, 21, 19]);
    const [i, j, k] = [36, 3, 18];
    const stored = data[voxels + (k * size[1] + j) * size[0] + i];
    expect(tensor.data[voxels + (i * size[1] + j) * size[2] + k]).toBe(stored);
    const back = createVolumeFromTensor(tensor, records);
    expect(back.data).toEqual(data);
  });
});

describe('invertToInputGrid fast paths', () => {
  it('re-labels without copying when the plan changed no geometry', () => {
    const volume = createVolume({ geometry, data: ramp(1) });
    const { tensor, records } = runPreprocessPlan(volume, [{ op: 'zscore' }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' }]);
    const onModelGrid = createVolumeFromTensor(tensor, records);
    const back = invertToInputGrid(onModelGrid, records, { interpolation: 'linear' });
    expect(back.data).toBe(onModelGrid.data);
    expect(back.geometry).toEqual(volume.geometry);
  });

  it('undoes an integer crop / pad exactly, with fill outside (nearest path for linear requests)', () => {
    const volume = createVolume({ geometry, data: ramp(1) });
    const { tensor, records } = runPreprocessPlan(volume, [{ op: 'cropPad', mode: 'center', size: [32, 24, 19] }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' }]);
    const back = invertToInputGrid(createVolumeFromTensor(tensor, records), records, { interpolation: 'linear', fill: -1 });
    expect(back.geometry).toEqual(volume.geometry);
    // x: 37 -> 32 crops 2 before, 3 after; y: 21 -> 24 pads (1 before).
    const at = (i: number, j: number, k: number) => (k * size[1] + j) * size[0] + i;
    expect(back.data[at(1, 5, 7)]).toBe(-1);
    expect(back.data[at(2, 5, 7)]).toBe(volume.data[at(2, 5, 7)]);
    expect(back.data[at(33, 20, 18)]).toBe(volume.data[at(33, 20, 18)]);
    expect(back.data[at(34, 20, 18)]).toBe(-1);
  });
});

describe('applySoftmaxChannelsInPlace', () => {
  it('matches applySoftmax over axis 0 of [C, N] and writes into its input', () => {
    const logits = ramp(3);
    logits[5] = Infinity;
    const expected = applySoftmax(logits, [3, voxels], 0);
    const out = applySoftmaxChannelsInPlace(logits, 3);
    expect(out).toBe(logits);
    let worst = 0;
    for (let p = 0; p < out.length; p++) worst = Math.max(worst, Math.abs(out[p]! - expected[p]!));
    expect(worst).toBeLessThan(1e-7);
    expect(out[5]).toBe(1);
  });

  it('names a NaN and refuses a length that is not a multiple of the channels', () => {
    const bad = new Float32Array([0, 1, NaN, 2]);
    expect(() => applySoftmaxChannelsInPlace(bad, 2)).toThrow(/NaN at index 2/);
    expect(() => applySoftmaxChannelsInPlace(new Float32Array(5), 2)).toThrow(/multiple of 2/);
  });
});

describe('sliding window over a strided tensor view', () => {
  it('gives exactly the result of the transposed copy (padding, partial windows, gaussian blend)', async () => {
    const volume = createVolume({ geometry, data: ramp(2), frames: 2 });
    const plan = [{ op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' }];
    const copy = runPreprocessPlan(volume, plan).tensor;
    const view = runPreprocessPlan(volume, plan, { view: true }).tensor;
    expect(view.strides).toEqual([2 * voxels, voxels, 1, 37, 37 * 21]);
    expect(view.data).toBe(volume.data);
    // A position-dependent "model": two output channels mixing the inputs and the window content.
    const predict = async (w: DenseTensor): Promise<DenseTensor> => {
      const n = w.data.length / 2;
      const out = new Float32Array(w.data.length);
      for (let p = 0; p < n; p++) {
        out[p] = w.data[p]! * 2 - w.data[n + p]!;
        out[n + p] = Math.sin(w.data[p]!) + (p % 7);
      }
      return { data: out, dims: w.dims };
    };
    const options = { roi: [16, 24, 12], overlap: 0.5, blend: 'gaussian' as const, placement: 'nnunet' as const, padValue: -3 };
    const a = await runSlidingWindow({ data: copy.data as Float32Array, dims: copy.dims }, predict, options);
    const b = await runSlidingWindow({ data: view.data as Float32Array, dims: view.dims, strides: view.strides! }, predict, options);
    expect(b.dims).toEqual(a.dims);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
  });
});

describe('invertArgmaxToInputGrid (labels without probabilities on the input grid)', () => {
  it('equals invertToInputGrid(linear) + argmaxChannels exactly, ties and cropped-away voxels included', async () => {
    const { invertArgmaxToInputGrid } = await import('../../src/preprocess/invert-argmax.js');
    const { argmaxChannels } = await import('../../src/postprocess/segmentation/label-maps.js');
    const volume = createVolume({ geometry, data: ramp(1) });
    const plan = [
      { op: 'resample', spacing: [1.1, 0.9, 1.6], mode: 'linear', rule: 'monai' },
      { op: 'cropPad', mode: 'center', size: [20, 18, 14] },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ];
    const { records } = runPreprocessPlan(volume, plan);
    const grid = records[records.length - 1]!.outputGeometry;
    const n = grid.size[0] * grid.size[1] * grid.size[2];
    // Four class channels, smooth, with exact ties between channels 1 and 2 in a third of the voxels.
    const probs = new Float32Array(4 * n);
    for (let v = 0; v < n; v++) {
      const s = Math.sin(v * 0.37) * 0.5 + 0.5;
      probs[v] = 0.3 * s;
      probs[n + v] = v % 3 === 0 ? 0.35 : 0.2 + 0.3 * Math.cos(v * 0.11);
      probs[2 * n + v] = v % 3 === 0 ? 0.35 : 0.25;
      probs[3 * n + v] = 0.5 * (1 - s);
    }
    const onModelGrid = createVolume({ geometry: grid, data: probs, frames: 4 });
    const expected = argmaxChannels(invertToInputGrid(onModelGrid, records, { interpolation: 'linear' }).data, 4);
    const fused = invertArgmaxToInputGrid(onModelGrid, records);
    expect(fused.length).toBe(voxels);
    expect(Buffer.from(fused.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(new Set(fused).size).toBe(4);
  });
});
