#!/usr/bin/python3
"""Development check (step 3, after voxelmorph_subject_check.mjs): the SDK's displacement for the
MICCAI 2018 model against the 2018 Keras post-processing written out in numpy from its definition
(neuron VecInt 'ss', 7 steps: v / 2^7 then v += transform(v, v); transform samples at x + shift
with interpn: loc0 = clip(floor(loc), 0, n - 1), loc1 = clip(loc0 + 1, 0, n - 1), weights
loc1 - loc and 1 - that - so past the far border it clamps and before 0 it extrapolates linearly;
then interp_upsampling (output x samples at x / 2 with the same interpn) and x 2), applied to the
torch rebuild's velocity. Also the same with the SDK's choice for the near border (clamp), to
show where the two differ. Prints max / mean |difference| in voxels, everywhere and inside the
brain (labels > 0).

    /usr/bin/python3 scripts/models/voxelmorph_keras_postprocess.py OUT miccai2018_10_02_init1
"""
import json
import os
import sys

import nibabel as nib
import numpy as np


def interpn(vol, loc, lower_extrapolates=True):
    """vol [..., C] at loc [3, ...] (Keras neuron interpn, linear)."""
    shape = vol.shape[:3]
    out = 0
    idx, wts = [], []
    for d in range(3):
        l = loc[d] if lower_extrapolates else np.maximum(loc[d], 0)
        l0 = np.clip(np.floor(l), 0, shape[d] - 1)
        l1 = np.clip(l0 + 1, 0, shape[d] - 1)
        w0 = l1 - l
        idx.append((l0.astype(np.int64), l1.astype(np.int64)))
        wts.append((w0, 1 - w0))
    for c in range(8):
        b = [(c >> (2 - d)) & 1 for d in range(3)]
        w = wts[0][b[0]] * wts[1][b[1]] * wts[2][b[2]]
        out = out + w[..., None] * vol[idx[0][b[0]], idx[1][b[1]], idx[2][b[2]]]
    return out


def keras_diffflow(vel, lower_extrapolates=True):
    """vel [3, d, h, w] half resolution -> displacement [3, 2d, 2h, 2w] in full-resolution voxels."""
    v = np.moveaxis(vel.astype(np.float64), 0, -1) / 2 ** 7
    grid = np.stack(np.meshgrid(*[np.arange(s, dtype=np.float64) for s in v.shape[:3]], indexing='ij'))
    for _ in range(7):
        v = v + interpn(v, grid + np.moveaxis(v, -1, 0), lower_extrapolates)
    full = [2 * s for s in v.shape[:3]]
    fgrid = np.stack(np.meshgrid(*[np.arange(s, dtype=np.float64) for s in full], indexing='ij'))
    return np.moveaxis(2 * interpn(v, fgrid / 2, lower_extrapolates), -1, 0)


def main():
    out, stem = sys.argv[1], sys.argv[2]
    check = json.load(open(os.path.join(out, 'check.json')))
    shape = check['shape']
    half = [s // 2 for s in shape]
    vel = np.fromfile(os.path.join(out, f'{stem}.torch.f32'), dtype=np.float32).reshape(3, *half)
    sdk = np.fromfile(os.path.join(out, f'{stem}.sdk-disp.f32'), dtype=np.float32).reshape(3, *shape)
    brain = np.asarray(nib.load(os.path.join(out, 'fixed_seg.nii.gz')).dataobj) > 0
    res = {}
    for name, lower in (('keras', True), ('keras_clamped_low_border', False)):
        ref = keras_diffflow(vel, lower)
        diff = np.linalg.norm(sdk - ref, axis=0)
        res[name] = {'max': float(diff.max()), 'mean': float(diff.mean()), 'maxInBrain': float(diff[brain].max()), 'meanInBrain': float(diff[brain].mean()),
                     'refMaxNorm': float(np.linalg.norm(ref, axis=0).max())}
    print(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
