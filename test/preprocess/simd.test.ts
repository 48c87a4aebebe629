/**
 * The WebAssembly SIMD paths only engage on larger arrays than the committed fixtures, so they
 * are checked here against direct float64 evaluations of the same definitions (the definitions
 * themselves are checked against torch / numpy in resize.test.ts and intensity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { normalizeXrv, normalizeZscore, resizeVolume } from '../../src/preprocess/index.js';
import { getSimdKernels } from '../../src/preprocess/simd.js';
import { expectClose, noise } from './fixtures.js';

describe('WebAssembly SIMD kernels', () => {
  it('are available in this runtime', () => {
    expect(getSimdKernels()).not.toBeNull();
  });

  it('area resize of a 301x203 uint16 image equals direct 2D box averages (float64)', () => {
    const [w, h, mw, mh] = [301, 203, 37, 29];
    const r = noise(w * h, 7);
    const data = new Uint16Array(w * h).map((_, i) => Math.floor(r[i]! * 4096));
    const { volume } = resizeVolume(createVolume({ geometry: { size: [w, h, 1] }, data }), { size: [mw, mh], mode: 'area' });
    const expected = new Float64Array(mw * mh);
    for (let t = 0; t < mh; t++) {
      const [j0, j1] = [Math.floor((t * h) / mh), Math.ceil(((t + 1) * h) / mh)];
      for (let u = 0; u < mw; u++) {
        const [i0, i1] = [Math.floor((u * w) / mw), Math.ceil(((u + 1) * w) / mw)];
        let sum = 0;
        for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) sum += data[i + w * j]!;
        expected[u + mw * t] = sum / ((j1 - j0) * (i1 - i0));
      }
    }
    expectClose(volume.data, expected, 1e-5, 1e-3);
  });

  it('antialiased resize of a float32 image with 70 rows: SIMD rowDot i pass equals the scalar definition', () => {
    const [w, h, mw, mh] = [257, 70, 40, 70];
    const r = noise(w * h, 11);
    const data = new Float32Array(w * h).map((_, i) => r[i]! * 100 - 50);
    const { volume } = resizeVolume(createVolume({ geometry: { size: [w, h, 1] }, data }), { size: [mw, mh], mode: 'bilinear', antialias: true });
    // torch's aa filter along i only (h unchanged): triangle of support scale, normalised.
    const scale = w / mw;
    const expected = new Float64Array(mw * mh);
    for (let t = 0; t < mw; t++) {
      const center = scale * (t + 0.5);
      const xmin = Math.max(Math.trunc(center - scale + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + scale + 0.5), w);
      const ws: number[] = [];
      for (let x = xmin; x < xmax; x++) ws.push(Math.max(0, 1 - Math.abs((x - center + 0.5) / scale)));
      const total = ws.reduce((a, b) => a + b, 0);
      for (let j = 0; j < mh; j++) {
        let acc = 0;
        ws.forEach((wt, q) => {
          acc += (wt / total) * data[xmin + q + w * j]!;
        });
        expected[t + mw * j] = acc;
      }
    }
    expectClose(volume.data, expected, 1e-5, 1e-4);
  });

  it('z-score of 3 x 40x37x23 (nonzero, channel-wise) equals float64 mean / population std', () => {
    const n = 40 * 37 * 23;
    const r = noise(3 * n, 3);
    const data = new Float32Array(3 * n).map((_, i) => (r[i]! < 0.3 ? 0 : 200 + r[i]! * 1000 * (1 + Math.floor(i / n))));
    const { volume } = normalizeZscore(createVolume({ geometry: { size: [40, 37, 23] }, data, frames: 3 }), { nonzero: true, channelWise: true });
    const expected = new Float64Array(3 * n);
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let count = 0;
      for (let p = c * n; p < (c + 1) * n; p++)
        if (data[p] !== 0) {
          sum += data[p]!;
          count++;
        }
      const mean = sum / count;
      let sq = 0;
      for (let p = c * n; p < (c + 1) * n; p++) if (data[p] !== 0) sq += (data[p]! - mean) ** 2;
      const std = Math.sqrt(sq / count);
      for (let p = c * n; p < (c + 1) * n; p++) expected[p] = data[p] === 0 ? 0 : (data[p]! - mean) / std;
    }
    expectClose(volume.data, expected, 1e-6, 1e-6);
  });

  it('xrvNormalize range check finds an out-of-range pixel in the vector part and in the tail', () => {
    for (const at of [5000, 20001]) {
      const data = new Uint16Array(20002).fill(4095);
      data[at] = 4096;
      expect(() => normalizeXrv(createVolume({ geometry: { size: [20002, 1, 1] }, data, meta: { bitsStored: 12 } }), {})).toThrow(/4096 exceeds/);
    }
    const ok = new Uint16Array(20002).fill(4095);
    expect(normalizeXrv(createVolume({ geometry: { size: [20002, 1, 1] }, data: ok, meta: { bitsStored: 12 } }), {}).volume.data[20001]).toBe(1024);
  });
});
