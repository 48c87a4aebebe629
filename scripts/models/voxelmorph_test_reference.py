#!/usr/bin/python3
"""Writes test/fixtures/voxelmorph-keras/<variant>.f32: the torch rebuild's output
(reference_voxelmorph_keras_torch.py) for the small checkpoints of make_voxelmorph_test_h5.py on
the inputs below, which test/models/voxelmorph-convert.test.ts computes the same way. Development
only (needs python3-torch); the test needs h5py + onnx + numpy, not torch.

    /usr/bin/python3 scripts/models/voxelmorph_test_reference.py
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from reference_voxelmorph_keras_torch import forward  # noqa: E402

SHAPE = (16, 16, 16)
OUT = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'voxelmorph-keras')


def test_inputs():
    """moving / fixed [D, H, W]: smooth patterns, float32 of float64 sines, first voxel 0 and last
    voxel 1 so that the entry's min-max scaling leaves them unchanged."""
    i, j, k = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in SHAPE], indexing='ij')
    moving = 0.5 + 0.45 * np.sin(0.37 * i + 0.23 * j + 0.11 * k)
    fixed = 0.5 + 0.45 * np.sin(0.29 * i - 0.31 * j + 0.17 * k + 0.5)
    for a in (moving, fixed):
        a[0, 0, 0], a[-1, -1, -1] = 0, 1
    return moving.astype(np.float32), fixed.astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    moving, fixed = test_inputs()
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ('vm1', 'vm2', 'miccai2018'):
            h5 = os.path.join(tmp, f'{variant}.h5')
            extra = ['--full-model'] if variant == 'miccai2018' else []
            subprocess.run([sys.executable, os.path.join(HERE, 'make_voxelmorph_test_h5.py'), '--variant', variant, '--out', h5, *extra], check=True)
            out = forward(h5, variant, moving.astype(np.float64), fixed.astype(np.float64))
            out.astype('<f4').tofile(os.path.join(OUT, f'{variant}.f32'))
            print(variant, out.shape, float(np.abs(out).max()))


if __name__ == '__main__':
    main()
