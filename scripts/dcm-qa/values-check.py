#!/usr/bin/python3
"""Our NIfTI values against pydicom's, apart from dcm2niix (development tool for scripts/dcm-qa/sweep.mjs).

For every swept series of one file that medinfer wrote as one NIfTI: pydicom's pixel_array of that
file - after dcmtk's dcmdjpeg / dcmdrle / dcmdjpls where pydicom has no decoder here, converted
from YBR to RGB when uncompressed, through apply_modality_lut - against the NIfTI's values (scaled by
nibabel), both sorted: the value sets must match (grids are judged elsewhere). One line per series:
EQUAL, DIFF (largest difference, share of sorted values apart), a size mismatch (mosaic blank
tiles), or why there is no reference. Enhanced multi-frame files with per-frame rescale and
Philips private scaling show as DIFF here (pydicom does not apply them): read those by hand.

    /usr/bin/python3 scripts/dcm-qa/values-check.py WORK   (the sweep's --work folder)
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import warnings

import nibabel as nib
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, convert_color_space

warnings.filterwarnings('ignore')
DECOMPRESS = {
    '1.2.840.10008.1.2.4.50': 'dcmdjpeg',
    '1.2.840.10008.1.2.4.51': 'dcmdjpeg',
    '1.2.840.10008.1.2.4.57': 'dcmdjpeg',
    '1.2.840.10008.1.2.4.70': 'dcmdjpeg',
    '1.2.840.10008.1.2.5': 'dcmdrle',
    '1.2.840.10008.1.2.4.80': 'dcmdjpls',
    '1.2.840.10008.1.2.4.81': 'dcmdjpls',
}


def reference(path):
    ds = pydicom.dcmread(path, force=True)
    ts = str(ds.file_meta.TransferSyntaxUID)
    if ts in DECOMPRESS:
        tmp = tempfile.mktemp(suffix='.dcm')
        subprocess.run([DECOMPRESS[ts], path, tmp], capture_output=True, check=True)
        ds = pydicom.dcmread(tmp)
        os.remove(tmp)
    pixels = ds.pixel_array
    if ds.PhotometricInterpretation.startswith('YBR') and ts not in DECOMPRESS:
        pixels = convert_color_space(pixels, ds.PhotometricInterpretation, 'RGB')
    return np.asarray(apply_modality_lut(pixels, ds), dtype=np.float64)


def ours(path):
    a = np.asanyarray(nib.load(path).dataobj)
    if a.dtype.names:  # RGB24
        a = np.stack([a[n] for n in a.dtype.names], -1)
    return a.astype(np.float64)


def main(work):
    series_dirs = {os.path.basename(d): d for d in glob.glob(f'{work}/series/src/*')}
    for row in json.load(open(f'{work}/sweep.json')):
        if row['outcome'] in ('both-none', 'refused') or row['files'] != 1:
            continue
        key = row['id'].replace('/', '__').replace('#', '__')
        outs = sorted(glob.glob(f'{work}/ours/{key}/*.nii*'))
        src = series_dirs.get(''.join('_' if c in ' ()' else c for c in row['id'].replace('/', '__')))
        if src is None or len(outs) != 1:
            continue
        try:
            x = np.sort(ours(outs[0]).ravel())
            y = np.sort(reference(glob.glob(src + '/*')[0]).ravel())
            if x.shape != y.shape:
                verdict = f'size ours {x.size} pydicom {y.size}'
            else:
                d = np.abs(x - y)
                verdict = 'EQUAL' if d.max() <= 1e-4 * max(1, np.abs(y).max()) else f'DIFF max {d.max():.4g} ({(d > 1e-6).mean() * 100:.2f}% of sorted)'
        except Exception as e:  # noqa: BLE001 - any failure is "no reference", reported
            verdict = f'no reference: {type(e).__name__}: {str(e)[:70]}'
        print(f'{verdict[:60]:60} {row["outcome"]:9} {row["id"]}')


if __name__ == '__main__':
    main(sys.argv[1])
