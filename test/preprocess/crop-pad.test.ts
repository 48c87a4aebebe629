import { describe, expect, it } from 'vitest';
import { createVolume, indexToWorld } from '../../src/core/index.js';
import { cropPadVolume, findForegroundBox, planCropPad, validatePreprocessPlan } from '../../src/preprocess/index.js';

/** value(i, j, k) = 1 + i + 100 j + 10000 k on an [n0, n1, n2] grid. */
function ramp(n0: number, n1: number, n2: number) {
  const data = new Int32Array(n0 * n1 * n2);
  for (let k = 0, p = 0; k < n2; k++) for (let j = 0; j < n1; j++) for (let i = 0; i < n0; i++, p++) data[p] = 1 + i + 100 * j + 10000 * k;
  return createVolume({ geometry: { size: [n0, n1, n2], spacing: [0.5, 0.8, 2], origin: [3, 4, 5] }, data });
}

/** Expected out(i, j, k) = in(i + s0, j + s1, k + s2), or fill outside. */
function expectShifted(out: ReturnType<typeof ramp>, input: ReturnType<typeof ramp>, start: number[], fill: number): void {
  const [m0, m1, m2] = out.geometry.size;
  const [n0, n1, n2] = input.geometry.size;
  for (let k = 0, p = 0; k < m2; k++)
    for (let j = 0; j < m1; j++)
      for (let i = 0; i < m0; i++, p++) {
        const [a, b, c] = [i + start[0]!, j + start[1]!, k + start[2]!];
        const inside = a >= 0 && a < n0 && b >= 0 && b < n1 && c >= 0 && c < n2;
        expect(out.data[p]).toBe(inside ? input.data[a + n0 * (b + n1 * c)] : fill);
      }
  // Geometry: output voxel 0 sits where input voxel `start` sits.
  const w0 = indexToWorld(out.geometry, [0, 0, 0]);
  const w1 = indexToWorld(input.geometry, start);
  w0.forEach((x, a) => expect(x).toBeCloseTo(w1[a]!, 12));
}

describe('cropPad', () => {
  const v = ramp(7, 6, 5);
  it('center crop/pad: MONAI CenterSpatialCrop start n//2 - s//2, SpatialPad before (s - n)//2', () => {
    const { volume, record } = cropPadVolume(v, { mode: 'center', size: [4, 9, -1], value: -7 });
    expect([...volume.geometry.size]).toEqual([4, 9, 5]);
    expect(record.details?.['start']).toEqual([3 - 2, -1, 0]);
    expectShifted(volume, v, [1, -1, 0], -7);
  });
  it('centerSquare: XRayCenterCrop of the shorter in-plane side', () => {
    const img = ramp(9, 6, 1);
    const { volume } = cropPadVolume(img, { mode: 'centerSquare' });
    expect([...volume.geometry.size]).toEqual([6, 6, 1]);
    expectShifted(volume, img, [Math.floor(9 / 2) - Math.floor(6 / 2), 0, 0], 0);
    const square = ramp(4, 4, 1);
    expect(cropPadVolume(square, { mode: 'centerSquare' }).volume).toBe(square);
  });
  it('divisible: DivisiblePad symmetric to ceil(n/k)*k', () => {
    const { volume } = cropPadVolume(v, { mode: 'divisible', k: [4, 4, 8] });
    expect([...volume.geometry.size]).toEqual([8, 8, 8]);
    expectShifted(volume, v, [0, -1, -1], 0);
    // A scalar k leaves the single slice of a 2D image alone.
    expect([...cropPadVolume(ramp(5, 3, 1), { mode: 'divisible', k: 4 }).volume.geometry.size]).toEqual([8, 4, 1]);
  });
  it('foreground: CropForeground(margin, k_divisible, allow_smaller=False) pads outside the image', () => {
    const data = new Float32Array(10 * 8 * 6);
    const at = (i: number, j: number, k: number) => i + 10 * (j + 8 * k);
    data[at(2, 3, 1)] = 5;
    data[at(6, 4, 3)] = 1;
    data[at(0, 0, 0)] = -3; // not foreground: select_fn is x > 0
    const vol = createVolume({ geometry: { size: [10, 8, 6] }, data });
    expect(findForegroundBox(vol)).toEqual({ start: [2, 3, 1], end: [7, 5, 4] });
    // margin 3: [-1, 10) x [0, 8) x [-2, 7); k 4 grows 11 -> 12 (start - 0), 8 -> 8, 9 -> 12 (start - 1).
    const plan = planCropPad(vol, { mode: 'foreground', margin: 3, k: 4 });
    expect(plan).toEqual({ start: [-1, 0, -3], size: [12, 8, 12], foreground: true });
    const { volume } = cropPadVolume(vol, { mode: 'foreground', margin: 3, k: 4 });
    expect(volume.data[2 + 1 + 12 * (3 + 8 * (1 + 3))]).toBe(5);
    const empty = createVolume({ geometry: { size: [3, 3, 3] }, data: new Float32Array(27) });
    expect(cropPadVolume(empty, { mode: 'foreground', margin: 1 }).record.details?.['foreground']).toBe(false);
  });
  it('foreground allowSmaller: MONAI allow_smaller=True clips the margin at the border before the k growth', () => {
    const data = new Float32Array(10 * 8 * 6);
    const at = (i: number, j: number, k: number) => i + 10 * (j + 8 * k);
    data[at(2, 3, 1)] = 5;
    data[at(6, 4, 3)] = 1;
    const vol = createVolume({ geometry: { size: [10, 8, 6] }, data });
    // Box [2, 7) x [3, 5) x [1, 4); margin 3 clipped to [0, 10) x [0, 8) x [0, 6);
    // k 4: 10 -> 12 (start - 1), 8 -> 8, 6 -> 8 (start - 1) - generate_spatial_bounding_box then CropForeground.compute_bounding_box.
    expect(planCropPad(vol, { mode: 'foreground', margin: 3, k: 4, allowSmaller: true })).toEqual({ start: [-1, 0, -1], size: [12, 8, 8], foreground: true });
    // Without k nothing is padded: the crop stays inside the image.
    expect(planCropPad(vol, { mode: 'foreground', margin: 1, allowSmaller: true })).toEqual({ start: [1, 2, 0], size: [7, 4, 5], foreground: true });
    expect(validatePreprocessPlan([{ op: 'cropPad', mode: 'foreground', allowSmaller: true }])[0]).toEqual({
      op: 'cropPad',
      mode: 'foreground',
      margin: 0,
      k: 1,
      allowSmaller: true,
    });
  });
  it('keeps multi-channel data aligned per channel', () => {
    const data = new Uint8Array(2 * 4 * 3).map((_, i) => i);
    const two = createVolume({ geometry: { size: [4, 3, 1] }, data, frames: 2 });
    const { volume } = cropPadVolume(two, { mode: 'center', size: [2, 1] });
    expect(Array.from(volume.data)).toEqual([5, 6, 17, 18]);
  });
});
