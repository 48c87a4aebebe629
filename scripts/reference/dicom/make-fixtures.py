#!/usr/bin/python3
"""Generates the DICOM test fixtures that /work/shared/data does not cover.

Run from the repository root with Debian's /usr/bin/python3 (pydicom 2.3, numpy) and dcmtk,
gdcmconv (libgdcm-tools) and node on PATH:

    /usr/bin/python3 scripts/reference/dicom/make-fixtures.py

Writes test/fixtures/dicom/generated/*.dcm and test/fixtures/dicom/series-*/ . Deterministic
(fixed seeds, fixed UIDs) so re-running gives the same pixels. Reference values are computed
separately by compute-reference.py (pydicom + gdcm), never by the code under test.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixel_data_handlers.util import convert_color_space, pack_bits
from pydicom.uid import ExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FIX = os.path.join(ROOT, 'test', 'fixtures', 'dicom')
GEN = os.path.join(FIX, 'generated')
UID_ROOT = '1.2.826.0.1.3680043.10.1234.'  # fixed, test-only UIDs
CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2'
ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1'
SC_STORAGE = '1.2.840.10008.5.1.4.1.1.7'
CR_STORAGE = '1.2.840.10008.5.1.4.1.1.1'


def uid(suffix):
    return UID_ROOT + str(suffix)


def base_dataset(sop_class, sop_uid, ts=ExplicitVRLittleEndian):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = uid(1)
    ds = FileDataset(None, {}, file_meta=meta, preamble=b'\0' * 128)
    ds.is_little_endian = ts != ExplicitVRBigEndian
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    # Synthetic patient identity: lets tests prove summaries and errors never show it.
    ds.PatientName = 'Synthetic^Fixture'
    ds.PatientID = 'SYN-0001'
    ds.PatientBirthDate = '19700101'
    ds.StudyInstanceUID = uid(10)
    ds.SeriesInstanceUID = uid(11)
    ds.Modality = 'OT'
    return ds


def set_pixels(ds, arr, bits_stored=None, photometric='MONOCHROME2', planar=None):
    arr = np.asarray(arr)
    spp = 1 if photometric.startswith('MONO') else 3
    # mono: (..., rows, cols); colour: (..., rows, cols, 3)
    ds.Rows, ds.Columns = (arr.shape[-2], arr.shape[-1]) if spp == 1 else (arr.shape[-3], arr.shape[-2])
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = arr.dtype.itemsize * 8
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if arr.dtype.kind == 'i' else 0
    if spp == 3:
        ds.PlanarConfiguration = planar or 0
    frames = arr.shape[0] if (arr.ndim == 3 and spp == 1) or arr.ndim == 4 else 1
    if frames > 1:
        ds.NumberOfFrames = frames
    if spp == 3 and planar == 1:
        # colour-by-plane: per frame RRR..GGG..BBB..
        a = arr.reshape((frames, ds.Rows, ds.Columns, 3))
        arr = np.ascontiguousarray(np.moveaxis(a, -1, 1))
    order = '>' if not ds.is_little_endian else '<'
    ds.PixelData = arr.astype(arr.dtype.newbyteorder(order)).tobytes()


def save(ds, name):
    path = os.path.join(GEN, name)
    ds.save_as(path, write_like_original=False)
    return path


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def rng(seed):
    return np.random.default_rng(seed)


def smooth_image(seed, shape, lo, hi, dtype):
    """Smooth random field (compresses like an image, not like noise) scaled to [lo, hi]."""
    g = rng(seed)
    y, x = np.mgrid[0:shape[-2], 0:shape[-1]]
    img = np.zeros(shape, dtype=np.float64)
    for _ in range(6):
        fx, fy, ph = g.uniform(0.02, 0.3), g.uniform(0.02, 0.3), g.uniform(0, 6.28)
        img = img + np.sin(x * fx + y * fy + ph)
    img = (img - img.min()) / (img.max() - img.min())
    return np.round(lo + img * (hi - lo)).astype(dtype)


def make_native_variants():
    # 32-bit signed, big endian, non-integer rescale (float output), 2 frames.
    ds = base_dataset(SC_STORAGE, uid(100), ExplicitVRBigEndian)
    a = np.stack([smooth_image(1, (6, 7), -100000, 100000, np.int32), smooth_image(2, (6, 7), -5, 70000, np.int32)])
    set_pixels(ds, a)
    ds.RescaleSlope, ds.RescaleIntercept = '0.25', '-10.5'
    save(ds, 'int32_signed_bigendian_2frames.dcm')
    # 8-bit signed.
    ds = base_dataset(SC_STORAGE, uid(101))
    set_pixels(ds, smooth_image(3, (9, 11), -128, 127, np.int8))
    save(ds, 'int8_signed.dcm')
    # 12 bits stored in 16, signed (negatives sign-extended), integer rescale (int output), implicit LE.
    ds = base_dataset(CT_STORAGE, uid(102), ImplicitVRLittleEndian)
    ds.Modality = 'CT'
    set_pixels(ds, smooth_image(4, (16, 20), -2048, 2047, np.int16), bits_stored=12)
    ds.RescaleSlope, ds.RescaleIntercept = '2', '-1000'
    ds.ImagePositionPatient = [-10, -20, 30]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.5, 0.75]
    save(ds, 'int16_bits12_signed_implicit.dcm')
    # MONOCHROME1 projection radiograph, 12-bit unsigned, ImagerPixelSpacing only.
    ds = base_dataset(CR_STORAGE, uid(103))
    ds.Modality = 'CR'
    set_pixels(ds, smooth_image(5, (24, 18), 0, 4095, np.uint16), bits_stored=12, photometric='MONOCHROME1')
    ds.ImagerPixelSpacing = [0.2, 0.1]
    ds.WindowCenter, ds.WindowWidth = '2000', '4000'
    save(ds, 'cr_monochrome1_uint12.dcm')
    # RGB, planar configuration 1, 2 frames.
    rgb = np.stack([smooth_image(6 + c, (2, 5, 7), 0, 255, np.uint8) for c in range(3)], axis=-1)
    ds = base_dataset(SC_STORAGE, uid(104))
    set_pixels(ds, rgb, photometric='RGB', planar=1)
    save(ds, 'rgb_planar1_2frames.dcm')
    # Native YBR_FULL and YBR_FULL_422 (from an RGB picture via pydicom's own conversion).
    rgb1 = np.stack([smooth_image(20 + c, (6, 8), 0, 255, np.uint8) for c in range(3)], axis=-1)
    ybr = convert_color_space(rgb1, 'RGB', 'YBR_FULL')
    ds = base_dataset(SC_STORAGE, uid(105))
    set_pixels(ds, ybr, photometric='YBR_FULL')
    save(ds, 'ybr_full_native.dcm')
    ds = base_dataset(SC_STORAGE, uid(106))
    set_pixels(ds, ybr, photometric='YBR_FULL')
    ds.PhotometricInterpretation = 'YBR_FULL_422'
    sub = []  # Y1 Y2 Cb Cr per pixel pair, chroma of the first pixel of each pair
    for r in range(ybr.shape[0]):
        for c in range(0, ybr.shape[1], 2):
            sub += [ybr[r, c, 0], ybr[r, c + 1, 0], ybr[r, c, 1], ybr[r, c, 2]]
    ds.PixelData = bytes(np.array(sub, dtype=np.uint8))
    save(ds, 'ybr_full_422_native.dcm')
    # 1-bit, 3 frames of 5x3 (frames not byte aligned: 15 bits each).
    bits = (smooth_image(9, (3, 3, 5), 0, 1, np.uint8))
    ds = base_dataset(SC_STORAGE, uid(107))
    set_pixels(ds, bits)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 1, 0
    ds.PixelData = pack_bits(bits.ravel())
    save(ds, 'bits1_3frames.dcm')
    # 12-bit source for JPEG Extended (4.51), unsigned.
    ds = base_dataset(CT_STORAGE, uid(108))
    ds.Modality = 'CT'
    set_pixels(ds, smooth_image(10, (32, 32), 0, 4095, np.uint16), bits_stored=12)
    return save(ds, 'uint16_bits12_source.dcm')


def make_enhanced():
    """Enhanced CT: oblique per-frame positions, per-frame (non-integer) rescale, shared measures."""
    ds = base_dataset(ENHANCED_CT, uid(200))
    ds.Modality = 'CT'
    frames = np.stack([smooth_image(30 + f, (12, 16), 0, 3000, np.uint16) for f in range(5)])
    set_pixels(ds, frames, bits_stored=12)
    row = np.array([0.9, 0.3, 0.0]); row /= np.linalg.norm(row)
    col = np.array([-0.3 * 0.8, 0.9 * 0.8, 0.6]); col -= row * (col @ row); col /= np.linalg.norm(col)
    normal = np.cross(row, col)
    shared = Dataset()
    pm = Dataset(); pm.PixelSpacing = ['0.7', '0.6']; pm.SliceThickness = '2.5'
    po = Dataset(); po.ImageOrientationPatient = [f'{v:.6f}' for v in np.concatenate([row, col])]
    shared.PixelMeasuresSequence = [pm]
    shared.PlaneOrientationSequence = [po]
    ds.SharedFunctionalGroupsSequence = [shared]
    per = []
    origin = np.array([-50.0, 20.0, 100.0])
    for f in range(5):
        item = Dataset()
        pp = Dataset(); pp.ImagePositionPatient = [f'{v:.4f}' for v in origin + normal * 2.5 * f]
        item.PlanePositionSequence = [pp]
        pvt = Dataset(); pvt.RescaleSlope = ['1', '0.5', '1', '2', '1.5'][f]; pvt.RescaleIntercept = str(-1024 + f); pvt.RescaleType = 'HU'
        item.PixelValueTransformationSequence = [pvt]
        per.append(item)
    ds.PerFrameFunctionalGroupsSequence = per
    save(ds, 'enhanced_ct_5frames.dcm')


def make_modality_lut_sequence():
    """XA-like 12-bit image with a Modality LUT Sequence (first mapped 100, 3000 entries, 16-bit)."""
    ds = base_dataset('1.2.840.10008.5.1.4.1.1.12.1', uid(400))
    ds.Modality = 'XA'
    set_pixels(ds, smooth_image(50, (14, 10), 0, 4095, np.uint16), bits_stored=12)
    item = Dataset()
    item.LUTDescriptor = [3000, 100, 16]
    item.ModalityLUTType = 'OD'
    # LUTData is US or OW; pydicom writes it as OW, i.e. raw little-endian 16-bit words.
    item.LUTData = np.array([round(2000 + 30 * np.sqrt(i)) for i in range(3000)], dtype='<u2').tobytes()
    ds.ModalityLUTSequence = [item]
    save(ds, 'xa_modality_lut_sequence.dcm')


def make_multiframe_encapsulated():
    """Multi-frame encapsulated data: 32-bit RLE (15 frames), JPEG-LS / JPEG 2000 / JPEG lossless
    of the enhanced CT (5 frames, per-frame functional groups kept)."""
    rtdose, enhanced = os.path.join(FIX, 'rtdose.dcm'), os.path.join(GEN, 'enhanced_ct_5frames.dcm')
    run('dcmcrle', rtdose, os.path.join(GEN, 'rtdose_rle_32bit_15frames.dcm'))
    run('dcmcjpls', enhanced, os.path.join(GEN, 'enhanced_ct_jpeg_ls_5frames.dcm'))
    run('gdcmconv', '--j2k', enhanced, os.path.join(GEN, 'enhanced_ct_jpeg2000_5frames.dcm'))
    run('dcmcjpeg', '+e1', enhanced, os.path.join(GEN, 'enhanced_ct_jpeg_lossless_5frames.dcm'))
    # Several fragments per frame: located through the offset table, or (table left empty) by
    # the JPEG end-of-image markers.
    ds = base_dataset(SC_STORAGE, uid(500))
    noisy = rng(77).integers(0, 4096, size=(3, 48, 40)).astype(np.uint16)  # noise: ~3 KB per frame compressed
    set_pixels(ds, noisy, bits_stored=12)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, 'noise.dcm')
        ds.save_as(src, write_like_original=False)
        run('dcmcjpeg', '+e1', '+fs', '1', src, os.path.join(GEN, 'noise_jpeg_lossless_fragments_bot.dcm'))
        run('dcmcjpeg', '+e1', '+fs', '1', '-ot', src, os.path.join(GEN, 'noise_jpeg_lossless_fragments_nobot.dcm'))


def make_j2k_unsigned_stream_signed_data():
    """JPEG 2000 codestream marked unsigned, 12-bit precision, in a dataset saying
    PixelRepresentation 1: exercises the sign correction pydicom applies (APPLY_J2K_CORRECTIONS)."""
    src = pydicom.dcmread(os.path.join(GEN, 'uint16_bits12_source.dcm'))
    arr = src.pixel_array
    with tempfile.TemporaryDirectory() as d:
        raw, j2c = os.path.join(d, 'in.raw'), os.path.join(d, 'out.j2c')
        arr.astype('<u2').tofile(raw)
        subprocess.run(['node', os.path.join(ROOT, 'scripts/reference/dicom/encode-j2k.mjs'), 'j2k', raw, j2c,
                        str(src.Columns), str(src.Rows), '12', '0', '1'], check=True, cwd=ROOT)
        stream = open(j2c, 'rb').read()
    ds = base_dataset(CT_STORAGE, uid(600), '1.2.840.10008.1.2.4.90')
    ds.Modality = 'CT'
    set_pixels(ds, arr.astype(np.int16), bits_stored=12)
    ds.PixelData = encapsulate([stream])
    ds['PixelData'].is_undefined_length = True
    ds['PixelData'].VR = 'OB'
    ds.save_as(os.path.join(GEN, 'j2k_unsigned_stream_signed_pr.dcm'), write_like_original=False)


def make_jpeg_extended_8bit():
    """JPEG Extended (1.2.840.10008.1.2.4.51) with 8-bit samples: decodable, unlike 12-bit."""
    with tempfile.TemporaryDirectory() as d:
        gray8 = os.path.join(d, 'gray8.dcm')
        run('dcmconv', '+te', os.path.join(FIX, 'image_dfl.dcm'), gray8)
        run('dcmcjpeg', '+ee', gray8, os.path.join(GEN, 'gray8_jpeg_extended.dcm'))


def make_cine():
    """Enhanced MR cine: 3 frames at one position (a time series, not a spatial stack)."""
    ds = base_dataset('1.2.840.10008.5.1.4.1.1.4.1', uid(300))
    ds.Modality = 'MR'
    set_pixels(ds, np.stack([smooth_image(40 + f, (10, 12), 0, 1000, np.uint16) for f in range(3)]), bits_stored=12)
    shared = Dataset()
    pm = Dataset(); pm.PixelSpacing = ['1.5', '1.25']; pm.SliceThickness = '6'
    po = Dataset(); po.ImageOrientationPatient = ['1', '0', '0', '0', '0', '-1']
    pp = Dataset(); pp.ImagePositionPatient = ['-7.5', '12', '40']
    shared.PixelMeasuresSequence, shared.PlaneOrientationSequence, shared.PlanePositionSequence = [pm], [po], [pp]
    ds.SharedFunctionalGroupsSequence = [shared]
    ds.PerFrameFunctionalGroupsSequence = [Dataset() for _ in range(3)]
    save(ds, 'enhanced_mr_cine_3frames.dcm')


def make_codec_variants(src12):
    d = tempfile.mkdtemp()
    ct, mr, dfl, rgb_rle = (os.path.join(FIX, n) for n in ('CT_small.dcm', 'MR_small.dcm', 'image_dfl.dcm', 'SC_rgb_rle.dcm'))
    gray8 = os.path.join(d, 'gray8.dcm'); run('dcmconv', '+te', dfl, gray8)
    rgb = os.path.join(d, 'rgb.dcm'); run('dcmdrle', rgb_rle, rgb)
    run('dcmcjpeg', '+e1', ct, os.path.join(GEN, 'ct_jpeg_lossless_sv1.dcm'))
    run('dcmcjpeg', '+e1', gray8, os.path.join(GEN, 'gray8_jpeg_lossless_sv1.dcm'))
    run('dcmcjpeg', '+e1', rgb, os.path.join(GEN, 'rgb_jpeg_lossless_sv1.dcm'))
    run('dcmcjpeg', '+el', '+sv', '6', ct, os.path.join(GEN, 'ct_jpeg_lossless_p14_sv6.dcm'))
    run('dcmcjpeg', '+eb', gray8, os.path.join(GEN, 'gray8_jpeg_baseline.dcm'))
    run('dcmcjpeg', '+eb', rgb, os.path.join(GEN, 'rgb_jpeg_baseline_422.dcm'))
    run('dcmcjpeg', '+ee', src12, os.path.join(GEN, 'jpeg_extended_12bit.dcm'))
    run('dcmcjpls', '+en', '+md', '3', src12, os.path.join(GEN, 'uint12_jpeg_ls_near_lossless.dcm'))  # dcmtk: unsigned only
    run('dcmcjpls', rgb, os.path.join(GEN, 'rgb_jpeg_ls_lossless.dcm'))
    run('dcmcrle', ct, os.path.join(GEN, 'ct_rle_signed16.dcm'))
    run('gdcmconv', '--j2k', '--lossy', '-q', '40', mr, os.path.join(GEN, 'mr_jpeg2000_lossy.dcm'))
    run('gdcmconv', '--j2k', ct, os.path.join(GEN, 'ct_jpeg2000_lossless.dcm'))
    run('dcmconv', '+td', ct, os.path.join(GEN, 'ct_deflated.dcm'))
    shutil.rmtree(d)
    for src, name in ((mr, 'mr_htj2k_lossless.dcm'), (ct, 'ct_htj2k_lossless.dcm')):
        make_htj2k(src, name)


def make_htj2k(src, name):
    # pydicom 2.3 predates HTJ2K: register the UID so it is treated as a compressed transfer syntax.
    from pydicom._uid_dict import UID_dictionary
    UID_dictionary.setdefault('1.2.840.10008.1.2.4.201', ('High-Throughput JPEG 2000 Image Compression (Lossless Only)', 'Transfer Syntax', '', '', 'HTJ2KLossless'))
    ds = pydicom.dcmread(src)
    arr = ds.pixel_array
    with tempfile.TemporaryDirectory() as d:
        raw, j2c = os.path.join(d, 'in.raw'), os.path.join(d, 'out.j2c')
        arr.astype(arr.dtype.newbyteorder('<')).tofile(raw)
        subprocess.run(['node', os.path.join(ROOT, 'scripts/reference/dicom/encode-j2k.mjs'), 'htj2k', raw, j2c,
                        str(ds.Columns), str(ds.Rows), str(ds.BitsStored), str(ds.PixelRepresentation), '1'], check=True, cwd=ROOT)
        stream = open(j2c, 'rb').read()
    ds.file_meta.TransferSyntaxUID = '1.2.840.10008.1.2.4.201'
    ds.PixelData = encapsulate([stream])
    ds['PixelData'].is_undefined_length = True
    ds['PixelData'].VR = 'OB'
    ds.is_little_endian, ds.is_implicit_VR = True, False
    # pydicom 2.3 does not know the HTJ2K UIDs: write the dataset as is (no meta "fixing").
    # The reference for these files is the pixels of the source file (lossless round trip).
    ds.save_as(os.path.join(GEN, name), write_like_original=True)


if __name__ == '__main__':
    os.makedirs(GEN, exist_ok=True)
    # --additions: only the fixtures added after the first set (they need its files), so that
    # re-running does not rewrite files whose bytes dcmtk / gdcm stamp with new UIDs.
    if sys.argv[1:] != ['--additions']:
        make_native_variants()
        make_enhanced()
        make_codec_variants(os.path.join(GEN, 'uint16_bits12_source.dcm'))
        import series_fixtures  # noqa: E402  (same folder)
        series_fixtures.main(FIX, base_dataset, set_pixels, smooth_image, uid)
    make_cine()
    make_modality_lut_sequence()
    make_multiframe_encapsulated()
    make_j2k_unsigned_stream_signed_data()
    make_jpeg_extended_8bit()
    print('fixtures written to', FIX, file=sys.stderr)
