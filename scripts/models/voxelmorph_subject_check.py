#!/usr/bin/python3
"""Development check of the converted VoxelMorph 2018 models on the real subject (step 1 of 2).

    apt-get install -y python3-torch python3-h5py python3-numpy python3-scipy python3-nibabel
    /usr/bin/python3 scripts/models/voxelmorph_subject_check.py --data DIR --out OUT
    node bench/voxelmorph-subject.mjs OUT          # step 2: ONNX parity + SDK registration + Dice

DIR holds what the user has locally from voxelmorph/voxelmorph@ca62747 (GPL-3.0, never
committed here): data/test_vol.npz, data/test_seg.npz (a T1 in the models' 160x192x224 input
space, intensities uint8 / 255, and its 45-label segmentation) and models/*.h5.

Makes a known smooth deformation d (normal noise on a 6x7x8 control grid, cubic B-spline
upsampled, scaled to --max-disp voxels at most, seeded), warps the subject and its labels through
it (moving(x) = subject(x + d(x)), linear / nearest), writes NIfTIs (identity affine, 1 mm) for
the SDK, and the torch reference rebuild's output of each checkpoint for the pair
(moving = warped, fixed = original), both min-max scaled to [0, 1] as the converted entries do.
"""
import argparse
import glob
import json
import os
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage

sys.path.insert(0, os.path.dirname(__file__))
from reference_voxelmorph_keras_torch import forward  # noqa: E402

VARIANTS = {'cvpr2018_vm1': 'vm1', 'cvpr2018_vm2': 'vm2', 'miccai2018': 'miccai2018'}


def smooth_field(shape, max_disp, seed):
    rng = np.random.default_rng(seed)
    coarse = rng.standard_normal((3, 6, 7, 8))
    d = np.stack([ndimage.zoom(c, [s / c.shape[i] for i, s in enumerate(shape)], order=3) for c in coarse])
    return d * (max_disp / np.abs(d).max())


def warp(vol, d, order):
    grid = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in vol.shape], indexing='ij')
    return ndimage.map_coordinates(vol, [g + d[i] for i, g in enumerate(grid)], order=order, mode='constant', cval=0)


def minmax(x):
    return (x - x.min()) / (x.max() - x.min())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--max-disp', type=float, default=4.0)
    ap.add_argument('--seed', type=int, default=23)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    vol = np.load(os.path.join(a.data, 'test_vol.npz'))['vol_data'].astype(np.float64)
    seg = np.load(os.path.join(a.data, 'test_seg.npz'))['vol_data'].astype(np.int16)
    d = smooth_field(vol.shape, a.max_disp, a.seed)
    moving = warp(vol, d, 1)
    moving_seg = warp(seg, d, 0).astype(np.int16)
    aff = np.eye(4)
    for name, arr in [('fixed', vol.astype(np.float32)), ('moving', moving.astype(np.float32)), ('fixed_seg', seg), ('moving_seg', moving_seg)]:
        nib.save(nib.Nifti1Image(arr, aff), os.path.join(a.out, f'{name}.nii.gz'))
    mov, fix = minmax(moving).astype(np.float32), minmax(vol).astype(np.float32)
    mov.tofile(os.path.join(a.out, 'moving_input.f32'))
    fix.tofile(os.path.join(a.out, 'fixed_input.f32'))
    refs = {}
    for path in sorted(glob.glob(os.path.join(a.data, '*.h5'))):
        stem = os.path.basename(path)[:-3]
        variant = next((v for k, v in VARIANTS.items() if stem.startswith(k)), None)
        if variant is None:
            continue
        import torch
        with torch.no_grad():
            out = forward(path, variant, mov.astype(np.float64), fix.astype(np.float64))
        out.astype(np.float32).tofile(os.path.join(a.out, f'{stem}.torch.f32'))
        refs[stem] = {'variant': variant, 'shape': list(out.shape)}
    labels = sorted(int(x) for x in np.unique(seg) if x != 0)
    json.dump({'shape': list(vol.shape), 'labels': labels, 'maxDisp': float(np.abs(d).max()), 'meanDisp': float(np.linalg.norm(d, axis=0).mean()),
               'seed': a.seed, 'references': refs}, open(os.path.join(a.out, 'check.json'), 'w'), indent=1)
    print(json.dumps({'labels': len(labels), 'references': refs}))


if __name__ == '__main__':
    main()
