#!/usr/bin/python3
"""Trains the bundled chest-radiograph classifier (DenseNet-style, multi-label) on phantoms.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-sklearn python3-pil
    /usr/bin/python3 scripts/models/train_cxr_classifier.py [--train 3000] [--test 500] [--epochs 8]

Data: chest radiograph phantoms from the SDK's TypeScript generator (phantom-cxr), training set
seed 1000, held-out test set seed 2000 (disjoint cases). Preprocessing is exactly the one the
manifest entry declares, implemented below the same way:
  xrvNormalize{maxval: 4095}  -> (2 * x / 4095 - 1) * 1024, range [-1024, 1024] (TorchXRayVision)
  resize{size: [128, 128], mode: bilinear, antialias: true}
  toTensor{layout: NCHW, dtype: float32}
Outputs: 5 logits in CXR_FINDINGS order (Nodule, Effusion, Cardiomegaly, Consolidation,
Pneumothorax); the SDK applies sigmoid. Deterministic: seeded, 2 threads.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from common import (INTENDED_USE, MODELS_DIR, OPSET, export_onnx, file_record, generate_phantoms, log,  # noqa: E402
                    measured_on, set_determinism, write_entry)

MODEL_ID = 'medinfer-cxr-densenet-phantom'
LABELS = ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax']
MAXVAL = 4095
SIZE = 128


class DenseLayer(nn.Module):
    """BN-ReLU-Conv1x1 (bottleneck) - BN-ReLU-Conv3x3, output concatenated to the input (DenseNet-BC)."""

    def __init__(self, cin, growth):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, 4 * growth, 1, bias=False),
                                  nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True), nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


class TinyDenseNet(nn.Module):
    """DenseNet-BC in miniature: stem, 3 dense blocks with transitions (compression 0.5), GAP, linear head."""

    def __init__(self, num_classes=5, growth=8, blocks=(4, 6, 8), stem=16):
        super().__init__()
        # Stem as in DenseNet (strided conv + pooling, /4) keeps the dense blocks cheap on CPU.
        layers = [nn.Conv2d(1, stem, 5, stride=2, padding=2, bias=False), nn.AvgPool2d(2)]
        c = stem
        for b, n in enumerate(blocks):
            for _ in range(n):
                layers.append(DenseLayer(c, growth))
                c += growth
            if b < len(blocks) - 1:
                out = c // 2
                layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.Conv2d(c, out, 1, bias=False), nn.AvgPool2d(2)]
                c = out
        layers += [nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        # Average and max pooling side by side: a nodule covers one cell of the last 8x8 map, and
        # average pooling alone dilutes it 64-fold (max pooling is what small-lesion heads add).
        self.classifier = nn.Linear(2 * c, num_classes)

    def forward(self, x):
        # Input is TorchXRayVision-normalised ([-1024, 1024]); bring it to unit scale in the graph.
        f = self.features(x * (1.0 / 1024.0))
        return self.classifier(torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], 1))


def preprocess(raw):
    """raw: uint16/int32 array HxW -> float32 tensor 1x1xSIZExSIZE, exactly the declared steps."""
    x = torch.from_numpy(raw.astype(np.float32))
    x = (2.0 * (x / MAXVAL) - 1.0) * 1024.0
    x = F.interpolate(x[None, None], size=(SIZE, SIZE), mode='bilinear', align_corners=False, antialias=True)
    return x[0]


def load_set(directory):
    rows = open(os.path.join(directory, 'labels.csv')).read().strip().split('\n')[1:]
    xs, ys = [], []
    for row in rows:
        cells = row.split(',')
        xs.append(preprocess(np.array(Image.open(os.path.join(directory, cells[0])))))
        ys.append([float(v) for v in cells[1:1 + len(LABELS)]])
    return torch.stack(xs), torch.tensor(ys)


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        p = torch.cat([torch.sigmoid(model(x[i:i + 100])) for i in range(0, len(x), 100)]).numpy()
    aucs = {name: float(roc_auc_score(y[:, c].numpy(), p[:, c])) for c, name in enumerate(LABELS)}
    return aucs, float(np.mean(list(aucs.values())))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=3000)
    ap.add_argument('--test', type=int, default=500)
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir = os.path.join(args.data, 'cxr-train')
    test_dir = os.path.join(args.data, 'cxr-test')
    generate_phantoms('cxr', args.train, 1000, train_dir)
    generate_phantoms('cxr', args.test, 2000, test_dir)
    xtr, ytr = load_set(train_dir)
    xte, yte = load_set(test_dir)
    log(f'train {tuple(xtr.shape)} prevalence {ytr.mean(0).tolist()}')

    model = TinyDenseNet(len(LABELS))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 32
    steps = args.epochs * (len(xtr) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    g = torch.Generator().manual_seed(0)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for s in range(len(xtr) // batch):
            idx = perm[s * batch:(s + 1) * batch]
            xb = xtr[idx]
            # Augmentation: exposure (gain) jitter and a shift of up to 4 px; no flips (the heart is on the left).
            gain = 1 + 0.1 * (torch.rand(len(idx), 1, 1, 1, generator=g) - 0.5)
            xb = (xb + 1024) * gain - 1024
            dx, dy = [int(v) for v in torch.randint(-4, 5, (2,), generator=g)]
            xb = torch.roll(xb, shifts=(dy, dx), dims=(2, 3))
            loss = F.binary_cross_entropy_with_logits(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if (s + 1) % 25 == 0:
                log(f'  batch {s + 1}/{len(xtr) // batch} loss {total / (s + 1):.4f}')
        aucs, mean_auc = evaluate(model, xte, yte)
        log(f'epoch {epoch + 1}/{args.epochs} loss {total / (len(xtr) // batch):.4f} test mean AUC {mean_auc:.4f} ' +
            ' '.join(f'{k}={v:.3f}' for k, v in aucs.items()))

    aucs, mean_auc = evaluate(model, xte, yte)
    path = os.path.join(MODELS_DIR, 'cxr-densenet-phantom.onnx')
    export_onnx(model, torch.zeros(1, 1, SIZE, SIZE), path, ['image'], ['logits'], {'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    on = measured_on('phantom-cxr', 2000, args.test)
    metrics = {'meanAuc': {'value': round(mean_auc, 4), 'measuredOn': on}}
    for name, v in aucs.items():
        metrics['auc' + name] = {'value': round(v, 4), 'measuredOn': on}
    write_entry({
        'id': MODEL_ID,
        'title': 'Chest radiograph multi-label classifier: miniature DenseNet (synthetic radiographs)',
        'task': 'classification',
        'modality': ['DX', 'CR'],
        'dimensionality': 2,
        'datasets': ['phantom-cxr'],
        'architecture': 'DenseNet-BC (miniature: stride-4 stem, growth 8, blocks 4-6-8, 1-channel input 128x128), avg+max pooled multi-label head',
        'files': [file_record(path, 'model')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'image', 'dtype': 'float32', 'dims': [-1, 1, SIZE, SIZE], 'layout': 'NCHW'}],
            'outputs': [{'name': 'logits', 'dtype': 'float32', 'dims': [-1, len(LABELS)], 'layout': 'NC'}],
        },
        'preprocess': [
            {'op': 'greyscale', 'method': 'mean'},
            {'op': 'xrvNormalize', 'maxval': MAXVAL},
            {'op': 'resize', 'size': [SIZE, SIZE], 'mode': 'bilinear', 'antialias': True},
            {'op': 'toTensor', 'layout': 'NCHW', 'dtype': 'float32'},
        ],
        'inference': {'mode': 'whole'},
        'postprocess': [{'op': 'sigmoid'}],
        'labels': LABELS,
        'intendedUse': INTENDED_USE,
        'metrics': metrics,
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_cxr_classifier.py'},
    })
    torch.save(model.state_dict(), os.path.join(args.data, 'cxr-classifier.pt'))


if __name__ == '__main__':
    main()
