import { describe, expect, it } from 'vitest';
import { createVolume, indexToWorld } from '../../src/core/index.js';
import { resizeVolume, runPreprocessPlan, validatePreprocessStep, type ResizeParams } from '../../src/preprocess/index.js';
import { cases, expectClose, loadBin, maxAbs } from './fixtures.js';

const R = cases['resize'];

describe('resize vs torch.nn.functional.interpolate (align_corners=False), 1e-5 of range (spec 1e-4)', () => {
  const ct = createVolume({ geometry: { size: R.shape, spacing: [0.66, 0.66, 5], origin: [-80, -90, 10] }, data: loadBin(R.input) });
  for (const c of R.cases) {
    it(`CT_small ${c.params.mode}${c.params.antialias ? ' antialias' : ''} -> ${c.params.size.join('x')}`, () => {
      const params = validatePreprocessStep(c.params, 0) as { op: 'resize' } & ResizeParams;
      const { volume } = resizeVolume(ct, params);
      expect([...volume.geometry.size]).toEqual([...c.params.size, 1]);
      const expected = loadBin(c.expected);
      if (c.params.mode === 'nearest') expect(Array.from(volume.data)).toEqual(Array.from(expected));
      else expectClose(volume.data, expected, 1e-5, 1e-5 * maxAbs(expected));
    });
  }
  const r3 = createVolume({ geometry: { size: R.shape3d }, data: loadBin(R.input3d) });
  for (const c of R.cases3d) {
    it(`3D ${c.params.mode} -> ${c.params.size.join('x')}`, () => {
      const { volume } = resizeVolume(r3, c.params);
      const expected = loadBin(c.expected);
      expectClose(volume.data, expected, 1e-5, 1e-5 * maxAbs(expected));
    });
  }

  it('keeps the field of view: outer pixel edges stay in place', () => {
    const { volume } = resizeVolume(ct, { size: [17, 23], mode: 'area' });
    for (const corner of [
      [-0.5, -0.5, 0],
      [16.5, 22.5, 0],
    ]) {
      const src = [corner[0]! === -0.5 ? -0.5 : ct.geometry.size[0] - 0.5, corner[1]! === -0.5 ? -0.5 : ct.geometry.size[1] - 0.5, 0];
      const a = indexToWorld(volume.geometry, corner);
      const b = indexToWorld(ct.geometry, src);
      a.forEach((x, i) => expect(x).toBeCloseTo(b[i]!, 9));
    }
  });
});

describe('TorchXRayVision plan (xrvNormalize, centerSquare, resize 24) vs xrv.normalize + XRayCenterCrop + torch', () => {
  const X = cases['xrv'];
  const xray = createVolume({ geometry: { size: X.shape }, data: loadBin(X.input), meta: { bitsStored: X.bitsStored, modality: 'DX' } });
  it('normalisation alone matches xrv.datasets.normalize (float32)', () => {
    const { volume } = runPreprocessPlan(xray, [{ op: 'xrvNormalize' }]);
    expectClose(volume.data, loadBin(X.normalized), 0, 1e-4);
  });
  for (const c of X.cases) {
    it(`${c.plan[2].mode}${c.plan[2].antialias ? ' antialias' : ''}`, () => {
      const { tensor, records } = runPreprocessPlan(xray, c.plan);
      expect(tensor.dims).toEqual(c.dims);
      expect(tensor.type).toBe('float32');
      expectClose(tensor.data, loadBin(c.expected), 1e-5, 1e-5 * 1024);
      expect(records.map((r) => r.op)).toEqual(['xrvNormalize', 'cropPad', 'resize', 'toTensor']);
      // Fused by default (normalisation after the resize: 576 instead of 4560 pixels) ...
      expect(records[0]!.details?.['appliedAfter']).toBe('cropPad,resize');
      // ... and in declared order without fusion: both within float32 rounding of the reference.
      const strict = runPreprocessPlan(xray, c.plan, { fuse: false });
      expect(strict.records[0]!.details?.['appliedAfter']).toBeUndefined();
      expectClose(strict.tensor.data, loadBin(c.expected), 1e-5, 1e-5 * 1024);
    });
  }
});

describe('antialiased shrink by a non-integer factor below 2 (scalar row pass at the row end)', () => {
  // Regression: the zero-padded tap table read past the last row of the array at the last output
  // column (0 * undefined = NaN), so every 256^2 radiograph through a 224 model failed.
  for (const [n, m] of [
    [256, 224],
    [300, 224],
    [240, 224],
    [256, 200],
    [512, 224],
  ] as const) {
    it(`${n} -> ${m}: finite everywhere, a constant image stays constant`, () => {
      const v = createVolume({ geometry: { size: [n, n, 1], spacing: [1, 1, 1], origin: [0, 0, 0] }, data: new Float32Array(n * n).fill(0.25) });
      const out = resizeVolume(v, { size: [m, m], mode: 'bilinear', antialias: true }).volume.data;
      expect(out.length).toBe(m * m);
      expect(maxAbs(Float32Array.from(out, (x) => x - 0.25))).toBeLessThan(1e-6);
    });
  }
});
