/**
 * Siemens mosaics against dcm2niix: each fixture's unpacked volume must sit on the same world grid
 * as the matching volume of dcm2niix's Ref NIfTI (voxel centres within 1e-3 mm) and hold the same
 * value at every world position. dcm2niix stores rows flipped and sometimes k reversed, so voxels
 * are compared through the two geometries, never index by index. Fixtures: mosaic/SOURCES.md.
 */
import { describe, expect, test } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { readNifti } from '../../../src/io/nifti/index.js';
import { indexToWorld, worldToIndex } from '../../../src/core/geometry.js';
import type { Volume } from '../../../src/core/volume.js';
import { isMosaic } from '../../../src/io/dicom/mosaic.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { DataSet } from '../../../src/io/dicom/dataset.js';
import { failure, fixtureBytes } from './helpers.js';

async function load(name: string): Promise<{ dicom: Volume; ref: Volume }> {
  const dicom = await readDicom(fixtureBytes(`mosaic/${name}.dcm`), { name: `${name}.dcm` });
  const ref = await readNifti(fixtureBytes(`mosaic/${name}.ref.nii.gz`), { name: `${name}.ref.nii.gz` });
  return { dicom, ref };
}

/** Max distance (mm) from each corner voxel of `a` to the nearest voxel centre of `b`, and equality of all voxels mapped through world space. */
function compareOnWorldGrid(a: Volume, b: Volume): { cornerErrorMm: number; mismatches: number; outside: number } {
  const [ni, nj, nk] = a.geometry.size;
  let cornerErrorMm = 0;
  for (const i of [0, ni - 1])
    for (const j of [0, nj - 1])
      for (const k of [0, nk - 1]) {
        const w = indexToWorld(a.geometry, [i, j, k]);
        const r = worldToIndex(b.geometry, w).map(Math.round);
        const back = indexToWorld(b.geometry, r);
        cornerErrorMm = Math.max(cornerErrorMm, Math.hypot(back[0] - w[0], back[1] - w[1], back[2] - w[2]));
      }
  const [bi, bj, bk] = b.geometry.size;
  let mismatches = 0;
  let outside = 0;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const [ri, rj, rk] = worldToIndex(b.geometry, indexToWorld(a.geometry, [i, j, k])).map(Math.round) as [number, number, number];
        if (ri < 0 || rj < 0 || rk < 0 || ri >= bi || rj >= bj || rk >= bk) {
          outside++;
          continue;
        }
        if (a.data[i + ni * (j + nj * k)] !== b.data[ri + bi * (rj + bj * rk)]) mismatches++;
      }
  return { cornerErrorMm, mismatches, outside };
}

describe('Siemens mosaic vs dcm2niix Ref NIfTI', () => {
  test('sagittal, descending (k runs against row x column): geometry and every voxel', async () => {
    const { dicom, ref } = await load('sag_desc36_vol1');
    expect(dicom.geometry.size).toEqual([64, 64, 36]);
    expect(dicom.geometry.spacing).toEqual([3.25, 3.25, 3.6]);
    // row = +P, column = -S (inferior); row x column = -L, but Siemens numbers slices along +L (SliceNormalVector [1, 0, 0]).
    expect(dicom.geometry.direction).toEqual([0, 0, 1, 1, 0, 0, 0, -1, 0]);
    // IPP [-63, -660.32, 598.58] of the 384x384 mosaic moves (384 - 64) / 2 pixels along row and column.
    const o = dicom.geometry.origin;
    expect([o[0], o[1], o[2]].map((v) => Number(v.toFixed(4)))).toEqual([-63, -140.3196, 78.5763]);
    expect(compareOnWorldGrid(dicom, ref)).toEqual({ cornerErrorMm: expect.closeTo(0, 3), mismatches: 0, outside: 0 });
    expect(dicom.meta['mosaic']).toEqual({ images: 36, grid: 6 });
    // MosaicRefAcqTimes (ms) -> seconds, per slice in k order; descending acquisition.
    const times = dicom.meta['sliceTimes'] as number[];
    expect(times).toHaveLength(36);
    expect(times.slice(0, 3).map((t) => Number(t.toFixed(4)))).toEqual([2.44, 2.37, 2.3]);
    expect(times[35]).toBeCloseTo(0, 6);
  });

  test('oblique axial CMRR, interleaved, 40 slices in a 7x7 grid (last tiles blank), k towards feet', async () => {
    const { dicom, ref } = await load('cmrr_int_hf_vol1');
    expect(dicom.geometry.size).toEqual([64, 64, 40]);
    const d = dicom.geometry.direction;
    // Slice normal [0, -0.1599, -0.9871]: k points inferior, against row x column.
    expect([d[2], d[5], d[8]].map((v) => Number(v.toFixed(4)))).toEqual([0, -0.1599, -0.9871]);
    expect(dicom.geometry.spacing[2]).toBeCloseTo(3.6, 6);
    expect(compareOnWorldGrid(dicom, ref)).toEqual({ cornerErrorMm: expect.closeTo(0, 3), mismatches: 0, outside: 0 });
    expect(dicom.meta['mosaic']).toEqual({ images: 40, grid: 7 });
  });

  test('JPEG Lossless mosaic (axial, descending): decoded through the codec, then unpacked', async () => {
    const { dicom, ref } = await load('ax_desc35_jpeg_lossless');
    expect(dicom.meta['transferSyntax']).toBe('1.2.840.10008.1.2.4.70');
    expect(dicom.geometry.size).toEqual([64, 64, 35]);
    expect(compareOnWorldGrid(dicom, ref)).toEqual({ cornerErrorMm: expect.closeTo(0, 3), mismatches: 0, outside: 0 });
  });

  test('isMosaic recognises the fixtures and not a plain MR image', () => {
    expect(isMosaic(parseDicomBytes(fixtureBytes('mosaic/sag_desc36_vol1.dcm'), 'm').dataSet)).toBe(true);
    expect(isMosaic(parseDicomBytes(fixtureBytes('MR_small.dcm'), 'mr').dataSet)).toBe(false);
  });

  test('isMosaic: (0019,100A) counts only in the SIEMENS MR HEADER private block', () => {
    const withCreator = (creator: string): DataSet => {
      const text = new TextEncoder().encode(creator);
      const bytes = new Uint8Array(text.length + 2);
      bytes.set(text, 0);
      bytes.set([36, 0], text.length); // US 36
      const ds = new DataSet(bytes, true);
      ds.elements['x00190010'] = { tag: 'x00190010', vr: 'LO', length: text.length, dataOffset: 0 };
      ds.elements['x0019100a'] = { tag: 'x0019100a', vr: 'US', length: 2, dataOffset: text.length };
      return ds;
    };
    expect(isMosaic(withCreator('SIEMENS MR HEADER'))).toBe(true);
    expect(isMosaic(withCreator('GEMS_ACQU_01'))).toBe(false);
  });
});

/** Replaces the first occurrence of `from` (latin1) with `to` (same length). */
function patchText(bytes: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const text = new TextDecoder('latin1').decode(bytes);
  const at = text.indexOf(from);
  expect(at).toBeGreaterThan(0);
  const out = bytes.slice();
  out.set(
    [...to].map((c) => c.charCodeAt(0)),
    at,
  );
  return out;
}

test('slice times beyond RepetitionTime are left out with a warning, not reported wrong', async () => {
  // RepetitionTime (0018,0080) DS "3000" -> "2000" (ms): the descending times reach 2.44 s.
  const bytes = fixtureBytes('mosaic/sag_desc36_vol1.dcm');
  const at = [...bytes.keys()].find((i) => bytes[i] === 0x18 && bytes[i + 1] === 0 && bytes[i + 2] === 0x80 && bytes[i + 3] === 0 && bytes[i + 4] === 0x44)!;
  expect(String.fromCharCode(...bytes.subarray(at + 8, at + 12))).toBe('3000');
  bytes[at + 8] = 0x32; // '2'
  const v = await readDicom(bytes, { name: 'tr.dcm' });
  expect(v.meta['sliceTimes']).toBeUndefined();
  expect(v.meta.warnings).toEqual([expect.stringMatching(/MosaicRefAcqTimes outside 0\.\.2000 ms .*: slice times not reported/)]);
});

describe('inconsistent mosaics are typed errors', () => {
  const sag = (): Uint8Array => fixtureBytes('mosaic/sag_desc36_vol1.dcm');

  test('SliceNormalVector not normal to the image plane -> DecodeError', async () => {
    // The CSA item text "1.00000000" of SliceNormalVector [1, 0, 0] becomes 0: a zero vector.
    const csaAt = new TextDecoder('latin1').decode(sag()).indexOf('SliceNormalVector');
    const bytes = sag();
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('1.00000000', csaAt);
    bytes.set(
      [...'0.00000000'].map((c) => c.charCodeAt(0)),
      at,
    );
    const err = await failure(readDicom(bytes, { name: 'normal.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'normal.dcm', cause: 'mosaic-slice-normal' } });
  });

  test('CSA slice count disagreeing with (0019,100A) -> DecodeError', async () => {
    const csaAt = new TextDecoder('latin1').decode(sag()).indexOf('NumberOfImagesInMosaic');
    const bytes = sag();
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('36', csaAt + 64);
    bytes.set([0x33, 0x35], at); // "35"
    const err = await failure(readDicom(bytes, { name: 'count.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { cause: 'mosaic-count' } });
    expect(err.message).toContain('CSA NumberOfImagesInMosaic 35, (0019,100A) 36');
  });

  test('a slice count that does not tile the frame -> DecodeError (nibabel test file: 48 slices claimed in a 256x256 ramp)', async () => {
    const err = await failure(readDicom(fixtureBytes('siemens_dwi_mosaic_0.dcm'), { name: 'mosaic.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'mosaic.dcm', cause: 'mosaic-count' } });
    expect(err.message).toMatch(/48 slices does not tile a 256x256 frame/);
  });

  test('corrupt CSA header -> DecodeError naming the CSA header', async () => {
    // The element count after 'SV10' + 4 bytes becomes 0x7fffffff.
    const bytes = sag();
    const text = new TextDecoder('latin1').decode(bytes);
    const at = text.indexOf('SV10');
    bytes.set([0xff, 0xff, 0xff, 0x7f], at + 8);
    const err = await failure(readDicom(bytes, { name: 'csa.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { file: 'csa.dcm', cause: 'csa-header' } });
  });

  test('ImageType MOSAIC without any slice count -> DecodeError', async () => {
    // Rename the CSA element, the Phoenix protocol's sSliceArray.lSize and break the (0019,100A)
    // tag number so no count is found.
    let bytes = patchText(patchText(sag(), 'NumberOfImagesInMosaic', 'NumberOfImagesInMosaiX'), 'sSliceArray.lSize', 'sSliceArray.lSizX');
    const at = [...bytes.keys()].find((i) => bytes[i] === 0x19 && bytes[i + 1] === 0 && bytes[i + 2] === 0x0a && bytes[i + 3] === 0x10)!;
    bytes = bytes.slice();
    bytes[at + 2] = 0xf0; // (0019,10F0): unused
    const err = await failure(readDicom(bytes, { name: 'nocount.dcm' }));
    expect(err).toMatchObject({ code: 'E_DECODE', details: { cause: 'mosaic-count' } });
  });
});
