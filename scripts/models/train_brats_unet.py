#!/usr/bin/python3
"""Trains the bundled brain-tumour segmenter: a small 3D U-Net on BraTS-style MRI phantoms.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-nibabel
    /usr/bin/python3 scripts/models/train_brats_unet.py [--train 80] [--test 20] [--steps 700]

Data: brain MRI phantoms from the SDK's TypeScript generator (phantom-brats: T1, T1ce, T2,
FLAIR + BraTS labels 0/1/2/4, NIfTI), training seed 1000, held-out seed 2000.

Preprocessing (declared in the manifest entry and implemented identically in `load_case`):
  stackChannels{order: [t1, t1ce, t2, flair]}  (nnU-Net channel order)
  zscore{nonzero: true, channelWise: true}     (population std over brain voxels; background stays 0)
  toTensor{layout: NCDHW}                       (D, H, W = k, j, i: the NIfTI array transposed)
Output: 3 region logits [WT, TC, ET] (whole tumour = 1|2|4, tumour core = 1|4, enhancing = 4);
the SDK applies sigmoid, then regionsToLabels{order [0, 1, 2], labels [2, 1, 4], threshold 0.5}
(later regions overwrite earlier: ET -> 4, else TC -> 1, else WT -> 2).

The network uses only ops ONNX Runtime's WebGPU EP runs: Conv (3D), BatchNormalization,
LeakyRelu, MaxPool, Resize (trilinear x2 upsampling instead of ConvTranspose3d, which WebGPU
lacks), Concat. Fully convolutional: any D, H, W divisible by 8 (whole-volume inference).
Trained on random 32^3 crops (biased towards the tumour), BCE + soft Dice, seeded, 2 threads.
"""
import argparse
import os
import sys
import time

import nibabel as nib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from common import (INTENDED_USE, MODELS_DIR, OPSET, export_onnx, file_record, generate_phantoms, log,  # noqa: E402
                    measured_on, set_determinism, write_entry)

MODEL_ID = 'medinfer-brats-unet3d-phantom'
MODALITIES = ['t1', 't1ce', 't2', 'flair']
REGIONS = ['WT', 'TC', 'ET']
CROP = 32


def block(cin, cout):
    # BatchNorm, not InstanceNorm: training sees 32^3 crops, inference whole volumes; per-instance
    # statistics would differ between the two, running statistics do not (and fold into Conv at export).
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm3d(cout, momentum=0.05), nn.LeakyReLU(0.01, inplace=True),
                         nn.Conv3d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm3d(cout, momentum=0.05), nn.LeakyReLU(0.01, inplace=True))


class UNet3d(nn.Module):
    def __init__(self, cin=4, cout=3, features=(6, 12, 24, 48)):
        super().__init__()
        f = features
        self.enc = nn.ModuleList([block(cin, f[0])] + [block(f[i], f[i + 1]) for i in range(len(f) - 1)])
        self.dec = nn.ModuleList([block(f[i + 1] + f[i], f[i]) for i in reversed(range(len(f) - 1))])
        self.head = nn.Conv3d(f[0], cout, 1)

    def forward(self, x):
        skips = []
        for i, e in enumerate(self.enc):
            x = e(x if i == 0 else F.max_pool3d(x, 2))
            skips.append(x)
        for d, skip in zip(self.dec, reversed(skips[:-1])):
            x = F.interpolate(x, scale_factor=2.0, mode='trilinear', align_corners=False)
            x = d(torch.cat([x, skip], 1))
        return self.head(x)


def zscore_nonzero(x):
    """Channel-wise z-score over nonzero voxels (population std), zeros stay 0 (MONAI NormalizeIntensity nonzero)."""
    out = np.zeros_like(x, dtype=np.float32)
    for c in range(x.shape[0]):
        m = x[c] != 0
        v = x[c][m].astype(np.float64)
        std = v.std() or 1.0
        out[c][m] = (v - v.mean()) / std
    return out


def load_case(directory):
    # nibabel arrays are [i, j, k]; the SDK's NCDHW tensor is [k, j, i] (i fastest), hence the transpose.
    x = np.stack([np.asarray(nib.load(os.path.join(directory, f'{m}.nii.gz')).dataobj).transpose(2, 1, 0) for m in MODALITIES])
    seg = np.asarray(nib.load(os.path.join(directory, 'seg.nii.gz')).dataobj).transpose(2, 1, 0)
    return zscore_nonzero(x.astype(np.float32)), seg.astype(np.uint8)


def regions_of(seg):
    return np.stack([seg > 0, (seg == 1) | (seg == 4), seg == 4]).astype(np.float32)


def regions_to_labels(prob, threshold=0.5):
    out = np.zeros(prob.shape[1:], dtype=np.uint8)
    for c, label in zip([0, 1, 2], [2, 1, 4]):
        out[prob[c] > threshold] = label
    return out


def dice(a, b):
    s = a.sum() + b.sum()
    return 1.0 if s == 0 else float(2 * (a & b).sum() / s)


def load_set(directory):
    names = sorted(n for n in os.listdir(directory) if n.startswith('case-'))
    return [load_case(os.path.join(directory, n)) for n in names]


def evaluate(model, cases):
    model.eval()
    scores = {r: [] for r in REGIONS}
    with torch.no_grad():
        for x, seg in cases:
            prob = torch.sigmoid(model(torch.from_numpy(x)[None]))[0].numpy()
            pred = regions_to_labels(prob)
            for r, (p, t) in zip(REGIONS, [(pred > 0, seg > 0), ((pred == 1) | (pred == 4), (seg == 1) | (seg == 4)), (pred == 4, seg == 4)]):
                scores[r].append(dice(p, t))
    return {r: float(np.mean(v)) for r, v in scores.items()}


def sample_crop(rng, x, seg):
    d, h, w = seg.shape
    if rng.random() < 0.6:
        zz, yy, xx = np.nonzero(seg)
        t = rng.integers(len(zz))
        centre = [zz[t], yy[t], xx[t]]
    else:
        centre = [rng.integers(d), rng.integers(h), rng.integers(w)]
    lo = [int(np.clip(c - CROP // 2 + rng.integers(-8, 9), 0, n - CROP)) for c, n in zip(centre, (d, h, w))]
    sl = tuple(slice(l, l + CROP) for l in lo)
    xc, yc = x[(slice(None),) + sl], regions_of(seg[sl])
    for axis in range(3):
        if rng.random() < 0.5:
            xc, yc = np.flip(xc, axis + 1), np.flip(yc, axis + 1)
    scale = 1 + 0.1 * (rng.random((4, 1, 1, 1)) - 0.5)
    shift = 0.1 * (rng.random((4, 1, 1, 1)) - 0.5)
    xc = np.where(xc != 0, xc * scale + shift, 0)
    return np.ascontiguousarray(xc, dtype=np.float32), np.ascontiguousarray(yc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=80)
    ap.add_argument('--test', type=int, default=20)
    ap.add_argument('--steps', type=int, default=700)
    ap.add_argument('--batch', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir = os.path.join(args.data, 'brats-train')
    test_dir = os.path.join(args.data, 'brats-test')
    generate_phantoms('brats', args.train, 1000, train_dir)
    generate_phantoms('brats', args.test, 2000, test_dir)
    train = load_set(train_dir)
    test = load_set(test_dir)
    log(f'loaded {len(train)} training and {len(test)} test cases of {train[0][0].shape}')

    model = UNet3d()
    log(f'parameters: {sum(p.numel() for p in model.parameters())}')
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    rng = np.random.default_rng(0)
    running = 0.0
    started = time.time()
    for step in range(1, args.steps + 1):
        model.train()
        pairs = [sample_crop(rng, *train[rng.integers(len(train))]) for _ in range(args.batch)]
        xb = torch.from_numpy(np.stack([p[0] for p in pairs]))
        yb = torch.from_numpy(np.stack([p[1] for p in pairs]))
        logits = model(xb)
        prob = torch.sigmoid(logits)
        inter = (prob * yb).sum(dim=(2, 3, 4))
        soft_dice = (2 * inter + 1) / (prob.sum(dim=(2, 3, 4)) + yb.sum(dim=(2, 3, 4)) + 1)
        loss = F.binary_cross_entropy_with_logits(logits, yb) + (1 - soft_dice).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running += loss.item()
        if step % 50 == 0:
            msg = f'step {step}/{args.steps} loss {running / 50:.4f} {time.time() - started:.0f} s'
            running = 0.0
            if step % 350 == 0 or step == args.steps:
                msg += ' dice(4 test cases) ' + str({k: round(v, 3) for k, v in evaluate(model, test[:4]).items()})
            log(msg)

    scores = evaluate(model, test)
    log(f'held-out Dice over {len(test)} cases: {scores}')
    path = os.path.join(MODELS_DIR, 'brats-unet3d-phantom.onnx')
    shape = test[0][0].shape[1:]
    export_onnx(model, torch.zeros(1, 4, *shape), path, ['image'], ['logits'],
                {'image': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}, 'logits': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}})
    on = measured_on('phantom-brats', 2000, args.test)
    write_entry({
        'id': MODEL_ID,
        'title': 'Brain tumour sub-region segmentation: small 3D U-Net (synthetic BraTS-style MRI)',
        'task': 'segmentation',
        'inputs': [{'name': m, 'modality': 'MR'} for m in MODALITIES],
        'modality': ['MR'],
        'dimensionality': 3,
        'datasets': ['phantom-brats'],
        'architecture': '3D U-Net (4 levels, features 6-12-24-48, BatchNorm + LeakyReLU, max-pool down, trilinear Resize up; no ConvTranspose3d)',
        'files': [file_record(path, 'model')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'image', 'dtype': 'float32', 'dims': [-1, 4, -1, -1, -1], 'layout': 'NCDHW', 'channels': MODALITIES}],
            'outputs': [{'name': 'logits', 'dtype': 'float32', 'dims': [-1, 3, -1, -1, -1], 'layout': 'NCDHW', 'channels': REGIONS}],
        },
        'space': {'spacing': [1.5, 1.5, 1.5], 'world': 'LPS', 'note': 'Trained on 96^3 skull-stripped phantoms at 1.5 mm; whole-volume inference pads spatial dims to a multiple of 8.'},
        'preprocess': [
            {'op': 'stackChannels', 'order': MODALITIES},
            {'op': 'zscore', 'nonzero': True, 'channelWise': True},
            {'op': 'cropPad', 'mode': 'divisible', 'k': 8},
            {'op': 'toTensor', 'layout': 'NCDHW', 'dtype': 'float32'},
        ],
        # Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine, where the default is 1 (BENCHMARKS.md, wasm threads per model).
        'inference': {'mode': 'whole', 'minWasmThreads': 2},
        'postprocess': [{'op': 'sigmoid'}, {'op': 'regionsToLabels', 'order': [0, 1, 2], 'labels': [2, 1, 4], 'threshold': 0.5}],
        'labels': ['background', 'necrotic core', 'edema', 'enhancing tumour'],
        'labelValues': [0, 1, 2, 4],
        'intendedUse': INTENDED_USE,
        'metrics': {
            'diceWholeTumour': {'value': round(scores['WT'], 4), 'measuredOn': on},
            'diceTumourCore': {'value': round(scores['TC'], 4), 'measuredOn': on},
            'diceEnhancing': {'value': round(scores['ET'], 4), 'measuredOn': on},
        },
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_brats_unet.py'},
    })
    torch.save(model.state_dict(), os.path.join(args.data, 'brats-unet.pt'))


if __name__ == '__main__':
    main()
