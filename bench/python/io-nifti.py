#!/usr/bin/python3
"""nibabel reference timing for the file bench/io-nifti.mjs generates (not a test).

    node bench/io-nifti.mjs --quick && /usr/bin/python3 bench/python/io-nifti.py /tmp/medinfer-bench-io-nifti/phantom-256x256x180.nii.gz

Prints MB/s (decoded voxel bytes) for nibabel's load + dataobj (native int16), load + get_fdata
(float64), and the baseline of only reading the bytes and gunzipping them (Python's zlib).
"""
import gzip
import statistics
import sys
import time

import nibabel as nib
import numpy as np


def median_ms(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    img = nib.load(path)
    mb = np.prod(img.shape) * img.get_data_dtype().itemsize / 1e6
    cases = {
        'baseline: read + gzip.decompress': lambda: gzip.decompress(open(path, 'rb').read()),
        'nibabel load + np.asanyarray(dataobj)': lambda: np.asanyarray(nib.load(path).dataobj),
        'nibabel load + get_fdata (float64)': lambda: nib.load(path).get_fdata(),
    }
    for name, fn in cases.items():
        ms = median_ms(fn, runs)
        print(f'{name}: {mb / (ms / 1000):.1f} MB/s ({ms:.1f} ms)')


if __name__ == '__main__':
    main()
