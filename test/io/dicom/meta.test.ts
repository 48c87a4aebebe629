/**
 * Metadata and options: MONOCHROME1 (reported, and inverted on request), geometry fallbacks with
 * warnings, modality LUT type rule, multi-frame placement, and PHI never reaching meta.
 */
import { describe, expect, test } from 'vitest';
import { invertDicomMonochrome1, readDicom } from '../../../src/io/dicom/index.js';
import { fixtureBytes, loadReference } from './helpers.js';

const PHI = /Synthetic|SYN-0001|19700101/;

describe('MONOCHROME1', () => {
  const file = 'generated/cr_monochrome1_uint12.dcm';

  test('reported in meta.photometric and left as stored by default', async () => {
    const v = await readDicom(fixtureBytes(file), { name: file });
    expect(v.meta.photometric).toBe('MONOCHROME1');
    expect(v.meta.bitsStored).toBe(12);
    expect(v.meta.valueRange).toEqual({ min: 0, max: 4095 });
    expect(v.meta.window).toEqual({ center: 2000, width: 4000 });
  });

  test('invertMonochrome1: x -> 4095 - x over the BitsStored range, window mirrored', async () => {
    const raw = await readDicom(fixtureBytes(file), { name: file });
    const inv = await readDicom(fixtureBytes(file), { name: file, invertMonochrome1: true });
    expect(inv.type).toBe('uint16');
    expect(inv.meta.photometric).toBe('MONOCHROME2');
    expect(inv.meta.invertedFromMonochrome1).toBe(true);
    expect(inv.meta.window).toEqual({ center: 2095, width: 4000 });
    for (let p = 0; p < raw.data.length; p++) expect(inv.data[p]).toBe(4095 - raw.data[p]!);
    expect(invertDicomMonochrome1(raw).data).toEqual(inv.data);
  });

  test('helper leaves MONOCHROME2 volumes untouched', async () => {
    const v = await readDicom(fixtureBytes('CT_small.dcm'));
    expect(invertDicomMonochrome1(v)).toBe(v);
  });

  test('ImagerPixelSpacing gives the spacing of a projection image, with a warning about position', async () => {
    const v = await readDicom(fixtureBytes(file), { name: file });
    expect(v.geometry.spacing).toEqual([0.1, 0.2, 1]);
    expect(v.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(v.meta.warnings).toEqual(['no patient position / orientation: identity direction, origin 0; spacing from pixel spacing attributes']);
  });
});

describe('geometry and frames', () => {
  test('single slice: size [columns, rows, 1], i along a row (PixelSpacing[1]), j down (PixelSpacing[0])', async () => {
    const v = await readDicom(fixtureBytes('generated/int16_bits12_signed_implicit.dcm'));
    expect(v.geometry.size).toEqual([20, 16, 1]);
    expect(v.geometry.spacing.slice(0, 2)).toEqual([0.75, 0.5]);
    expect(v.geometry.origin).toEqual([-10, -20, 30]);
    expect(v.meta.warnings).toEqual([]);
  });

  test('no geometry at all: identity, 1 mm, warning', async () => {
    const v = await readDicom(fixtureBytes('image_dfl.dcm'));
    expect(v.geometry.spacing).toEqual([1, 1, 1]);
    expect(v.meta.warnings?.[0]).toMatch(/^no patient geometry/);
  });

  test('RT Dose frames placed by GridFrameOffsetVector; DoseGridScaling reported, not applied', async () => {
    const v = await readDicom(fixtureBytes('rtdose.dcm'));
    expect(v.geometry.size).toEqual([10, 10, 15]);
    expect(typeof v.meta.doseGridScaling).toBe('number');
    expect(v.type).toBe('uint32');
  });

  test('enhanced multi-frame: per-frame positions along an oblique normal, per-frame rescale -> float32', async () => {
    const ref = loadReference().files.find((f) => f.file === 'generated/enhanced_ct_5frames.dcm')!;
    const v = await readDicom(fixtureBytes(ref.file));
    expect(v.geometry.size).toEqual([16, 12, 5]);
    expect(v.geometry.spacing[2]).toBeCloseTo(2.5, 3);
    expect(v.type).toBe('float32');
    expect(v.meta.rescale).toEqual({ slope: 1, intercept: -1024 });
    expect(v.meta.warnings).toEqual([]);
  });

  test('multi-frame without positions: one slice, frames are volumes (4D), with a warning', async () => {
    const v = await readDicom(fixtureBytes('generated/rgb_planar1_2frames.dcm'));
    expect(v.geometry.size).toEqual([7, 5, 1]);
    expect(v.frames).toBe(2);
    expect(v.components).toBe(3);
    expect(v.meta.warnings).toContain('2 frames without positions: one slice, frames are volumes (4D, in stored order)');
  });
});

describe('modality LUT and meta', () => {
  test('CT with integer rescale keeps an integer type wide enough (int16 for HU here)', async () => {
    const v = await readDicom(fixtureBytes('CT_small.dcm'));
    expect(v.type).toBe('int16');
    expect(v.meta.modalityLutApplied).toBe(true);
    expect(v.meta.rescale).toEqual({ slope: 1, intercept: -1024 });
    const raw = await readDicom(fixtureBytes('CT_small.dcm'), { applyModalityLut: false });
    expect(raw.meta.modalityLutApplied).toBe(false);
    for (let p = 0; p < raw.data.length; p += 97) expect(v.data[p]).toBe(raw.data[p]! - 1024);
  });

  test('integer slope 2, intercept -1000 on 12-bit signed data: exact, still int16 (values -5096..3094)', async () => {
    const v = await readDicom(fixtureBytes('generated/int16_bits12_signed_implicit.dcm'));
    expect(v.type).toBe('int16');
    const raw = await readDicom(fixtureBytes('generated/int16_bits12_signed_implicit.dcm'), { applyModalityLut: false });
    for (let p = 0; p < raw.data.length; p++) expect(v.data[p]).toBe(raw.data[p]! * 2 - 1000);
  });

  test('lossy transfer syntaxes are flagged', async () => {
    expect((await readDicom(fixtureBytes('SC_rgb_jpeg_dcmtk.dcm'))).meta.lossy).toBe(true);
    expect((await readDicom(fixtureBytes('MR_small_jpeg_ls_lossless.dcm'))).meta.lossy).toBe(false);
  });

  test('meta never carries patient identifiers', async () => {
    for (const f of ['generated/cr_monochrome1_uint12.dcm', 'generated/enhanced_ct_5frames.dcm', 'series-oblique/im03.dcm']) {
      const v = await readDicom(fixtureBytes(f), { name: f });
      expect(JSON.stringify(v.meta)).not.toMatch(PHI);
    }
  });
});

describe('multi-frame that is not a spatial stack', () => {
  test('enhanced MR cine (3 frames, one position): 4D of one slice (never a stack with the frame index as k)', async () => {
    const v = await readDicom(fixtureBytes('generated/enhanced_mr_cine_3frames.dcm'));
    expect(v.geometry.size).toEqual([12, 10, 1]);
    expect(v.frames).toBe(3);
    expect(v.geometry.origin).toEqual([-7.5, 12, 40]);
    // k spacing of a single slice is its SliceThickness (6 mm here), as for single-frame images.
    expect(v.geometry.spacing).toEqual([1.25, 1.5, 6]);
    expect(v.meta.warnings).toEqual([]);
    expect(v.meta['part']).toBe('');
  });
});

describe('Modality LUT Sequence', () => {
  test('table applied like pydicom (clipped below / above the table), uint16 out, reported in meta', async () => {
    const v = await readDicom(fixtureBytes('generated/xa_modality_lut_sequence.dcm'));
    expect(v.type).toBe('uint16');
    expect(v.meta.modalityLut).toBe('table');
    expect(v.meta.modalityLutApplied).toBe(true);
    expect(v.meta.rescale).toBeUndefined();
    const raw = await readDicom(fixtureBytes('generated/xa_modality_lut_sequence.dcm'), { applyModalityLut: false });
    for (let p = 0; p < raw.data.length; p++) {
      const idx = Math.min(2999, Math.max(0, raw.data[p]! - 100));
      expect(v.data[p]).toBe(Math.round(2000 + 30 * Math.sqrt(idx)));
    }
  });
});

describe('partial geometry', () => {
  test('IPP / IOP present but no PixelSpacing: placed in the patient frame, 1 mm in-plane, warning', async () => {
    const bytes = fixtureBytes('CT_small.dcm');
    let at = -1;
    for (let i = 132; i + 4 <= bytes.length && at < 0; i++) if (bytes[i] === 0x28 && bytes[i + 1] === 0 && bytes[i + 2] === 0x30 && bytes[i + 3] === 0) at = i;
    const patched = bytes.slice();
    patched[at + 2] = 0x39; // (0028,0030) PixelSpacing -> (0028,0039), an unused tag
    const v = await readDicom(patched, { name: 'nospacing.dcm' });
    const ref = await readDicom(bytes);
    expect(v.geometry.origin).toEqual(ref.geometry.origin);
    expect(v.geometry.spacing.slice(0, 2)).toEqual([1, 1]);
    expect(v.meta.warnings).toEqual(['PixelSpacing missing: in-plane spacing 1 mm']);
  });
});

describe('input byte views', () => {
  test('a Uint8Array view at an odd offset of a larger buffer (e.g. a pooled Node Buffer) reads the same', async () => {
    for (const f of ['MR_small_bigendian.dcm', 'generated/int32_signed_bigendian_2frames.dcm', 'MR_small_jpeg_ls_lossless.dcm', 'image_dfl.dcm']) {
      const bytes = fixtureBytes(f);
      const padded = new Uint8Array(bytes.length + 7);
      padded.set(bytes, 3);
      const view = padded.subarray(3, 3 + bytes.length);
      const a = await readDicom(bytes);
      const b = await readDicom(view);
      expect(Array.from(b.data as ArrayLike<number>), f).toEqual(Array.from(a.data as ArrayLike<number>));
      expect(view).toEqual(bytes); // input untouched (big-endian swapping works on a copy)
    }
  });
});
