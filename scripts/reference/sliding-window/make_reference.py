#!/usr/bin/env python3
"""Reference outputs for src/runtime/sliding-window, computed with torch on a small 3D conv net.

    apt-get install -y python3-torch python3-onnx
    /usr/bin/python3 scripts/reference/sliding-window/make_reference.py

Writes test/fixtures/sliding-window/: net.onnx (the network, run by the TS test through
onnxruntime-node), input.bin (float32), one <case>.bin per case and cases.json. The window
placement, Gaussian maps and blending follow MONAI 1.5 (dense_patch_slices, compute_importance_map,
sliding_window_inference) and nnU-Net 2.x (compute_steps_for_sliding_window, compute_gaussian,
mirroring TTA), implemented here independently of the TypeScript code, in float64.
"""
import itertools
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'test', 'fixtures', 'sliding-window')


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv3d(2, 4, 3, padding=1)
        self.b = nn.Conv3d(4, 3, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


def monai_starts(size, roi, overlap):
    if roi >= size:
        return [0]
    interval = max(1, int(roi * (1 - overlap)))
    starts, i = [], 0
    while True:
        s = i * interval
        starts.append(min(s, size - roi))
        if s + roi >= size:
            return starts
        i += 1


def nnunet_starts(size, roi, overlap):
    if roi >= size:
        return [0]
    target = roi * (1 - overlap)
    n = int(np.ceil((size - roi) / target)) + 1
    actual = (size - roi) / (n - 1)
    return [int(np.round(actual * i)) for i in range(n)]


def importance(roi, blend, placement, sigma_scale):
    if blend == 'constant':
        return np.ones(roi)
    axes = []
    for r in roi:
        sigma = r * sigma_scale
        if placement == 'monai':
            x = np.arange(r) - (r - 1) / 2.0
            axes.append(np.exp(x ** 2 / (-2 * sigma ** 2)))
        else:
            t = np.arange(r) - r // 2
            radius = int(4 * sigma + 0.5)
            axes.append(np.where(np.abs(t) <= radius, np.exp(-0.5 * t ** 2 / sigma ** 2), 0.0))
    m = axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]
    if placement == 'monai':
        return np.maximum(m, max(m.min(), 1e-3))
    m = m / m.max() * 10
    m[m == 0] = m[m > 0].min()
    return m


def sliding(net, image, roi, overlap, blend, placement, batch, mirror, sigma_scale=0.125):
    size = image.shape[2:]
    padded = [max(s, r) for s, r in zip(size, roi)]
    before = [(p - s) // 2 for p, s in zip(padded, size)]
    pad = []
    for d in reversed(range(3)):
        pad += [before[d], padded[d] - size[d] - before[d]]
    x = torch.nn.functional.pad(image, pad, value=0.0)
    fn = monai_starts if placement == 'monai' else nnunet_starts
    starts = [fn(p, r, overlap) for p, r in zip(padded, roi)]
    w = torch.from_numpy(importance(roi, blend, placement, sigma_scale))
    out = None
    norm = torch.zeros(padded, dtype=torch.float64)
    combos = [c for k in range(len(mirror) + 1) for c in itertools.combinations(mirror, k)]
    wins = list(itertools.product(*starts))
    for i in range(0, len(wins), batch):
        chunk = wins[i:i + batch]
        tiles = torch.cat([x[:, :, a:a + roi[0], b:b + roi[1], c:c + roi[2]] for a, b, c in chunk])
        pred = 0
        for flips in combos:
            dims = [2 + f for f in flips]
            t = torch.flip(tiles, dims) if dims else tiles
            with torch.no_grad():
                p = net(t.float()).double()
            pred = pred + (torch.flip(p, dims) if dims else p)
        pred = pred / len(combos)
        if out is None:
            out = torch.zeros((1, pred.shape[1], *padded), dtype=torch.float64)
        for k, (a, b, c) in enumerate(chunk):
            out[0, :, a:a + roi[0], b:b + roi[1], c:c + roi[2]] += pred[k] * w
            norm[a:a + roi[0], b:b + roi[1], c:c + roi[2]] += w
    out = out / norm
    sl = tuple(slice(b, b + s) for b, s in zip(before, size))
    return out[(slice(None), slice(None)) + sl]


def main():
    torch.manual_seed(7)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    net = Net().eval()
    torch.onnx.export(net, torch.zeros(1, 2, 8, 10, 6), os.path.join(OUT, 'net.onnx'), input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {0: 'b', 2: 'd', 3: 'h', 4: 'w'}, 'y': {0: 'b', 2: 'd', 3: 'h', 4: 'w'}}, opset_version=17)
    g = torch.Generator().manual_seed(3)
    image = torch.randn(1, 2, 19, 23, 17, generator=g, dtype=torch.float64).float()
    image.numpy().astype('<f4').tofile(os.path.join(OUT, 'input.bin'))
    cases = [
        dict(name='monai-constant', roi=[8, 10, 6], overlap=0.5, blend='constant', placement='monai', batch=3, mirror=[]),
        dict(name='monai-gaussian', roi=[8, 10, 6], overlap=0.25, blend='gaussian', placement='monai', batch=2, mirror=[]),
        dict(name='nnunet-gaussian-mirror', roi=[8, 10, 6], overlap=0.5, blend='gaussian', placement='nnunet', batch=4, mirror=[0, 1, 2]),
        dict(name='nnunet-constant', roi=[6, 8, 7], overlap=0.6, blend='constant', placement='nnunet', batch=1, mirror=[1]),
        dict(name='monai-padded', roi=[8, 30, 6], overlap=0.5, blend='gaussian', placement='monai', batch=2, mirror=[]),
    ]
    for case in cases:
        y = sliding(net, image, case['roi'], case['overlap'], case['blend'], case['placement'], case['batch'], case['mirror'])
        y.numpy().astype('<f4').tofile(os.path.join(OUT, case['name'] + '.bin'))
        case['outputDims'] = list(y.shape)
    meta = {'inputDims': list(image.shape), 'cases': cases, 'tolerance': 1e-5,
            'note': 'float64 torch reference of MONAI / nnU-Net sliding-window conventions'}
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump(meta, f, indent=2)
    print('wrote', len(cases), 'cases')


if __name__ == '__main__':
    main()
