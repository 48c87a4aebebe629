#!/usr/bin/python3
"""Where a NIfTI puts the pixels of a DICOM series, checked against the DICOM itself (development
tool for scripts/dcm-qa/sweep.mjs, independent of medinfer's reader: pydicom + nibabel).

For every DICOM file of the series (single-frame files with ImagePositionPatient /
ImageOrientationPatient / PixelSpacing), a few pixels - the four corners and the centre - are placed
in LPS world space as PS3.3 C.7.6.2.1.1 says, converted to the NIfTI's RAS, mapped through the NIfTI's
sform to voxel indices, and the stored DICOM value is compared with the NIfTI's value at the
nearest voxel. Prints one JSON line per NIfTI: the largest distance (mm) between where the DICOM puts
a pixel and the centre of the voxel it lands in, and how many sampled pixels found their own value
there. A NIfTI that holds the series exactly has distance ~0 and every value matched.

    /usr/bin/python3 scripts/dcm-qa/positions-check.py SERIES_DIR OUT1.nii[.gz] [OUT2.nii ...]
"""
import glob
import json
import os
import sys

import nibabel as nib
import numpy as np
import pydicom


def samples(series_dir):
    for path in sorted(glob.glob(os.path.join(series_dir, '*'))):
        try:
            ds = pydicom.dcmread(path)
        except Exception:
            continue
        if 'PixelData' not in ds or int(ds.get('NumberOfFrames', 1) or 1) != 1:
            continue
        if not all(k in ds for k in ('ImagePositionPatient', 'ImageOrientationPatient', 'PixelSpacing')):
            continue
        ipp = np.array(ds.ImagePositionPatient, float)
        iop = np.array(ds.ImageOrientationPatient, float)
        row_spacing, col_spacing = (float(v) for v in ds.PixelSpacing)
        pixels = ds.pixel_array
        rows, cols = pixels.shape[:2]
        for c, r in ((0, 0), (cols - 1, 0), (0, rows - 1), (cols - 1, rows - 1), (cols // 2, rows // 2)):
            lps = ipp + c * col_spacing * iop[:3] + r * row_spacing * iop[3:]
            yield np.array([-lps[0], -lps[1], lps[2]]), float(pixels[r, c])


def check(series_dir, nifti_path):
    img = nib.load(nifti_path)
    # Stored values (scl_slope / scl_inter not applied): compared with the DICOM's stored samples.
    # A NIfTI of converted values (float32 Philips precise, --datatype) matches fewer.
    data = np.asanyarray(img.dataobj.get_unscaled())
    sform = img.get_sform()
    inverse = np.linalg.inv(sform)
    worst = 0.0
    matched = total = 0
    for ras, value in samples(series_dir):
        ijk = (inverse @ np.append(ras, 1.0))[:3]
        nearest = np.round(ijk)
        worst = max(worst, float(np.linalg.norm((sform @ np.append(nearest, 1.0))[:3] - ras)))
        total += 1
        index = tuple(int(v) for v in nearest)
        if all(0 <= index[a] < data.shape[a] for a in range(3)):
            voxel = data[index] if data.ndim == 3 else data[index + (0,) * (data.ndim - 3)]
            matched += int(float(voxel) == value)
    return {'file': os.path.basename(nifti_path), 'maxMm': round(worst, 4), 'matched': matched, 'sampled': total}


if __name__ == '__main__':
    for path in sys.argv[2:]:
        print(json.dumps(check(sys.argv[1], path)))
