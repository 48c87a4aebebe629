#!/usr/bin/python3
"""Baseline timings for bench/postprocess.mjs (the same data, written here, read there).

usage: /usr/bin/python3 bench/python/postprocess.py <data-dir> [--quick]
Generates the benchmark inputs into <data-dir> (raw little-endian, medinfer memory order: i
fastest) and prints JSON {name: {"median": ms, "runs": [...], "reference": "..."}} on stdout.
Single-threaded torch (torch.set_num_threads(1)) so the comparison with one JS thread is fair.
"""
import json
import os
import sys
import time

import numpy as np
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)
out_dir = sys.argv[1]
quick = '--quick' in sys.argv
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(7)
repeats = 1 if quick else 5
sizes = {
    'cc': (128, 128, 128) if quick else (256, 256, 256),
    'warp': (80, 96, 112) if quick else (160, 192, 224),  # i, j, k
    'hd': (128, 128, 128) if quick else (256, 256, 256),
}
results = {'sizes': {k: list(v) for k, v in sizes.items()}}


def timed(name, fn, reference, n=repeats):
    """Wall and process-CPU milliseconds (CPU time is less distorted on a shared machine)."""
    runs, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    results[name] = {'median': float(np.median(runs)), 'cpuMedian': float(np.median(cpu)), 'runs': runs, 'reference': reference}


def save(name, arr):
    np.ascontiguousarray(arr).tofile(os.path.join(out_dir, name + '.bin'))


# NMS: 10,000 random boxes (1000 x 1000 image, sides 4..120 px), distinct scores.
N = 10000
xy = rng.uniform(0, 1000, (N, 2))
wh = rng.uniform(4, 120, (N, 2))
boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
scores = ((rng.permutation(N) + 0.5) / N).astype(np.float32)
save('nms_boxes', boxes)
save('nms_scores', scores)
bt, st = torch.from_numpy(boxes), torch.from_numpy(scores)
timed('nms', lambda: torchvision.ops.nms(bt, st, 0.5), 'torchvision.ops.nms (CPU, float32), iou 0.5', max(repeats, 5))
results['nms_kept'] = int(len(torchvision.ops.nms(bt, st, 0.5)))

# Connected components: thresholded smoothed noise (many blobs), 26-connectivity.
ci, cj, ck = sizes['cc']
mask = (ndi.gaussian_filter(rng.normal(0, 1, (ck, cj, ci)).astype(np.float32), 2.0) > 0.05).astype(np.uint8)
save('cc_mask', mask)
structure = np.ones((3, 3, 3), bool)
timed('cc', lambda: ndi.label(mask, structure=structure), 'scipy.ndimage.label, 26-connectivity')
results['cc_count'] = int(ndi.label(mask, structure=structure)[1])

# Largest clinical mask size named by the requirements: 512 x 512 x 300 (full runs only). Blobs
# are made at 1/4 resolution and repeated, which keeps generation cheap.
if not quick:
    low = ndi.gaussian_filter(rng.normal(0, 1, (75, 128, 128)).astype(np.float32), 1.5) > 0.1
    big = np.ascontiguousarray(low.repeat(4, 0).repeat(4, 1).repeat(4, 2).astype(np.uint8))
    save('cc_large_mask', big)
    results['sizes']['cc_large'] = [512, 512, 300]
    timed('cc_large', lambda: ndi.label(big, structure=structure), 'scipy.ndimage.label, 26-connectivity', 2)
    results['cc_large_count'] = int(ndi.label(big, structure=structure)[1])
    del big, low

# Trilinear warp: VoxelMorph SpatialTransformer = identity grid + flow, grid_sample(align_corners=True).
wi, wj, wk = sizes['warp']
image = rng.normal(0, 1, (wk, wj, wi)).astype(np.float32)
flow = (rng.normal(0, 3, (wk, wj, wi, 3))).astype(np.float32)  # component c along i, j, k
save('warp_image', image)
save('warp_field', flow)
src = torch.from_numpy(image)[None, None]  # [1, 1, K, J, I]
flow_t = torch.from_numpy(np.ascontiguousarray(flow.transpose(3, 0, 1, 2)[::-1]))[None]  # channels k, j, i on dims K, J, I


def warp():
    size = flow_t.shape[2:]
    grid = torch.stack(torch.meshgrid([torch.arange(0, s, dtype=torch.float32) for s in size], indexing='ij'))[None]
    locs = grid + flow_t
    for i in range(3):
        locs[:, i] = 2 * (locs[:, i] / (size[i] - 1) - 0.5)
    locs = locs.permute(0, 2, 3, 4, 1)[..., [2, 1, 0]]
    return F.grid_sample(src, locs, align_corners=True, mode='bilinear', padding_mode='zeros')


timed('warp', warp, 'VoxelMorph SpatialTransformer (torch grid_sample trilinear, 1 thread)')

# HD95: two overlapping smooth blobs on an anisotropic grid; medpy/MONAI-style surfaces + scipy EDT.
hi, hj, hk = sizes['hd']
spacing = (0.8, 0.8, 1.5)  # i, j, k
zz, yy, xx = np.meshgrid(np.arange(hk) * spacing[2], np.arange(hj) * spacing[1], np.arange(hi) * spacing[0], indexing='ij')
cx, cy, cz = hi * spacing[0] / 2, hj * spacing[1] / 2, hk * spacing[2] / 2
r = min(hi * spacing[0], hk * spacing[2]) * 0.3
noise = ndi.gaussian_filter(rng.normal(0, 1, (hk, hj, hi)).astype(np.float32), 4) * 40
a = (np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2 + (zz - cz) ** 2) + noise < r).astype(np.uint8)
b = (np.sqrt((xx - cx - 3) ** 2 + (yy - cy) ** 2 + (zz - cz + 2) ** 2) + noise * 0.8 < r * 0.95).astype(np.uint8)
save('hd_a', a)
save('hd_b', b)
results['hd_spacing'] = list(spacing)


def hd95():
    fp = ndi.generate_binary_structure(3, 1)
    sampling = spacing[::-1]
    ab, bb = a.astype(bool), b.astype(bool)
    a_border = ab ^ ndi.binary_erosion(ab, structure=fp)
    b_border = bb ^ ndi.binary_erosion(bb, structure=fp)
    d_ab = ndi.distance_transform_edt(~b_border, sampling=sampling)[a_border]
    d_ba = ndi.distance_transform_edt(~a_border, sampling=sampling)[b_border]
    return max(np.percentile(d_ab, 95), np.percentile(d_ba, 95))


timed('hd95', hd95, 'scipy binary_erosion + distance_transform_edt(sampling) both ways, MONAI max of 95th percentiles', max(1, repeats // 2))
results['hd95_value'] = float(hd95())
print(json.dumps(results))
