#!/usr/bin/env python3
"""Parity reference for the bundled chest-radiograph classifier. Steps re-implemented here from
the manifest entry (not imported from the training script): TorchXRayVision normalisation with the
declared maxval, bilinear resize with antialias (torch F.interpolate), NCHW float32, network run in
torch with the ONNX file's weights, sigmoid. Inputs: phantom radiographs written by the SDK's own
generator (scripts/phantoms/generate.mjs) as 16-bit PNG, read here with PIL.

    apt-get install -y python3-torch python3-onnx python3-numpy python3-pil
    /usr/bin/python3 scripts/reference/parity/classification.py
"""
import os
import subprocess
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from onnx_torch import run_onnx
from parity_common import REPO, manifest_entry, write_fixture

MODEL_ID = 'medinfer-cxr-densenet-phantom'
SEED, COUNT = 31337, 4


def main():
    entry = manifest_entry(MODEL_ID)
    steps = {s['op']: s for s in entry['preprocess']}
    # greyscale (mean of RGB) is the identity on these single-channel radiographs.
    assert [op for op in steps if op != 'greyscale'] == ['xrvNormalize', 'resize', 'toTensor'], entry['preprocess']
    maxval = steps['xrvNormalize']['maxval']
    size = steps['resize']['size']
    antialias = steps['resize'].get('antialias', False)
    out = tempfile.mkdtemp()
    subprocess.run(['node', os.path.join(REPO, 'scripts/phantoms/generate.mjs'), '--task', 'cxr', '--count', str(COUNT), '--seed', str(SEED), '--out', out], check=True)
    names = [row.split(',')[0] for row in open(os.path.join(out, 'labels.csv')).read().strip().split('\n')[1:]]
    batch = []
    for n in names:
        raw = np.array(Image.open(os.path.join(out, n))).astype(np.float32)
        x = (2.0 * (raw / maxval) - 1.0) * 1024.0
        x = F.interpolate(torch.from_numpy(x)[None, None], size=(size[1], size[0]), mode='bilinear', align_corners=False, antialias=antialias)
        batch.append(x[0])
    # The network's graph is evaluated by onnx_torch (torch ops in float64), not by ONNX Runtime.
    x = torch.stack(batch).double().numpy()
    logits = run_onnx(os.path.join(REPO, entry['files'][0]['path']), {entry['io']['inputs'][0]['name']: x})[entry['io']['outputs'][0]['name']]
    scores = torch.sigmoid(torch.from_numpy(logits))
    write_fixture('classification.json', {'model': MODEL_ID, 'seed': SEED, 'count': COUNT, 'labels': entry['labels'], 'scores': scores.tolist(), 'tolerance': 1e-4})


if __name__ == '__main__':
    main()
