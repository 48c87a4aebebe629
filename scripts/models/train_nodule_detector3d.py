#!/usr/bin/python3
"""Trains the bundled 3D lung nodule detector (anchor-free, YOLO/CenterNet-style) on chest CT phantoms
and measures LUNA16 FROC / CPM on held-out scans.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-nibabel python3-scipy
    /usr/bin/python3 scripts/models/train_nodule_detector3d.py [--train 50] [--test 20] [--steps 2400] [--threads 2]

The shipped models/nodule-det3d-phantom.onnx was built with `--threads 1` (all other options default)
and rebuilds byte for byte with that command: training loop 1032-1183 s, 19-21 min in all with the data
load and the held-out evaluation, on the shared 2-core build machine under load (phantom generation,
about 4 min for the 70 scans, not included; reused when present). Results are deterministic for a given
thread count (another --threads gives a slightly different model; re-measure it).

Data: chest CT phantoms from the SDK's TypeScript generator (phantom-chest-ct: 0.7 x 0.7 x 1.25 mm,
HU, LUNA16-style annotations.csv in LPS world mm), training seed 1000, held-out seed 2000.

Preprocessing (declared in the entry; implemented identically in `preprocess`):
  resample{spacing: [1.4, 1.4, 2.5], mode: linear, rule: monai}
      -> new size round((n - 1) * old / new + 1); output voxel t samples input index t * new / old.
         For these phantoms (0.7 -> 1.4, 1.25 -> 2.5) that is exactly every second voxel.
  scaleIntensityRange{aMin: -1024, aMax: 300, bMin: 0, bMax: 1, clip: true}   (MONAI LUNA16 bundle)
  toTensor{layout: NCDHW}   (D, H, W = k, j, i)
Inference: slidingWindow roi [32, 96, 96] (D, H, W), overlap 0.25; fully convolutional (any size).

Network: encoder to stride 16 (context of several centimetres), top-down path with skip connections
back to stride 4 (FPN-like, nearest upsampling), 3x3x3 + 1x1 head. Ops: Conv, BatchNormalization
(folded), LeakyRelu, Resize, Concat, MaxPool, GreaterOrEqual, Sigmoid, Exp, Clip and shape arithmetic.

Output `detections` [N, 7, A]: for each of A = D/4 * H/4 * W/4 cells (stride 4), the box centre
(cx, cy, cz) = (i, j, k) in tensor voxels with voxel edges at integers (centre of voxel i is i + 0.5),
the box size (w, h, d) in voxels, and the nodule score after sigmoid - the 3D analogue of the
YOLOv8 head ([1, 6 + nc, A], no objectness), decoded in the graph. Only cells that are a local
maximum of the heatmap (3 x 3 x 3 cells, CenterNet peak extraction, in the graph) keep their score;
the others score 0, so one nodule gives one candidate per window. The SDK applies decodeYolo
(confidence 0.05) and 3D NMS (IoU 0.1, merging the windows' candidates) and maps boxes to world mm.
Boxes are cubes of the nodule's diameter.

Training: CenterNet-style Gaussian heatmap targets with focal loss, L1 on the centre offset and
log-size at the centre cell; 60 % of the random crops contain a nodule anywhere in the crop (small
nodules favoured: weight 1 / sqrt(diameter)), flips on all three axes; AdamW with a one-cycle
schedule; the exported weights are an exponential moving average (0.998) of the trained ones;
seeded, deterministic. Evaluation (`detect`) follows the SDK's path exactly (ROI windows with MONAI
placement, decodeYolo, window offsets, greedy 3D NMS) and the LUNA16 protocol: a candidate hits a
nodule when its centre lies within the nodule's radius; at most 100 candidates per scan; FROC
sensitivities at 1/8 ... 8 FPs per scan, averaged to the CPM.
"""
import argparse
import copy
import csv
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

MODEL_ID = 'medinfer-nodule-det3d-phantom'
SPACING = np.array([1.4, 1.4, 2.5])  # i, j, k (mm)
STRIDE = 4
CROP = (32, 64, 64)  # D, H, W
ROI = [32, 96, 96]
OVERLAP = 0.25
CONFIDENCE = 0.05
NMS_IOU = 0.1
MAX_DETECTIONS = 100
EMA_DECAY = 0.998


def conv(cin, cout, stride=1):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm3d(cout, momentum=0.05),
                         nn.LeakyReLU(0.1, inplace=True))


def upsample_to(t, ref):
    """Nearest x2 upsampling to the skip connection's exact size (any D, H, W, not only multiples of 16)."""
    return F.interpolate(t, size=ref.shape[2:], mode='nearest')


class NoduleNet(nn.Module):
    """Encoder to stride 16, top-down path back to stride 4 (FPN-like), 3x3x3 + 1x1 head: heatmap, offset (3), log-size (1)."""

    def __init__(self):
        super().__init__()
        self.s2 = nn.Sequential(conv(1, 12, 2), conv(12, 12))
        self.s4 = nn.Sequential(conv(12, 24, 2), conv(24, 24))
        self.s8 = nn.Sequential(conv(24, 48, 2), conv(48, 48))
        self.s16 = nn.Sequential(conv(48, 64, 2), conv(64, 64))
        self.up8 = conv(48 + 64, 48)
        self.up4 = conv(24 + 48, 32)
        self.head = nn.Sequential(conv(32, 32), nn.Conv3d(32, 5, 1))
        nn.init.constant_(self.head[1].bias, 0.0)
        with torch.no_grad():
            self.head[1].bias[0] = -4.0  # rare positives: start with low scores (focal-loss prior)

    def raw(self, x):
        a = self.s4(self.s2(x))
        b = self.s8(a)
        c = self.s16(b)
        b = self.up8(torch.cat([b, upsample_to(c, b)], 1))
        a = self.up4(torch.cat([a, upsample_to(b, a)], 1))
        return self.head(a)

    def forward(self, x):
        """Decoded boxes as the SDK's decodeYolo 3D expects: [N, 7, A] = cx, cy, cz, w, h, d, score.
        Only local maxima of the heatmap (3 x 3 x 3 cells) keep their score, the others get 0 (CenterNet peak
        extraction), so one nodule gives one candidate per window."""
        r = self.raw(x)
        n, _, d, h, w = r.shape
        # Cell grids in tensor voxel units (edges at integers): cell centre = (g + 0.5) * STRIDE.
        gz = torch.arange(d, dtype=r.dtype).view(1, d, 1, 1)
        gy = torch.arange(h, dtype=r.dtype).view(1, 1, h, 1)
        gx = torch.arange(w, dtype=r.dtype).view(1, 1, 1, w)
        off = torch.sigmoid(r[:, 1:4])  # within-cell position, 0..1
        cx = (gx + off[:, 2]) * STRIDE
        cy = (gy + off[:, 1]) * STRIDE
        cz = (gz + off[:, 0]) * STRIDE
        diam_mm = torch.exp(r[:, 4].clamp(-3.0, 4.0)) * 10.0
        size = [diam_mm / float(SPACING[0]), diam_mm / float(SPACING[1]), diam_mm / float(SPACING[2])]
        heat = torch.sigmoid(r[:, 0:1])
        peak = (heat >= F.max_pool3d(heat, 3, stride=1, padding=1)).to(heat.dtype)
        score = (heat * peak)[:, 0]
        out = torch.stack([cx.expand_as(score), cy.expand_as(score), cz.expand_as(score), size[0], size[1], size[2], score], 1)
        return out.reshape(n, 7, -1)


def preprocess(hu_ijk, spacing_ijk):
    """resample (monai rule, linear) + scaleIntensityRange; returns the [D, H, W] tensor and the new spacing."""
    out = hu_ijk.astype(np.float32)
    for axis in range(3):
        n, s0, s1 = out.shape[axis], spacing_ijk[axis], SPACING[axis]
        m = max(1, int(np.round((n - 1) * s0 / s1 + 1)))
        pos = np.arange(m) * s1 / s0
        lo = np.clip(np.floor(pos).astype(int), 0, n - 1)
        hi = np.clip(lo + 1, 0, n - 1)
        f = (pos - lo).astype(np.float32)
        shape = [1, 1, 1]
        shape[axis] = m
        f = f.reshape(shape)
        out = np.take(out, lo, axis=axis) * (1 - f) + np.take(out, hi, axis=axis) * f
    out = np.clip((out + 1024.0) / 1324.0, 0.0, 1.0)
    return np.ascontiguousarray(out.transpose(2, 1, 0)), SPACING


def load_scans(directory):
    uids = [row['seriesuid'] for row in csv.DictReader(open(os.path.join(directory, 'seriesuids.csv')))]
    nodules = {u: [] for u in uids}
    for row in csv.DictReader(open(os.path.join(directory, 'annotations.csv'))):
        nodules[row['seriesuid']].append((np.array([float(row['coordX']), float(row['coordY']), float(row['coordZ'])]), float(row['diameter_mm'])))
    scans = []
    for u in uids:
        img = nib.load(os.path.join(directory, 'scans', f'{u}.nii.gz'))
        hu = np.asarray(img.dataobj)
        spacing = np.array(img.header.get_zooms()[:3], dtype=np.float64)
        x, _ = preprocess(hu, spacing)
        # LPS world -> RAS -> original voxel (i, j, k) -> resampled voxel centre index.
        inv = np.linalg.inv(img.affine)
        items = []
        for c_lps, diam in nodules[u]:
            ijk = (inv @ np.array([-c_lps[0], -c_lps[1], c_lps[2], 1.0]))[:3] * spacing / SPACING
            items.append((ijk, diam))
        scans.append({'uid': u, 'x': x, 'nodules': items, 'affine': img.affine, 'spacing0': spacing})
    return scans


def make_targets(nodules, shape, origin):
    """Heatmap / offset / log-size targets at stride 4 for a crop starting at `origin` (D, H, W)."""
    d, h, w = [s // STRIDE for s in shape]
    heat = np.zeros((d, h, w), np.float32)
    reg = np.zeros((4, d, h, w), np.float32)
    mask = np.zeros((d, h, w), np.float32)
    zz, yy, xx = np.meshgrid(np.arange(d), np.arange(h), np.arange(w), indexing='ij')
    for ijk, diam in nodules:
        # tensor coordinates with edges at integers: voxel centre index + 0.5
        c = np.array([ijk[2], ijk[1], ijk[0]]) + 0.5 - np.array(origin)
        g = c / STRIDE
        cell = np.floor(g).astype(int)
        if np.any(cell < 0) or np.any(cell >= [d, h, w]):
            continue
        sigma = max(0.6, diam / 10.0 / STRIDE)
        heat = np.maximum(heat, np.exp(-((zz - cell[0]) ** 2 + (yy - cell[1]) ** 2 + (xx - cell[2]) ** 2) / (2 * sigma ** 2)))
        heat[tuple(cell)] = 1.0
        reg[0:3, cell[0], cell[1], cell[2]] = g - cell
        reg[3, cell[0], cell[1], cell[2]] = np.log(diam / 10.0)
        mask[tuple(cell)] = 1.0
    return heat, reg, mask


POSITIVE_FRACTION = 0.6


def sample_crop(rng, scan):
    """A CROP-sized training crop: POSITIVE_FRACTION of them contain a nodule (small ones favoured, weight
    1 / sqrt(diameter)) anywhere in the crop, not only at its centre, as in sliding windows; the others are random."""
    x = scan['x']
    dims = np.array(x.shape)
    half = np.array(CROP) // 2
    if scan['nodules'] and rng.random() < POSITIVE_FRACTION:
        weights = np.array([1.0 / np.sqrt(diam) for _, diam in scan['nodules']])
        ijk, _ = scan['nodules'][rng.choice(len(weights), p=weights / weights.sum())]
        shift = np.round((rng.random(3) * 2 - 1) * (half - 6)).astype(int)
        centre = np.array([ijk[2], ijk[1], ijk[0]]) + shift
    else:
        centre = rng.random(3) * dims
    lo = np.clip(np.round(centre - half).astype(int), 0, dims - CROP)
    crop = x[lo[0]:lo[0] + CROP[0], lo[1]:lo[1] + CROP[1], lo[2]:lo[2] + CROP[2]]
    heat, reg, mask = make_targets(scan['nodules'], CROP, lo)
    for axis in (0, 1, 2):  # flips (inferior-superior, left-right, front-back); offsets mirror with them
        if rng.random() < 0.5:
            crop = np.flip(crop, axis)
            heat, mask = np.flip(heat, axis), np.flip(mask, axis)
            reg = np.flip(reg, axis + 1).copy()
            reg[axis] = np.where(mask > 0, 1.0 - reg[axis], 0.0)
    return [np.ascontiguousarray(a) for a in (crop, heat, reg, mask)]


def focal_loss(logit, target):
    p = torch.sigmoid(logit).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    loss = -(pos * (1 - p) ** 2 * torch.log(p) + neg * (1 - target) ** 4 * p ** 2 * torch.log(1 - p))
    return loss.sum() / pos.sum().clamp(min=1)


def window_starts(size, roi, overlap):
    """MONAI dense_patch_slices placement (the SDK's slidingWindow placement 'monai')."""
    if roi >= size:
        return [0]
    interval = max(1, int(roi * (1 - overlap)))
    starts, i = [], 0
    while True:
        start = i * interval
        starts.append(min(start, size - roi))
        if start + roi >= size:
            return starts
        i += 1


def nms_3d(boxes, scores, iou, max_det):
    """Greedy NMS on corner boxes [n, 6] (x0, y0, z0, x1, y1, z1), suppress when IoU > iou (torchvision rule)."""
    order = np.argsort(-scores, kind='stable')
    vol = np.prod(boxes[:, 3:] - boxes[:, :3], 1)
    kept = []
    for a in order:
        if len(kept) >= max_det:
            break
        if kept:
            k = np.array(kept)
            inter = np.prod(np.clip(np.minimum(boxes[k, 3:], boxes[a, 3:]) - np.maximum(boxes[k, :3], boxes[a, :3]), 0, None), 1)
            if np.any(inter / (vol[k] + vol[a] - inter) > iou):
                continue
        kept.append(a)
    return kept


def detect(model, x):
    """The SDK's 3D detection path: ROI windows (zero padded past the edge), decodeYolo (score > CONFIDENCE),
    window offsets, merge, 3D NMS. Returns candidate centres (tensor D, H, W voxel-centre indices) and scores."""
    starts = [window_starts(max(s, r), r, OVERLAP) for s, r in zip(x.shape, ROI)]
    boxes, scores = [], []
    with torch.no_grad():
        for a in starts[0]:
            for b in starts[1]:
                for c in starts[2]:
                    win = np.zeros(ROI, np.float32)
                    part = x[a:a + ROI[0], b:b + ROI[1], c:c + ROI[2]]
                    win[:part.shape[0], :part.shape[1], :part.shape[2]] = part
                    out = model(torch.from_numpy(win)[None, None])[0].numpy()
                    keep = out[6] > CONFIDENCE
                    centre = out[0:3, keep].T + np.array([c, b, a])  # x, y, z = i, j, k
                    size = out[3:6, keep].T
                    boxes.append(np.concatenate([centre - size / 2, centre + size / 2], 1))
                    scores.append(out[6, keep])
    boxes, scores = np.concatenate(boxes).astype(np.float32), np.concatenate(scores)
    kept = nms_3d(boxes, scores, NMS_IOU, MAX_DETECTIONS)
    return [((boxes[a, 2::-1] + boxes[a, :2:-1]) / 2 - 0.5, float(scores[a])) for a in kept]


def froc_cpm(scans, candidates):
    """LUNA16: a candidate within R = d/2 (mm) of a nodule hits it; one hit per nodule counts (highest score)."""
    total = sum(len(s['nodules']) for s in scans)
    entries = []  # (score, is_tp)
    for scan, cands in zip(scans, candidates):
        best = [0.0] * len(scan['nodules'])
        for c, sc in cands:
            hits = [n for n, (ijk, diam) in enumerate(scan['nodules'])
                    if np.linalg.norm((c - np.array([ijk[2], ijk[1], ijk[0]])) * SPACING[::-1]) < diam / 2]
            if hits:
                for n in hits:
                    best[n] = max(best[n], sc)
            else:
                entries.append((sc, False))
        entries += [(b, True) for b in best if b > 0]
    entries.sort(key=lambda e: -e[0])
    tp = fp = 0
    sens, fps = [0.0], [0.0]
    for sc, is_tp in entries:
        if is_tp:
            tp += 1
        else:
            fp += 1
        sens.append(tp / max(total, 1))
        fps.append(fp / len(scans))
    points = [0.125, 0.25, 0.5, 1, 2, 4, 8]
    values = [float(np.interp(p, fps, sens)) for p in points]
    return float(np.mean(values)), dict(zip([str(p) for p in points], values)), total


def model_entry(path, cpm, sens, test_count):
    """The manifest entry of the exported model with its held-out metrics."""
    on = measured_on('phantom-chest-ct', 2000, test_count)
    metrics = {'cpm': {'value': round(cpm, 4), 'measuredOn': on}}
    for p, v in sens.items():
        metrics[f'sensitivityAt{p}FpPerScan'] = {'value': round(v, 4), 'measuredOn': on}
    entry = {
        'id': MODEL_ID,
        'title': 'Lung nodule detection in chest CT: anchor-free 3D detector (synthetic CT)',
        'task': 'detection',
        'modality': ['CT'],
        'dimensionality': 3,
        'datasets': ['phantom-chest-ct'],
        'architecture': 'Anchor-free 3D CNN detector (YOLO/CenterNet-style: stride-16 encoder, FPN-like path to a stride-4 heatmap + offset + size head; peak extraction and boxes decoded in graph)',
        'files': [file_record(path, 'model')],
        'opset': OPSET,
        'io': {
            'inputs': [{'name': 'image', 'dtype': 'float32', 'dims': [-1, 1, -1, -1, -1], 'layout': 'NCDHW'}],
            'outputs': [{'name': 'detections', 'dtype': 'float32', 'dims': [-1, 7, -1], 'layout': 'N(6+nc)A', 'axisOrder': 'ijk',
                         'description': 'per stride-4 cell: box centre i, j, k and size along i, j, k in tensor voxels (edges at integers), nodule score after sigmoid'}],
        },
        'space': {'spacing': [1.4, 1.4, 2.5], 'world': 'LPS'},
        'preprocess': [
            {'op': 'resample', 'spacing': [1.4, 1.4, 2.5], 'mode': 'linear', 'rule': 'monai'},
            {'op': 'scaleIntensityRange', 'aMin': -1024, 'aMax': 300, 'bMin': 0, 'bMax': 1, 'clip': True},
            {'op': 'toTensor', 'layout': 'NCDHW', 'dtype': 'float32'},
        ],
        # Browsers: 2 wasm threads measured faster than 1 on a quiet 2-core machine, where the default is 1 (BENCHMARKS.md, wasm threads per model).
        'inference': {'mode': 'slidingWindow', 'roi': ROI, 'overlap': OVERLAP, 'batch': 1, 'blend': 'constant', 'minWasmThreads': 2},
        'postprocess': [{'op': 'decodeYolo', 'confidence': CONFIDENCE, 'numClasses': 1},
                        {'op': 'nms', 'iou': NMS_IOU, 'scoreThreshold': CONFIDENCE, 'maxDetections': MAX_DETECTIONS, 'classAware': False}],
        'labels': ['nodule'],
        'intendedUse': INTENDED_USE,
        'metrics': metrics,
        'source': {'kind': 'bundled', 'script': 'scripts/models/train_nodule_detector3d.py'},
    }
    return entry


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--train', type=int, default=50)
    ap.add_argument('--test', type=int, default=20)
    ap.add_argument('--steps', type=int, default=2400)
    ap.add_argument('--batch', type=int, default=4)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--data', default='/tmp/medinfer-phantoms')
    ap.add_argument('--out', default=os.path.join(MODELS_DIR, 'nodule-det3d-phantom.onnx'),
                    help='model file; the manifest entry is written only for the shipped path')
    ap.add_argument('--snapshots', default='', help='folder for intermediate ONNX exports (experiments only)')
    ap.add_argument('--snapshot-every', type=int, default=600)
    args = ap.parse_args()
    set_determinism(0, args.threads)
    train_dir = os.path.join(args.data, 'ct-train')
    test_dir = os.path.join(args.data, 'ct-test')
    generate_phantoms('chest-ct', args.train, 1000, train_dir)
    train = load_scans(train_dir)
    log(f'{len(train)} training scans ({sum(len(s["nodules"]) for s in train)} nodules) of {train[0]["x"].shape}')

    model = NoduleNet()
    ema = copy.deepcopy(model).eval()  # exponential moving average of the weights: the exported model
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    rng = np.random.default_rng(0)
    started, running = time.time(), 0.0
    for step in range(1, args.steps + 1):
        model.train()
        batch = [sample_crop(rng, train[rng.integers(len(train))]) for _ in range(args.batch)]
        x, heat, reg, mask = [torch.from_numpy(np.stack([b[i] for b in batch])) for i in range(4)]
        r = model.raw(x[:, None])
        m = mask[:, None]
        reg_loss = (F.l1_loss(torch.sigmoid(r[:, 1:4]) * m, reg[:, 0:3] * m, reduction='sum') +
                    F.l1_loss(r[:, 4:5] * m, reg[:, 3:4] * m, reduction='sum')) / m.sum().clamp(min=1)
        loss = focal_loss(r[:, 0], heat) + reg_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            decay = min(EMA_DECAY, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        running += loss.item()
        if step % 50 == 0:
            log(f'step {step}/{args.steps} loss {running / 50:.4f} {time.time() - started:.0f} s')
            running = 0.0
        if args.snapshots and step % args.snapshot_every == 0 and step < args.steps:
            export_onnx(ema, torch.zeros(1, 1, *ROI), os.path.join(args.snapshots, f'step{step}.onnx'), ['image'], ['detections'],
                        {'image': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}, 'detections': {0: 'batch', 2: 'cells'}})
    log(f'training took {time.time() - started:.0f} s ({args.threads} threads)')

    model = ema
    generate_phantoms('chest-ct', args.test, 2000, test_dir)
    test = load_scans(test_dir)
    cpm, sens, total = froc_cpm(test, [detect(model, s['x']) for s in test])
    log(f'held-out LUNA16 CPM {cpm:.4f} over {total} nodules in {len(test)} scans; sensitivities {sens}')
    path = os.path.abspath(args.out)
    export_onnx(model, torch.zeros(1, 1, *ROI), path, ['image'], ['detections'],
                {'image': {0: 'batch', 2: 'depth', 3: 'height', 4: 'width'}, 'detections': {0: 'batch', 2: 'cells'}})
    entry = model_entry(path, cpm, sens, args.test)
    if path == os.path.join(MODELS_DIR, 'nodule-det3d-phantom.onnx'):
        write_entry(entry)
    torch.save(model.state_dict(), os.path.join(args.data, 'nodule-det3d.pt'))


if __name__ == '__main__':
    main()
