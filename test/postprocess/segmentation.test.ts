import { describe, expect, it } from 'vitest';
import { createGeometry, createVolume, InputError, ShapeError, UsageError } from '../../src/index.js';
import {
  argmaxChannels,
  convertRegionsToLabels,
  keepLargestComponent,
  labelConnectedComponents,
  measureLabelVolumes,
  remapLabels,
  removeSmallComponents,
} from '../../src/ops.js';
import { loadArray, shapeOf, value } from './reference.js';

/** True when two labelings describe the same partition (bijection between non-zero ids). */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let v = 0; v < a.length; v++) {
    const x = a[v]!;
    const y = b[v]!;
    if ((x === 0) !== (y === 0)) return false;
    if (x === 0) continue;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

describe('connected components vs scipy.ndimage.label', () => {
  const size = shapeOf('cc_random_mask').slice().reverse(); // stored [k, j, i]
  for (const name of ['random', 'blobs']) {
    for (const conn of [6, 26] as const) {
      it(`${name} mask, ${conn}-connectivity: identical partition and numbering`, () => {
        const mask = loadArray(`cc_${name}_mask`, 'uint8');
        const expected = loadArray(`cc_${name}_${conn}`, 'uint16');
        const cc = labelConnectedComponents(mask, size, { connectivity: conn });
        expect(cc.count).toBe(value<number>(`cc_${name}_${conn}_count`));
        expect(samePartition(cc.labels, expected)).toBe(true);
        // Raster-order numbering reproduces scipy's ids exactly.
        expect(Array.from(cc.labels)).toEqual(Array.from(expected));
        let total = 0;
        for (let c = 1; c <= cc.count; c++) total += cc.sizes[c]!;
        expect(total).toBe(mask.reduce((s, x) => s + x, 0));
      });
    }
  }

  it('diagonal neighbours join only under 26-connectivity; by-value keeps labels apart', () => {
    const data = new Uint8Array(27);
    data[0] = 1;
    data[13] = 1; // (1, 1, 1)
    data[26] = 2; // (2, 2, 2)
    expect(labelConnectedComponents(data, [3, 3, 3], { connectivity: 6 }).count).toBe(3);
    expect(labelConnectedComponents(data, [3, 3, 3], { connectivity: 26 }).count).toBe(1);
    expect(labelConnectedComponents(data, [3, 3, 3], { connectivity: 26, by: 'value' }).count).toBe(2);
    expect(() => labelConnectedComponents(data, [3, 3, 2])).toThrow(ShapeError);
    expect(() => labelConnectedComponents(data, [3, 3, 3], { connectivity: 8 as 6 })).toThrow(UsageError);
    expect(() => labelConnectedComponents(new Float32Array([1, NaN]), [2, 1, 1])).toThrow(InputError);
  });

  it('labels a 256x256x160 lattice of cubes: known count, sizes and raster numbering', () => {
    // 5-voxel cubes every 7 voxels: 36 x 36 x 22 separate components, diagonal gaps of 2 voxels.
    const [ni, nj, nk] = [256, 256, 160];
    const mask = new Uint8Array(ni * nj * nk);
    for (let k = 0; k < nk; k++)
      for (let j = 0; j < nj; j++)
        for (let i = 0; i < ni; i++) {
          if (i % 7 < 5 && j % 7 < 5 && k % 7 < 5 && i < 252 && j < 252 && k < 154) mask[i + ni * (j + nj * k)] = 1;
        }
    for (const connectivity of [6, 26] as const) {
      const cc = labelConnectedComponents(mask, [ni, nj, nk], { connectivity });
      expect(cc.count).toBe(36 * 36 * 22);
      expect(cc.sizes.subarray(1).every((n) => n === 125)).toBe(true);
      // Cube (ci, cj, ck) gets id 1 + ci + 36 (cj + 36 ck): raster order of first voxels.
      expect(cc.labels[7 * 3 + ni * (7 * 2 + nj * 7 * 5)]).toBe(1 + 3 + 36 * (2 + 36 * 5));
    }
  });
});

describe('component filters (per label, vs scipy)', () => {
  const shape = shapeOf('filters_labelmap');
  const geometry = createGeometry({ size: [shape[2]!, shape[1]!, shape[0]!], spacing: [0.7, 0.7, 2] });
  const volume = createVolume({ geometry, data: loadArray('filters_labelmap', 'uint8') });
  for (const conn of [6, 26] as const) {
    it(`keepLargestComponent and removeSmallComponents, ${conn}-connectivity`, () => {
      expect(Array.from(keepLargestComponent(volume, { connectivity: conn }).data)).toEqual(Array.from(loadArray(`filters_keep_largest_${conn}`, 'uint8')));
      expect(Array.from(removeSmallComponents(volume, { minVoxels: 20, connectivity: conn }).data)).toEqual(
        Array.from(loadArray(`filters_remove_small_20_${conn}`, 'uint8')),
      );
    });
  }
  it('applies only to the listed labels and keeps the input type and geometry', () => {
    const out = keepLargestComponent(volume, { labels: [2], connectivity: 26 });
    expect(Array.from(out.data)).toEqual(Array.from(loadArray('filters_keep_largest_label2_26', 'uint8')));
    expect(out.type).toBe('uint8');
    expect(out.geometry.spacing).toEqual([0.7, 0.7, 2]);
    expect(() => removeSmallComponents(volume, { minVoxels: -1 })).toThrow(UsageError);
  });
});

describe('label maps', () => {
  it('argmax takes the first maximum and rejects NaN', () => {
    // 3 channels x 4 voxels, channel-planar.
    const data = new Float32Array([0, 5, 1, 2, /**/ 1, 5, 0, 2, /**/ 0.5, 1, 3, 2]);
    expect(Array.from(argmaxChannels(data, 3))).toEqual([1, 0, 2, 0]);
    data[6] = NaN;
    expect(() => argmaxChannels(data, 3)).toThrow(InputError);
    expect(() => argmaxChannels(new Float32Array(5), 2)).toThrow(ShapeError);
  });

  it('MONAI BraTS TC/WT/ET -> ET 4, else TC 1, else WT 2; nnU-Net WT/TC/ET -> 1/2/3 -> remap 2/1/4', () => {
    // voxels: [nothing, WT only, WT+TC, WT+TC+ET, ET only]
    const tc = [0.1, 0.2, 0.9, 0.9, 0.1];
    const wt = [0.1, 0.8, 0.9, 0.9, 0.1];
    const et = [0.1, 0.1, 0.2, 0.7, 0.6];
    const monai = convertRegionsToLabels(Float32Array.from([...tc, ...wt, ...et]), 3, { order: [1, 0, 2], labels: [2, 1, 4], comparison: 'gte' });
    expect(Array.from(monai)).toEqual([0, 2, 1, 4, 4]);
    const nn = convertRegionsToLabels(Float32Array.from([...wt, ...tc, ...et]), 3, { order: [0, 1, 2], labels: [1, 2, 3] });
    expect(Array.from(nn)).toEqual([0, 1, 2, 3, 3]);
    expect(Array.from(remapLabels(nn, { 1: 2, 2: 1, 3: 4 }))).toEqual([0, 2, 1, 4, 4]);
    expect(Array.from(remapLabels(new Uint16Array([0, 1, 7]), [[1, 300]]))).toEqual([0, 300, 7]);
    expect(() => remapLabels(nn, { 1: 300 })).toThrow(UsageError);
    expect(() => remapLabels(new Float32Array([0.5]), { 1: 2 })).toThrow(InputError);
    expect(Array.from(convertRegionsToLabels(Float32Array.from([0.5]), 1, { order: [0], labels: [1] }))).toEqual([0]);
    expect(() => convertRegionsToLabels(new Float32Array(3), 3, { order: [0, 3], labels: [1, 2] })).toThrow(UsageError);
  });

  it('measures per-label volumes in ml from spacing', () => {
    const g = createGeometry({ size: [4, 1, 1], spacing: [2, 2.5, 3] });
    expect(measureLabelVolumes(new Uint8Array([0, 1, 1, 4]), g)).toEqual([
      { label: 1, voxels: 2, ml: 0.03 },
      { label: 4, voxels: 1, ml: 0.015 },
    ]);
    expect(() => measureLabelVolumes(new Uint8Array(3), g)).toThrow(ShapeError);
  });
});
