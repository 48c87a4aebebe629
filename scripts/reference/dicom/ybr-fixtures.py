#!/usr/bin/python3
"""YBR colour fixtures with photographic content (noise + gradients, so rounding differences show)
and their pydicom 2.3 reference values. Run from the repository root with Debian's /usr/bin/python3
(pydicom 2.3 + Pillow, numpy) and dcmtk's dcmcjpeg on PATH:

    /usr/bin/python3 scripts/reference/dicom/ybr-fixtures.py

Writes test/fixtures/dicom/ybr/*.dcm and reference.json. The reference is pydicom's pixel_array
(the Pillow handler returns JPEG YBR data as YCbCr; numpy upsamples native YBR_FULL_422 by
repeating chroma) followed by convert_color_space(arr, 'YBR_FULL', 'RGB'), hashed as the other
DICOM references are (sha256 of the values as float64 little-endian).
"""
import hashlib
import io
import json
import os
import subprocess

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixel_data_handlers.util import convert_color_space
from pydicom.uid import ExplicitVRLittleEndian

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'dicom', 'ybr')
UID_ROOT = '1.2.826.0.1.3680043.10.1234.77.'
SC = '1.2.840.10008.5.1.4.1.1.7'


def picture(h=64, w=96):
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h) + 60], -1) + rng.normal(0, 25, (h, w, 3))
    return np.clip(rgb, 0, 255).astype(np.uint8)


def dataset(n, rgb, photometric, ts=ExplicitVRLittleEndian):
    fm = FileMetaDataset()
    fm.TransferSyntaxUID = ts
    fm.MediaStorageSOPClassUID = SC
    fm.MediaStorageSOPInstanceUID = UID_ROOT + str(n)
    ds = Dataset()
    ds.file_meta = fm
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = SC, fm.MediaStorageSOPInstanceUID, 'OT'
    ds.SeriesInstanceUID = UID_ROOT + '100'
    ds.Rows, ds.Columns = rgb.shape[:2]
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, photometric, 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    return ds


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = picture()
    src = os.path.join(OUT, 'rgb_native.dcm')
    ds = dataset(1, rgb, 'RGB')
    ds.PixelData = rgb.tobytes()
    ds.save_as(src, write_like_original=False)
    # dcmtk: JFIF APP0, 4:2:2 (YBR_FULL_422) and 4:4:4 (YBR_FULL).
    subprocess.run(['dcmcjpeg', '+eb', src, os.path.join(OUT, 'jpeg_ybr422_dcmtk.dcm')], check=True)
    subprocess.run(['dcmcjpeg', '+eb', '+s4', src, os.path.join(OUT, 'jpeg_ybr444_dcmtk.dcm')], check=True)
    # Pillow (libjpeg-turbo) with an Adobe APP14 marker (transform 1 = YCbCr), 4:2:2.
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format='JPEG', quality=90, subsampling=1)
    jpeg = buf.getvalue()
    adobe = bytes([0xFF, 0xEE, 0x00, 0x0E]) + b'Adobe' + bytes([0x00, 0x64, 0, 0, 0, 0, 1])
    jpeg = jpeg[:2] + adobe + jpeg[2:]
    ds = dataset(2, rgb, 'YBR_FULL_422', '1.2.840.10008.1.2.4.50')
    ds.PixelData = encapsulate([jpeg])
    ds['PixelData'].VR = 'OB'
    ds.is_implicit_VR = False
    ds.save_as(os.path.join(OUT, 'jpeg_ybr422_adobe.dcm'), write_like_original=False)
    # Native YBR_FULL_422: pydicom's RGB -> YBR_FULL, chroma of each pixel pair taken from the first.
    ybr = convert_color_space(rgb, 'RGB', 'YBR_FULL')
    sub = np.empty((rgb.shape[0], rgb.shape[1] // 2, 4), np.uint8)
    sub[..., 0], sub[..., 1] = ybr[:, 0::2, 0], ybr[:, 1::2, 0]
    sub[..., 2], sub[..., 3] = ybr[:, 0::2, 1], ybr[:, 0::2, 2]
    ds = dataset(3, rgb, 'YBR_FULL_422')
    ds.PixelData = sub.tobytes()
    ds.save_as(os.path.join(OUT, 'native_ybr422.dcm'), write_like_original=False)
    os.remove(src)

    ref = {}
    for name in sorted(os.listdir(OUT)):
        if not name.endswith('.dcm'):
            continue
        ds = pydicom.dcmread(os.path.join(OUT, name))
        arr = convert_color_space(ds.pixel_array, 'YBR_FULL', 'RGB')
        values = arr.astype('<f8').ravel()
        ref[name] = {'photometric': str(ds.PhotometricInterpretation), 'transferSyntax': str(ds.file_meta.TransferSyntaxUID),
                     'sha256': hashlib.sha256(values.tobytes()).hexdigest(), 'first': [int(v) for v in values[:12]],
                     'decoder': 'pydicom ' + pydicom.__version__ + ' + Pillow (draft YCbCr) + convert_color_space'}
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
