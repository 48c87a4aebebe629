import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { letterboxImage, mapBoxesToInput, planLetterbox, validatePreprocessStep, type LetterboxParams } from '../../src/preprocess/index.js';
import { cases, expectClose, loadBin } from './fixtures.js';

const L = cases['letterbox'];

describe('letterbox geometry vs the Ultralytics LetterBox rule (exact)', () => {
  for (const c of L.geometry) {
    const p = c.params;
    it(`${c.width}x${c.height} -> ${p.size.join('x')} auto=${p.auto} scaleUp=${p.scaleUp}`, () => {
      const params = validatePreprocessStep(p, 0) as { op: 'letterbox' } & LetterboxParams;
      const plan = planLetterbox(c.width, c.height, params);
      expect(plan.ratio).toBe(c.expected.ratio);
      expect([...plan.unpadded]).toEqual(c.expected.unpadded);
      expect([...plan.pad]).toEqual(c.expected.pad);
      expect([...plan.outSize]).toEqual(c.expected.outSize);
    });
  }
});

describe('letterbox pixels', () => {
  const P = L.pixels;
  const img = createVolume({ geometry: { size: P.shape }, data: loadBin(P.input), frames: P.channels });
  it('inner region = half-pixel bilinear resize, border 114', () => {
    const params = validatePreprocessStep(P.params, 0) as { op: 'letterbox' } & LetterboxParams;
    const { volume, record } = letterboxImage(img, params);
    expect([...volume.geometry.size]).toEqual([32, 32, 1]);
    expectClose(volume.data, loadBin(P.expected), 1e-5, 1e-3);
    expect(record.details?.['pad']).toEqual(P.plan.pad);
  });
  it('undoes the letterbox for YOLO boxes (pixel-edge convention): (box - pad) / gain', () => {
    const { record } = letterboxImage(img, { size: [32, 32] });
    const [left, top] = P.plan.pad as number[];
    const gx = P.plan.unpadded[0] / 13;
    const gy = P.plan.unpadded[1] / 10;
    const box = [left! + 3, top! + 2, left! + 20, top! + 9];
    const [mapped] = mapBoxesToInput([box], [record], { convention: 'edge', axes: 'ij' });
    expect(mapped!.index.min[0]).toBeCloseTo(3 / gx, 12);
    expect(mapped!.index.min[1]).toBeCloseTo(2 / gy, 12);
    expect(mapped!.index.max[0]).toBeCloseTo(20 / gx, 12);
    expect(mapped!.index.max[1]).toBeCloseTo(9 / gy, 12);
  });
});
