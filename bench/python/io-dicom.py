#!/usr/bin/python3
"""pydicom reference timing for bench/io-dicom.mjs: read a folder of single-frame slices, sort by
position along the normal, apply the modality LUT and stack. Prints JSON {pydicom, medianSeconds}.
usage: /usr/bin/python3 bench/python/io-dicom.py DIR RUNS
"""
import glob
import json
import os
import sys
import time

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut


def read_series(folder):
    dss = [pydicom.dcmread(p) for p in sorted(glob.glob(os.path.join(folder, '*.dcm')))]
    iop = np.array(dss[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    dss.sort(key=lambda d: float(np.array(d.ImagePositionPatient, dtype=float) @ normal))
    return np.stack([apply_modality_lut(d.pixel_array, d) for d in dss])


def main():
    folder, runs = sys.argv[1], int(sys.argv[2])
    read_series(folder)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        read_series(folder)
        times.append(time.perf_counter() - t)
    print(json.dumps({'pydicom': pydicom.__version__, 'medianSeconds': float(np.median(times))}))


if __name__ == '__main__':
    main()
