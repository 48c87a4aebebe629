/**
 * Series assembly against pydicom (slice order, values) and dcm2niix + nibabel (geometry), on an
 * oblique 32x32x12 CT series whose file names and InstanceNumbers do not follow slice order.
 * Policy under test (see src/io/dicom/stack-geometry.ts): duplicate positions, mixed series and
 * mixed orientations are InputError; missing slices, non-uniform spacing and gantry tilt load
 * with a warning in meta.warnings.
 */
import { describe, expect, test } from 'vitest';
import { groupDicomSeries, readDicomSeries } from '../../../src/io/dicom/index.js';
import { indexToWorld } from '../../../src/core/geometry.js';
import { folderFiles, hashValues, loadReference } from './helpers.js';

const ref = loadReference().series[0]!;

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('readDicomSeries: oblique CT series', () => {
  test('slices sorted along the normal; values equal pydicom apply_modality_lut', async () => {
    const v = await readDicomSeries(shuffled(folderFiles(ref.folder), 3), { name: 'oblique' });
    expect(v.geometry.size).toEqual(ref.size);
    expect(v.type).toBe(ref.dtype);
    expect(v.meta.files).toEqual(ref.fileOrder);
    expect(hashValues(v.data)).toBe(ref.values.sha256);
    expect(v.meta.warnings).toEqual([]);
    expect(v.meta.modality).toBe('CT');
  });

  test('origin / spacing / direction from IPP and IOP (pydicom), not SliceThickness', async () => {
    const v = await readDicomSeries(shuffled(folderFiles(ref.folder), 11));
    v.geometry.origin.forEach((x, idx) => expect(x).toBeCloseTo(ref.pydicom.origin[idx]!, 5));
    v.geometry.spacing.forEach((x, idx) => expect(x).toBeCloseTo(ref.pydicom.spacing[idx]!, 5));
    v.geometry.direction.forEach((x, idx) => expect(x).toBeCloseTo(ref.pydicom.direction[idx]!, 5));
    expect(v.geometry.spacing[2]).not.toBeCloseTo(9.9, 1); // SliceThickness in the files is a decoy
  });

  test('every corner voxel lands where dcm2niix puts it, with the same value', async () => {
    const v = await readDicomSeries(folderFiles(ref.folder));
    const [ni, nj, nk] = v.geometry.size;
    for (const i of [0, ni - 1])
      for (const j of [0, nj - 1])
        for (const k of [0, nk - 1]) {
          const w = indexToWorld(v.geometry, [i, j, k]);
          const match = ref.dcm2niix.corners.find((c) => Math.hypot(c.world[0]! - w[0], c.world[1]! - w[1], c.world[2]! - w[2]) < 1e-3);
          expect(match, `corner ${i},${j},${k} at ${w.join(', ')}`).toBeDefined();
          expect(v.data[i + ni * (j + nj * k)]).toBe(match!.value);
        }
    const ours = [...v.geometry.spacing].sort((a, b) => a - b);
    [...ref.dcm2niix.voxelSizes].sort((a, b) => a - b).forEach((x, idx) => expect(ours[idx]).toBeCloseTo(x, 4));
  });
});

describe('readDicomSeries: inconsistent series', () => {
  test('duplicate positions -> InputError naming both files', async () => {
    const err = await readDicomSeries(folderFiles('series-variants/duplicate'), { name: 'dup' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT', details: { cause: 'duplicate-position', file: 'dup' } });
    expect((err as Error).message).toMatch(/d1\.dcm.*d2\.dcm|d2\.dcm.*d1\.dcm/);
  });

  test('missing slice -> loads with a "missing slices" warning and the mean spacing', async () => {
    const v = await readDicomSeries(folderFiles('series-variants/missing'));
    expect(v.geometry.size[2]).toBe(5);
    expect(v.geometry.spacing[2]).toBeCloseTo(2.5, 9);
    expect(v.meta.warnings?.join('\n')).toMatch(/missing slices: about 1 slice/);
    expect(v.meta.warnings?.join('\n')).toMatch(/non-uniform slice spacing/);
    // z = 0, 2, 4, 8, 10 (6 missing) on the uniform grid 0, 2.5, 5, 7.5, 10: the middle slice is 1 mm off.
    expect(v.meta['sliceDeviationMm']).toBeCloseTo(1, 9);
  });

  test('non-uniform spacing -> warning with the worst deviation', async () => {
    const v = await readDicomSeries(folderFiles('series-variants/nonuniform'));
    expect(v.meta.warnings).toHaveLength(1);
    expect(v.meta.warnings?.[0]).toMatch(/non-uniform slice spacing: steps 1\.300\.\.2\.700 mm; volume uses the mean 2\.000 mm \(worst deviation 0\.700 mm\)/);
  });

  test('gantry tilt -> warning; axis k follows the slice positions', async () => {
    const v = await readDicomSeries(folderFiles('series-variants/tilt'));
    expect(v.meta.warnings?.join('\n')).toMatch(/gantry tilt \/ sheared stack: slice positions deviate 15\.000 deg/);
    const kDir = [v.geometry.direction[2], v.geometry.direction[5], v.geometry.direction[8]];
    expect(kDir[1]).toBeCloseTo(Math.sin((15 * Math.PI) / 180), 6);
    const last = indexToWorld(v.geometry, [0, 0, 3]);
    expect(last[2]).toBeCloseTo(9, 6);
    expect(last[1]).toBeCloseTo(-30 + 3 * 3 * Math.tan((15 * Math.PI) / 180), 5);
  });

  test('two series in one file list -> InputError; groupDicomSeries splits them', async () => {
    const files = folderFiles('series-variants/two-series');
    await expect(readDicomSeries(files, { name: 'mixed' })).rejects.toMatchObject({ code: 'E_INPUT', details: { cause: 'several-series' } });
    const groups = await groupDicomSeries(files);
    expect(groups.map((g) => [g.sliceCount, g.columns, g.files])).toEqual([
      [3, 8, ['a0.dcm', 'a1.dcm', 'a2.dcm']],
      [2, 6, ['b0.dcm', 'b1.dcm']],
    ]);
    expect(groups.every((g) => g.modality === 'CT')).toBe(true);
    expect(JSON.stringify(groups)).not.toMatch(/Synthetic|SYN-0001|19700101/);
  });

  test('one series UID with two orientations -> two groups, readDicomSeries refuses', async () => {
    const files = folderFiles('series-variants/mixed-orientation');
    const groups = await groupDicomSeries(files);
    expect(groups).toHaveLength(2);
    expect(groups[0]!.seriesInstanceUid).toBe(groups[1]!.seriesInstanceUid);
    await expect(readDicomSeries(files)).rejects.toMatchObject({ code: 'E_INPUT' });
  });

  test('maxVoxels applies to the whole series before decoding', async () => {
    await expect(readDicomSeries(folderFiles(ref.folder), { maxVoxels: 32 * 32 * 11 })).rejects.toMatchObject({ code: 'E_LIMIT' });
  });
});
