#!/usr/bin/python3
"""Baseline timings for bench/preprocess.mjs (same synthetic data, same operations).

    /usr/bin/python3 bench/python/preprocess.py [--quick]

Prints JSON {name: {"medianMs": ..., "runs": [...], "what": ...}} on stdout. Single-threaded
(torch.set_num_threads(1)); scipy.ndimage and numpy are single-threaded anyway.
Data: value(p) = ((p * 2654435761) mod 2**32) >> 20 (12-bit hash of the linear Volume index p,
i fastest) - identical to the generator in bench/preprocess.mjs.
"""
import json
import warnings
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
# A 1-D matrix means a diagonal transform (what we want); scipy warns that this changed in 0.18.
warnings.filterwarnings('ignore', message='The behavior of affine_transform')
QUICK = '--quick' in sys.argv
RUNS = 3 if QUICK else 5


def hash12(n):
    p = np.arange(n, dtype=np.uint64)
    return ((p * np.uint64(2654435761)) % np.uint64(2 ** 32)) >> np.uint64(20)


def timed(fn, runs_wanted=RUNS):
    for _ in range(2):  # same warm-up as the Node side
        fn()
    runs = []
    for _ in range(runs_wanted):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {'medianMs': float(np.median(runs)), 'runs': runs}


results = {}

# 1. Linear resample of a CT (Volume [i, j, k] = numpy C-order [k, j, i]) to 1.5 mm, MONAI shape rule.
nx, ny, nz = (256, 256, 150) if QUICK else (512, 512, 300)
ct = (hash12(nx * ny * nz).astype(np.float32) - 1024).reshape(nz, ny, nx)
old = np.array([1.25, 0.7, 0.7])  # k, j, i
new = np.array([1.5, 1.5, 1.5])
shape = np.round((np.array(ct.shape) - 1) * old / new + 1).astype(int)
r = timed(lambda: ndi.affine_transform(ct, new / old, offset=0.0, output_shape=tuple(shape), order=1, mode='nearest', prefilter=False))
r['what'] = f'scipy.ndimage.affine_transform(order=1, mode=nearest) {nx}x{ny}x{nz} -> {shape[::-1].tolist()}'
results['resample'] = r
del ct

# 2. z-score, nonzero mask, channel-wise (MONAI NormalizeIntensity(nonzero=True, channel_wise=True) in numpy).
c, bx, by, bz = (4, 120, 120, 78) if QUICK else (4, 240, 240, 155)
mri = hash12(c * bx * by * bz).astype(np.float32).reshape(c, bz, by, bx)
mri[:, :, :, : bx // 8] = 0
mri[mri < 400] = 0


def zscore():
    out = mri.copy()
    for ch in range(c):
        img = out[ch]
        mask = img != 0
        v = img[mask]
        m = v.mean(dtype=np.float64)
        s = v.std(dtype=np.float64)
        img[mask] = (v - m) / (s if s != 0 else 1.0)
    return out


r = timed(zscore)
r['what'] = f'numpy masked mean/std + normalise, {c}x{bx}x{by}x{bz}'
results['zscore'] = r
modalities = [np.ascontiguousarray(mri[ch]) for ch in range(c)]


def brats():
    out = np.stack(modalities)  # the model input buffer, normalised in place like MONAI does
    for ch in range(c):
        img = out[ch]
        mask = img != 0
        v = img[mask]
        m = v.mean(dtype=np.float64)
        s = v.std(dtype=np.float64)
        img[mask] = (v - m) / (s if s != 0 else 1.0)
    return torch.from_numpy(out[None])


r = timed(brats)
r['what'] = f'np.stack of 4 modalities + numpy masked z-score in place + torch.from_numpy, {c}x{bx}x{by}x{bz}'
results['brats_plan'] = r
del mri, modalities

# 3. TorchXRayVision plan: normalize (float32 numpy), XRayCenterCrop, resize 224 (torch area / antialias).
n = 1024 if QUICK else 2048
xr = hash12(n * n).astype(np.uint16).reshape(n, n)


def xrv(mode):
    img = (2 * (xr.astype(np.float32) / 4095) - 1.) * 1024
    h, w = img.shape
    cs = min(h, w)
    img = img[h // 2 - cs // 2: h // 2 - cs // 2 + cs, w // 2 - cs // 2: w // 2 - cs // 2 + cs]
    t = torch.from_numpy(np.ascontiguousarray(img))[None, None]
    if mode == 'area':
        return F.interpolate(t, size=(224, 224), mode='area')
    return F.interpolate(t, size=(224, 224), mode='bilinear', align_corners=False, antialias=True)


for mode in ['area', 'antialias']:
    r = timed(lambda: xrv(mode), RUNS * 4)  # cheap: more runs, as on the Node side
    r['what'] = f'numpy xrv normalize + centre crop + torch interpolate {mode} {n}^2 -> 224^2'
    results[f'xrv_{mode}'] = r

print(json.dumps(results))
