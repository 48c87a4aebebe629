#!/usr/bin/env python3
"""Parity reference for the bundled 2D YOLO-style detector. Steps re-implemented here from the
manifest entry: YOLO letterbox (ratio r = min(h_t/h, w_t/w), resize to round(w r) x round(h r),
pad split top = round(dh - 0.1), left = round(dw - 0.1)), intensity scaling, the network's ONNX
graph evaluated in torch (onnx_torch.py, not ONNX Runtime), YOLOv8 decoding (best class > conf),
torchvision batched NMS, and boxes mapped back to original pixels. The SDK must give the same
boxes within 0.5 pixel and scores within 1e-4.

    apt-get install -y python3-torch python3-torchvision python3-onnx python3-numpy python3-pil
    /usr/bin/python3 scripts/reference/parity/detection.py
"""
import os
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.ops import batched_nms

from onnx_torch import run_onnx
from parity_common import REPO, manifest_entry, write_fixture

MODEL_ID = 'medinfer-cxr-yolo-phantom'
SEED, COUNT = 4711, 4


def letterbox(img, size, pad_value):
    h, w = img.shape
    tw, th = size
    r = min(th / h, tw / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    x = F.interpolate(torch.from_numpy(img)[None, None].double(), size=(nh, nw), mode='bilinear', align_corners=False)[0, 0]
    dw, dh = (tw - nw) / 2, (th - nh) / 2
    top, left = int(round(dh - 0.1)), int(round(dw - 0.1))
    out = torch.full((th, tw), float(pad_value), dtype=torch.float64)
    out[top:top + nh, left:left + nw] = x
    return out, nw / w, nh / h, left, top


def main():
    entry = manifest_entry(MODEL_ID)
    steps = {s['op']: s for s in entry['preprocess']}
    assert list(steps) == ['letterbox', 'scaleIntensityRange', 'toTensor'], entry['preprocess']
    lb, sc = steps['letterbox'], steps['scaleIntensityRange']
    post = {s['op']: s for s in entry['postprocess']}
    conf, nc = post['decodeYolo']['confidence'], post['decodeYolo']['numClasses']
    nms = post['nms']
    out = tempfile.mkdtemp()
    subprocess.run(['node', os.path.join(REPO, 'scripts/phantoms/generate.mjs'), '--task', 'cxr', '--count', str(COUNT), '--seed', str(SEED), '--out', out], check=True)
    names = [row.split(',')[0] for row in open(os.path.join(out, 'labels.csv')).read().strip().split('\n')[1:]]
    cases = []
    for n in names:
        raw = np.array(Image.open(os.path.join(out, n))).astype(np.float64)
        x, rx, ry, left, top = letterbox(raw, lb['size'], lb.get('padValue', 114))
        x = (x - sc['aMin']) / (sc['aMax'] - sc['aMin']) * (sc['bMax'] - sc['bMin']) + sc['bMin']
        if sc['clip']:
            x = x.clamp(sc['bMin'], sc['bMax'])
        y = run_onnx(os.path.join(REPO, entry['files'][0]['path']), {'image': x[None, None].numpy()})['detections'][0]
        y = torch.from_numpy(y)  # [4 + nc, N]
        scores, classes = y[4:4 + nc].max(dim=0)
        keep = scores > conf
        cx, cy, w, h = y[0][keep], y[1][keep], y[2][keep], y[3][keep]
        boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
        s, c = scores[keep], classes[keep]
        kept = batched_nms(boxes.float(), s.float(), c, nms['iou']) if nms.get('classAware') else torch.ops.torchvision.nms(boxes.float(), s.float(), nms['iou'])
        kept = kept[:nms.get('maxDetections', len(kept))]
        mapped = [[(b[0] - left) / rx, (b[1] - top) / ry, (b[2] - left) / rx, (b[3] - top) / ry] for b in boxes[kept].tolist()]
        cases.append({'boxes': mapped, 'scores': s[kept].tolist(), 'labels': [entry['labels'][int(k)] for k in c[kept]]})
    write_fixture('detection.json', {'model': MODEL_ID, 'seed': SEED, 'count': COUNT, 'cases': cases, 'boxTolerancePx': 0.5, 'scoreTolerance': 1e-4})


if __name__ == '__main__':
    main()
