#!/usr/bin/python3
"""Trains the bundled chest radiograph finding detector: a YOLO-style anchor-free 2D detector.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-pil
    /usr/bin/python3 scripts/models/train_cxr_detector.py [--train 3000] [--test 500] [--epochs 6]

Data: chest radiograph phantoms (phantom-cxr) with one box per finding (boxes.csv), training seed
1000, held-out seed 2000 - the same files the classifier uses.

Preprocessing (declared; implemented identically in `preprocess`):
  letterbox{size: [128, 128], stride: 32, padValue: 0}
      256 x 256 -> ratio 0.5, half-pixel bilinear without antialias (cv2 INTER_LINEAR): for an
      exact 2x reduction every output pixel is the mean of a 2 x 2 block; no padding is needed.
  scaleIntensityRange{aMin: 0, aMax: 4095, bMin: 0, bMax: 1, clip: true}
  toTensor{layout: NCHW}
Output `detections` [N, 4 + 5, A], A = 16^2 + 8^2 + 4^2 cells at strides 8, 16, 32: box centre
x, y, width, height in input pixels, then the 5 class scores after sigmoid (no objectness) - the
YOLOv8 / YOLO11 ONNX layout, decoded in the graph. The SDK applies decodeYolo and NMS and undoes
the letterbox.

Training: FCOS/YOLOv8-like assignment - each box goes to the pyramid level matching its size and
to the cells whose centres fall in its central region; BCE on class scores (target = IoU-free 1),
L1 + GIoU on boxes; seeded. Metric: mean average precision at IoU 0.5 (mAP50, VOC all-point),
per class and averaged, on the held-out phantoms.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from common import (INTENDED_USE, MODELS_DIR, OPSET, export_onnx, file_record, generate_phantoms, log,  # noqa: E402
                    measured_on, set_determinism, write_entry)

MODEL_ID = 'medinfer-cxr-yolo-phantom'
LABELS = ['Nodule', 'Effusion', 'Cardiomegaly', 'Consolidation', 'Pneumothorax']
SIZE = 128
STRIDES = (8, 16, 32)
RANGES = ((0, 24), (24, 56), (56, 1e9))  # max box side (input px) handled by each level


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.SiLU(inplace=True))


class TinyYolo(nn.Module):
    def __init__(self, nc=5):
        super().__init__()
        self.nc = nc
        self.stem = nn.Sequential(conv(1, 16, 2), conv(16, 24, 2), conv(24, 24))           # /4
        self.p3 = nn.Sequential(conv(24, 48, 2), conv(48, 48))                              # /8
        self.p4 = nn.Sequential(conv(48, 64, 2), conv(64, 64))                              # /16
        self.p5 = nn.Sequential(conv(64, 96, 2), conv(96, 96))                              # /32
        self.heads = nn.ModuleList([nn.Sequential(conv(c, 48), nn.Conv2d(48, 4 + nc, 1)) for c in (48, 64, 96)])
        for h in self.heads:
            nn.init.constant_(h[1].bias[4:], -4.0)

    def raw(self, x):
        a = self.p3(self.stem(x))
        b = self.p4(a)
        c = self.p5(b)
        return [h(f) for h, f in zip(self.heads, (a, b, c))]

    def forward(self, x):
        outs = []
        for r, s in zip(self.raw(x), STRIDES):
            n, _, h, w = r.shape
            gy = torch.arange(h, dtype=r.dtype).view(1, h, 1) + 0.5
            gx = torch.arange(w, dtype=r.dtype).view(1, 1, w) + 0.5
            ltrb = F.softplus(r[:, 0:4]) * s
            x1, y1 = gx * s - ltrb[:, 0], gy * s - ltrb[:, 1]
            x2, y2 = gx * s + ltrb[:, 2], gy * s + ltrb[:, 3]
            box = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], 1)
            outs.append(torch.cat([box, torch.sigmoid(r[:, 4:])], 1).reshape(n, 4 + self.nc, -1))
        return torch.cat(outs, 2)


def preprocess(raw):
    x = torch.from_numpy(raw.astype(np.float32))[None, None]
    x = F.avg_pool2d(x, 2)  # letterbox 256 -> 128: half-pixel bilinear at exactly 1/2
    return torch.clamp(x / 4095.0, 0, 1)[0]


def load_set(directory):
    rows = open(os.path.join(directory, 'labels.csv')).read().strip().split('\n')[1:]
    files = [r.split(',')[0] for r in rows]
    boxes = {f: [] for f in files}
    for line in open(os.path.join(directory, 'boxes.csv')).read().strip().split('\n')[1:]:
        f, label, *xyxy = line.split(',')
        boxes[f].append((LABELS.index(label), [float(v) * SIZE / 256.0 for v in xyxy]))
    xs = torch.stack([preprocess(np.array(Image.open(os.path.join(directory, f)))) for f in files])
    return xs, [boxes[f] for f in files]


def anchors():
    pts, strides = [], []
    for s in STRIDES:
        n = SIZE // s
        ys, xs = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5, indexing='ij')
        pts.append(np.stack([xs.ravel() * s, ys.ravel() * s], 1))
        strides.append(np.full(n * n, s))
    return np.concatenate(pts), np.concatenate(strides)


ANCHORS, ANCHOR_STRIDES = anchors()


def assign(boxes):
    """Per anchor: class target vector and box target (x1, y1, x2, y2) or none."""
    cls = np.zeros((len(ANCHORS), len(LABELS)), np.float32)
    tgt = np.zeros((len(ANCHORS), 4), np.float32)
    pos = np.zeros(len(ANCHORS), bool)
    for c, (x1, y1, x2, y2) in boxes:
        side = max(x2 - x1, y2 - y1)
        level = next(i for i, (lo, hi) in enumerate(RANGES) if lo <= side < hi)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        s = STRIDES[level]
        r = 1.5 * s
        inside = ((ANCHOR_STRIDES == s) & (np.abs(ANCHORS[:, 0] - cx) <= max(r, (x2 - x1) / 2) * 0.8) &
                  (np.abs(ANCHORS[:, 1] - cy) <= max(r, (y2 - y1) / 2) * 0.8))
        if not inside.any():
            d = np.where(ANCHOR_STRIDES == s, np.hypot(ANCHORS[:, 0] - cx, ANCHORS[:, 1] - cy), np.inf)
            inside = d == d.min()
        cls[inside, c] = 1.0
        tgt[inside] = (x1, y1, x2, y2)
        pos |= inside
    return cls, tgt, pos


def giou(a, b):
    ix1, iy1 = torch.max(a[:, 0], b[:, 0]), torch.max(a[:, 1], b[:, 1])
    ix2, iy2 = torch.min(a[:, 2], b[:, 2]), torch.min(a[:, 3], b[:, 3])
    inter = (ix2 - ix1).clamp(min=0) * (iy2 - iy1).clamp(min=0)
    area = lambda t: (t[:, 2] - t[:, 0]) * (t[:, 3] - t[:, 1])  # noqa: E731
    union = area(a) + area(b) - inter + 1e-6
    cx1, cy1 = torch.min(a[:, 0], b[:, 0]), torch.min(a[:, 1], b[:, 1])
    cx2, cy2 = torch.max(a[:, 2], b[:, 2]), torch.max(a[:, 3], b[:, 3])
    hull = (cx2 - cx1) * (cy2 - cy1) + 1e-6
    return inter / union - (hull - union) / hull


def to_xyxy(out):
    """[N, 4 + nc, A] -> boxes [N, A, 4] (x1, y1, x2, y2), scores [N, A, nc]."""
    b = out[:, :4].transpose(1, 2)
    xyxy = torch.stack([b[..., 0] - b[..., 2] / 2, b[..., 1] - b[..., 3] / 2, b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3] / 2], -1)
    return xyxy, out[:, 4:].transpose(1, 2)


def nms(boxes, scores, iou=0.5, top=20):
    order = np.argsort(-scores)
    keep = []
    for i in order:
        if scores[i] < 0.01 or len(keep) >= top:
            break
        if all(box_iou(boxes[i], boxes[k]) <= iou for k in keep):
            keep.append(i)
    return keep


def box_iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-9)


def evaluate(model, xs, boxes):
    model.eval()
    dets = {c: [] for c in range(len(LABELS))}
    with torch.no_grad():
        outs = torch.cat([model(xs[i:i + 100]) for i in range(0, len(xs), 100)])
    xyxy, scores = to_xyxy(outs)
    for n in range(len(xs)):
        for c in range(len(LABELS)):
            keep = nms(xyxy[n].numpy(), scores[n, :, c].numpy())
            dets[c] += [(n, float(scores[n, k, c]), xyxy[n, k].numpy()) for k in keep]
    aps = {}
    for c, name in enumerate(LABELS):
        gts = {n: [b for cc, b in boxes[n] if cc == c] for n in range(len(xs))}
        total = sum(len(v) for v in gts.values())
        used = {n: [False] * len(v) for n, v in gts.items()}
        tp = []
        for n, sc, b in sorted(dets[c], key=lambda d: -d[1]):
            ious = [box_iou(b, g) for g in gts[n]]
            j = int(np.argmax(ious)) if ious else -1
            hit = j >= 0 and ious[j] >= 0.5 and not used[n][j]
            if hit:
                used[n][j] = True
            tp.append(hit)
        tp = np.array(tp, float)
        recall = np.cumsum(tp) / max(total, 1)
        precision = np.cumsum(tp) / np.arange(1, len(tp) + 1)
        mrec = np.concatenate([[0], recall, [1]])
        mpre = np.concatenate([[0], precision, [0]])
        for i in range(len(mpre) - 2, -1, -1):
            mpre[i] = max(mpre[i], mpre[i + 1])
        idx = np.where(mrec[1:] != mrec[:-1])[0]
        aps[name] = float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1]))
    return aps, float(np.mean(list(aps.values())))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=3000)
    ap.add_argument('--test', type=int, default=500)
    ap.add_argument('--epochs', type=int, default=6)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir, test_dir = os.path.join(args.data, 'cxr-train'), os.path.join(args.data, 'cxr-test')
    generate_phantoms('cxr', args.train, 1000, train_dir)
    generate_phantoms('cxr', args.test, 2000, test_dir)
    xtr, btr = load_set(train_dir)
    xte, bte = load_set(test_dir)
    targets = [assign(b) for b in btr]
    log(f'train {tuple(xtr.shape)}, {sum(len(b) for b in btr)} boxes; {len(ANCHORS)} anchors')
    model = TinyYolo(len(LABELS))
    batch = 32
    steps = args.epochs * (len(xtr) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    g = torch.Generator().manual_seed(0)
    started = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=g)
        total = 0.0
        for s in range(len(xtr) // batch):
            idx = perm[s * batch:(s + 1) * batch].tolist()
            cls = torch.from_numpy(np.stack([targets[i][0] for i in idx]))
            tgt = torch.from_numpy(np.stack([targets[i][1] for i in idx]))
            pos = torch.from_numpy(np.stack([targets[i][2] for i in idx]))
            xyxy, scores = to_xyxy(model(xtr[idx]))
            loss_cls = F.binary_cross_entropy(scores.clamp(1e-6, 1 - 1e-6), cls, reduction='sum') / pos.sum().clamp(min=1)
            pb, tb = xyxy[pos], tgt[pos]
            loss_box = (1 - giou(pb, tb)).mean() + F.l1_loss(pb, tb) / 8.0 if len(pb) else torch.zeros(())
            loss = loss_cls + 2.0 * loss_box
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        aps, m = evaluate(model, xte[:200], bte[:200])
        log(f'epoch {epoch + 1}/{args.epochs} loss {total / (len(xtr) // batch):.4f} mAP50(200 test) {m:.3f} {time.time() - started:.0f} s ' +
            ' '.join(f'{k}={v:.3f}' for k, v in aps.items()))
    aps, m = evaluate(model, xte, bte)
    log(f'held-out mAP50 {m:.4f} {aps}')
    path = os.path.join(MODELS_DIR, 'cxr-yolo-phantom.onnx')
    export_onnx(model, torch.zeros(1, 1, SIZE, SIZE), path, ['image'], ['detections'], {'image': {0: 'batch'}, 'detections': {0: 'batch'}})
    on = measured_on('phantom-cxr', 2000, args.test)
    metrics = {'mAP50': {'value': round(m, 4), 'measuredOn': on}}
    for k, v in aps.items():
        metrics['ap50' + k] = {'value': round(v, 4), 'measuredOn': on}
    write_entry({
        'id': MODEL_ID,
        'title': 'Chest radiograph finding detector: YOLO-style anchor-free 2D detector (synthetic radiographs)',
        'task': 'detection',
        'modality': ['DX', 'CR'],
        'dimensionality': 2,
        'datasets': ['phantom-cxr'],
        'architecture': 'YOLO-style anchor-free detector (strided conv backbone, 3 levels at strides 8/16/32, ltrb box + class heads decoded in graph)',
        'files': [file_record(path, 'model')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'image', 'dtype': 'float32', 'dims': [-1, 1, SIZE, SIZE], 'layout': 'NCHW'}],
            'outputs': [{'name': 'detections', 'dtype': 'float32', 'dims': [-1, 4 + len(LABELS), len(ANCHORS)], 'layout': 'N(4+nc)A',
                         'description': 'YOLOv8 layout: cx, cy, w, h in input pixels, then class scores after sigmoid'}],
        },
        'preprocess': [
            {'op': 'letterbox', 'size': [SIZE, SIZE], 'stride': 32, 'padValue': 0},
            {'op': 'scaleIntensityRange', 'aMin': 0, 'aMax': 4095, 'bMin': 0, 'bMax': 1, 'clip': True},
            {'op': 'toTensor', 'layout': 'NCHW', 'dtype': 'float32'},
        ],
        'inference': {'mode': 'whole'},
        'postprocess': [{'op': 'decodeYolo', 'confidence': 0.25, 'numClasses': len(LABELS)},
                        {'op': 'nms', 'iou': 0.5, 'maxDetections': 50, 'classAware': True}],
        'labels': LABELS,
        'intendedUse': INTENDED_USE,
        'metrics': metrics,
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_cxr_detector.py'},
    })


if __name__ == '__main__':
    main()
