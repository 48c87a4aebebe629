/**
 * runSlidingWindowSlabs against runSlidingWindow on the same input and "model": the slabs,
 * concatenated, are the whole output bit for bit. Cases: separable blend maps (nnU-Net Gaussian,
 * constant: the separable normaliser), MONAI's clamped Gaussian (not separable: the tiled
 * normaliser clipped to a band), mirroring, batches that span two rows of windows along the
 * first axis, an image smaller than the roi on that axis (padding), and a 2D image.
 */
import { describe, expect, it } from 'vitest';
import type { ModelTensor } from '../../src/core/tensor.js';
import { runSlidingWindow, runSlidingWindowSlabs, type SlidingWindowOptions } from '../../src/runtime/sliding-window/sliding-window.js';

function input(dims: number[]): ModelTensor<'float32'> {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37) * 3 + ((i * 7919) % 13) / 7;
  return { type: 'float32', data, dims };
}

/** 2 input channels -> 3 output channels, position-dependent within the window (so blending matters). */
async function model(w: ModelTensor<'float32'>): Promise<ModelTensor<'float32'>> {
  const [b, , ...roi] = w.dims as number[];
  const vox = roi.reduce((x, y) => x * y, 1);
  const out = new Float32Array(b! * 3 * vox);
  for (let k = 0; k < b!; k++)
    for (let p = 0; p < vox; p++) {
      const x0 = w.data[k * 2 * vox + p]!;
      const x1 = w.data[(k * 2 + 1) * vox + p]!;
      out[k * 3 * vox + p] = x0 + 0.5 * x1;
      out[(k * 3 + 1) * vox + p] = x0 * x1 + p * 1e-3;
      out[(k * 3 + 2) * vox + p] = Math.tanh(x1 - x0);
    }
  return { type: 'float32', data: out, dims: [b!, 3, ...roi] };
}

async function slabs(t: ModelTensor<'float32'>, options: SlidingWindowOptions, slabPlanes: number): Promise<Float32Array> {
  const spatial = t.dims.slice(2);
  const plane = (spatial.length === 3 ? spatial.slice(1) : spatial).reduce((a, b) => a * b, 1);
  const s0 = spatial.length === 3 ? spatial[0]! : 1;
  const out = new Float32Array(3 * s0 * plane);
  let next = 0;
  const channels = await runSlidingWindowSlabs(
    t,
    model,
    options,
    (slab, from, planes) => {
      expect(from).toBe(next);
      next = from + planes;
      for (let c = 0; c < 3; c++) out.set(slab.subarray(c * planes * plane, (c + 1) * planes * plane), c * s0 * plane + from * plane);
    },
    slabPlanes,
  );
  expect(channels).toBe(3);
  expect(next).toBe(s0);
  return out;
}

const cases: { name: string; dims: number[]; options: SlidingWindowOptions; slabPlanes: number }[] = [
  {
    name: 'nnU-Net Gaussian, overlap 0.5',
    dims: [1, 2, 37, 21, 19],
    options: { roi: [16, 12, 12], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' },
    slabPlanes: 5,
  },
  { name: 'constant, MONAI placement, batch 3', dims: [1, 2, 29, 17, 23], options: { roi: [8, 8, 8], overlap: 0.25, batch: 3 }, slabPlanes: 3 },
  {
    name: 'MONAI Gaussian (clamped: tiles)',
    dims: [1, 2, 30, 18, 16],
    options: { roi: [12, 10, 10], overlap: 0.5, blend: 'gaussian', placement: 'monai' },
    slabPlanes: 8,
  },
  {
    name: 'mirroring, batch 2',
    dims: [1, 2, 20, 14, 14],
    options: { roi: [8, 8, 8], overlap: 0.5, blend: 'gaussian', placement: 'nnunet', mirrorAxes: [0, 2], batch: 2 },
    slabPlanes: 4,
  },
  {
    name: 'image smaller than the roi on axis 0',
    dims: [1, 2, 6, 20, 20],
    options: { roi: [8, 8, 8], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' },
    slabPlanes: 4,
  },
  { name: '2D', dims: [1, 2, 33, 27], options: { roi: [16, 16], overlap: 0.5, blend: 'gaussian', placement: 'nnunet' }, slabPlanes: 8 },
];

describe('sliding window in slabs', () => {
  for (const c of cases) {
    it(`equals the whole output (${c.name})`, async () => {
      const t = input(c.dims);
      const whole = await runSlidingWindow(t, model, c.options);
      const streamed = await slabs(t, c.options, c.slabPlanes);
      expect(Buffer.from(streamed.buffer).equals(Buffer.from(whole.data.buffer, whole.data.byteOffset, whole.data.byteLength))).toBe(true);
    });
  }
});
