// The fast paths taken for large volumes (tiled transposes, no-copy inverse mapping, in-place
// softmax) must give exactly what the general code gives.
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../src/core/index.js';
import { createVolumeFromTensor, planCropPad, runPreprocessPlan, validatePreprocessPlan } from '../../src/preprocess/index.js';
import { copyPermutedBlock } from '../../src/core/permute-block.js';

const size = [37, 21, 19] as const; // not multiples of the 16^3 tile
const geometry = { size, spacing: [0.7, 0.7, 1.25], origin: [-10, 20, 5], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const voxels = size[0] * size[1] * size[2];

function ramp(channels: number): Float32Array {
  return Float32Array.from({ length: voxels * channels }, (_, p) => ((p * 2654435761) >>> 16) / 997 - 30);
}

/** Every order of three axes. */
const PERMUTATIONS = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];

describe('copyPermutedBlock', () => {
  it('equals a naive strided copy for every axis permutation', () => {
    const src = ramp(1);
    const strides = [1, size[0], size[0] * size[1]];
    for (const order of PERMUTATIONS) {
      const dims = order.map((a) => size[a]!) as [number, number, number];
      const srcStrides = order.map((a) => strides[a]!) as [number, number, number];
      const fast = new Float32Array(voxels);
      copyPermutedBlock(src, 0, fast, 0, { dims, srcStrides });
      const naive = new Float32Array(voxels);
      let o = 0;
      for (let x = 0; x < dims[0]; x++)
        for (let y = 0; y < dims[1]; y++) for (let z = 0; z < dims[2]; z++) naive[o++] = src[x * srcStrides[0] + y * srcStrides[1] + z * srcStrides[2]]!;
      expect(Buffer.from(fast.buffer).equals(Buffer.from(naive.buffer))).toBe(true);
    }
  });

  it('uint8 (label maps): equals a naive strided copy, packed four bytes a word where the rows allow it', () => {
    // 36 x 21 x 20: order [0, 1, 2] (axis 0 slowest in dst, stride 1 in src; rows of 20 bytes) takes the packed word path.
    const dimsIn = [36, 21, 20];
    const n = 36 * 21 * 20;
    const src = Uint8Array.from({ length: n }, (_, p) => (p * 2654435761) >>> 27);
    const strides = [1, 36, 36 * 21];
    for (const order of PERMUTATIONS) {
      const dims = order.map((a) => dimsIn[a]!) as [number, number, number];
      const srcStrides = order.map((a) => strides[a]!) as [number, number, number];
      // Into a sub-box of a larger map, 4 bytes in (a label map placed on an uncropped grid).
      const dstStrides: [number, number] = [(dims[1] + 2) * (dims[2] + 8), dims[2] + 8];
      const size = dims[0] * dstStrides[0] + 4;
      const fast = new Uint8Array(size).fill(7);
      copyPermutedBlock(src, 0, fast, 4, { dims, srcStrides, dstStrides });
      const naive = new Uint8Array(size).fill(7);
      for (let x = 0; x < dims[0]; x++)
        for (let y = 0; y < dims[1]; y++)
          for (let z = 0; z < dims[2]; z++)
            naive[4 + x * dstStrides[0] + y * dstStrides[1] + z] = src[x * srcStrides[0] + y * srcStrides[1] + z * srcStrides[2]]!;
      expect(Buffer.from(fast).equals(Buffer.from(naive))).toBe(true);
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
    // takeOwnership with a transposed order still copies (the tensor is not in stored order).
    expect(createVolumeFromTensor(tensor, records, { takeOwnership: true }).data).toEqual(data);
  });

  it('takeOwnership: a stored-order float32 tensor becomes the volume without a copy, same values', () => {
    for (const layout of ['NCDHW', 'NCHW'] as const) {
      const g = layout === 'NCHW' ? { ...geometry, size: [37, 21, 1] as const } : geometry;
      const n = g.size[0] * g.size[1] * g.size[2];
      const data = ramp(3).subarray(0, n * 3);
      const { tensor, records } = runPreprocessPlan(createVolume({ geometry: g, data: Float32Array.from(data), frames: 3 }), [
        { op: 'toTensor', layout, dtype: 'float32' },
      ]);
      const copied = createVolumeFromTensor(tensor, records);
      const taken = createVolumeFromTensor(tensor, records, { takeOwnership: true });
      expect(taken.data).toBe(tensor.data);
      expect(copied.data).not.toBe(tensor.data);
      expect(taken.data).toEqual(copied.data);
      expect(taken.geometry).toEqual(copied.geometry);
      expect(taken.frames).toBe(3);
    }
  });
});

describe('cropPad along k only (one block per channel) = the row-by-row copy', () => {
  it.each([15, 25, 10, 20])('centre crop / pad to %i slices, 3 channels', (m2) => {
    const data = ramp(3);
    const volume = createVolume({ geometry, data, frames: 3 });
    const step = { op: 'cropPad', mode: 'center', size: [-1, -1, m2], value: -7 } as const;
    const k0 = planCropPad(volume, validatePreprocessPlan([step])[0] as never).start[2];
    const out = runPreprocessPlan(volume, [step], { defaultTensor: { layout: 'NCDHW' } }).volume;
    expect(out.data.length).toBe(3 * size[0] * size[1] * m2);
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < m2; k++)
        for (let j = 0; j < size[1]; j += 5)
          for (let i = 0; i < size[0]; i += 4) {
            const sk = k + k0;
            const expected = sk < 0 || sk >= size[2] ? -7 : data[c * voxels + (sk * size[1] + j) * size[0] + i]!;
            expect(out.data[((c * m2 + k) * size[1] + j) * size[0] + i]).toBe(expected);
          }
  });
});
