#!/usr/bin/python3
"""Torch baselines for bench/kernel-threads.mjs: registration's field operations at given thread
counts, on the data written here (read by the JS side, so both run on the same bytes).

usage: /usr/bin/python3 bench/python/kernel_threads.py <data-dir> <ni>x<nj>x<nk> <threads,...> <repeats> [registration|volume]
Writes <data-dir>/velocity.bin (float32, [k][j][i][3] = medinfer's interleaved order, voxel units
along i, j, k) and image.bin (float32, [k][j][i]); prints JSON
{op: {threads: {"median": ms, "cpuMedian": ms, "criticalPathMedian": ms, "runs": [...]}}} on stdout.
The ops as VoxelMorph / MONAI run them in torch:
- integrate: VecInt, v / 2^7 then 7 x (v + grid_sample(v, id + v)), trilinear, zeros padding,
  align_corners=True (float32; medinfer keeps float64 intermediates);
- warp: SpatialTransformer, grid_sample of a float32 image at id + u (u = the integrated field);
- jacobian: numpy.gradient-style derivatives (torch.gradient, edge_order 1) + 3x3 determinant,
  as voxelmorph.py.utils.jacobian_determinant (float32 here, float64 in medinfer).
Family 'volume' (bench/lib/kernel-threads-volume.mjs has the medinfer side): logits.bin (3 planar
float32 channels), image_small.bin / probs_small.bin (1 / 3 channels at round(0.8 x size)),
window_pred.bin (3 x 64^3), argmax.bin (uint8) and, timed: torch.sigmoid_ / softmax(dim=0) /
argmax(dim=0); F.interpolate(trilinear, align_corners=True) of the image and of the
probabilities followed by argmax; and MONAI sliding_window_inference's accumulation (output +=
pred * importance, count += importance per window, then output / count).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

out_dir = sys.argv[1]
ni, nj, nk = (int(x) for x in sys.argv[2].split('x'))
thread_counts = [int(x) for x in sys.argv[3].split(',')]
repeats = int(sys.argv[4])
family = sys.argv[5] if len(sys.argv) > 5 else 'registration'
os.makedirs(out_dir, exist_ok=True)
rng = np.random.default_rng(7)

if family == 'registration':
    # Smooth-ish velocity: noise of +-3 voxels (folds and out-of-grid samples both occur).
    velocity = ((rng.random((nk, nj, ni, 3), dtype=np.float32) - 0.5) * 6).astype(np.float32)
    image = (rng.random((nk, nj, ni), dtype=np.float32) * 100).astype(np.float32)
    velocity.tofile(os.path.join(out_dir, 'velocity.bin'))
    image.tofile(os.path.join(out_dir, 'image.bin'))


def sched():
    """On-CPU ns per thread of this process (Linux schedstat; {} elsewhere)."""
    out = {}
    try:
        for tid in os.listdir('/proc/self/task'):
            with open(f'/proc/self/task/{tid}/schedstat') as f:
                out[tid] = int(f.read().split()[0])
    except OSError:
        pass
    return out


def critical(a, b):
    """The busiest thread's on-CPU ms between two snapshots (the pass's critical path)."""
    return max((v - a.get(t, 0) for t, v in b.items()), default=float('nan')) / 1e6


def timed(ops, results):
    """Each op at each thread count: one warm-up, then `repeats` timed runs (MEDINFER_BENCH_KT_OPS: only those)."""
    only = os.environ.get('MEDINFER_BENCH_KT_OPS')
    for name, fn in ops.items():
        if only and name not in only.split(','):
            continue
        results[name] = {}
        for t in thread_counts:
            torch.set_num_threads(t)
            fn()  # warm-up
            runs, cpu, crit = [], [], []
            for _ in range(repeats):
                s0 = sched()
                t0, c0 = time.perf_counter(), time.process_time()
                fn()
                runs.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                crit.append(critical(s0, sched()))
            results[name][str(t)] = {'median': float(np.median(runs)), 'cpuMedian': float(np.median(cpu)), 'criticalPathMedian': float(np.median(crit)), 'runs': runs}
    return results


def volume_family():
    C, R = 3, 64
    small = [max(2, round(0.8 * n)) for n in (ni, nj, nk)]
    logits = ((rng.random((C, nk, nj, ni), dtype=np.float32) - 0.5) * 8).astype(np.float32)
    image = (rng.random((small[2], small[1], small[0]), dtype=np.float32) * 100).astype(np.float32)
    probs = rng.random((C, small[2], small[1], small[0]), dtype=np.float32)
    roi = [min(R, n) for n in (nk, nj, ni)]
    pred = rng.random((C, *roi), dtype=np.float32)
    for name, a in [('logits', logits), ('image_small', image), ('probs_small', probs), ('window_pred', pred)]:
        a.tofile(os.path.join(out_dir, f'{name}.bin'))
    x = torch.from_numpy(logits.copy())
    torch.from_numpy(logits).argmax(0).to(torch.uint8).numpy().tofile(os.path.join(out_dir, 'argmax.bin'))
    img = torch.from_numpy(image)[None, None]
    pr = torch.from_numpy(probs)[None]
    size = (nk, nj, ni)

    def starts(n, r):
        # MONAI: interval int(r * (1 - overlap)), last window flush with the end.
        step = max(1, int(r * 0.5))
        s = list(range(0, max(n - r, 0) + 1, step))
        if s[-1] != n - r and n > r:
            s.append(n - r)
        return s

    # The importance map: MONAI's Gaussian (sigma_scale 0.125), as medinfer builds it (compute_importance_map).
    sig = [r * 0.125 for r in roi]
    axes = [torch.exp(-0.5 * ((torch.arange(r, dtype=torch.float32) - (r - 1) / 2) / s) ** 2) for r, s in zip(roi, sig)]
    imp = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    imp = imp / imp.max()
    p = torch.from_numpy(pred)
    grid = [(z, y, xx) for z in starts(nk, roi[0]) for y in starts(nj, roi[1]) for xx in starts(ni, roi[2])]

    def blend():
        out = torch.zeros((C, *size))
        count = torch.zeros(size)
        for z, y, xx in grid:
            sl = (slice(z, z + roi[0]), slice(y, y + roi[1]), slice(xx, xx + roi[2]))
            out[(slice(None), *sl)] += p * imp
            count[sl] += imp
        return out / count

    ops = {
        'sigmoid': lambda: x.sigmoid_(),
        'softmax': lambda: torch.softmax(x, 0),
        'argmax': lambda: x.argmax(0),
        'resample': lambda: F.interpolate(img, size=size, mode='trilinear', align_corners=True),
        'resampleArgmax': lambda: F.interpolate(pr, size=size, mode='trilinear', align_corners=True).argmax(1),
        'blend': blend,
    }
    check = {'resampleMean': float(ops['resample']().double().mean()), 'blendMean': float(blend().double().mean()), 'windows': len(grid)}
    return timed(ops, {'torch': torch.__version__, 'check': check})


if family == 'volume':
    with torch.no_grad():
        print(json.dumps(volume_family()))
    sys.exit(0)

with torch.no_grad():
    kk, jj, ii = torch.meshgrid(torch.arange(nk), torch.arange(nj), torch.arange(ni), indexing='ij')
    base = torch.stack([ii, jj, kk], -1).float()  # grid_sample's last axis is (x=i, y=j, z=k)
    scale = torch.tensor([2 / (ni - 1), 2 / (nj - 1), 2 / (nk - 1)])

    def sample(src, disp):
        """src [1, C, nk, nj, ni] at voxel positions base + disp ([nk, nj, ni, 3])."""
        grid = ((base + disp) * scale - 1)[None]
        return F.grid_sample(src, grid, mode='bilinear', padding_mode='zeros', align_corners=True)

    def integrate(v0):
        v = v0 / 2 ** 7
        for _ in range(7):
            v = v + sample(v.permute(3, 0, 1, 2)[None], v)[0].permute(1, 2, 3, 0)
        return v

    def jacobian(u):
        gk, gj, gi = torch.gradient(u, dim=(0, 1, 2))  # d u / d k, j, i; each [nk, nj, ni, 3]
        # J[r][c] = delta + d u_r / d axis c (axis order i, j, k = components 0, 1, 2).
        a, b, c = gi[..., 0] + 1, gj[..., 0], gk[..., 0]
        d, e, f = gi[..., 1], gj[..., 1] + 1, gk[..., 1]
        g, h, i = gi[..., 2], gj[..., 2], gk[..., 2] + 1
        return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)

    v0 = torch.from_numpy(velocity)
    img = torch.from_numpy(image)[None, None]
    u = integrate(v0)
    ops = {
        'integrate': lambda: integrate(v0),
        'warp': lambda: sample(img, u),
        'jacobian': lambda: jacobian(u),
    }
    results = {'torch': torch.__version__, 'check': {'warpMean': float(sample(img, u).double().mean()), 'folded': int((jacobian(u) <= 0).sum())}}
    timed(ops, results)
print(json.dumps(results))
