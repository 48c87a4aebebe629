#!/usr/bin/python3
"""Exports full-size architectures with RANDOM weights, for speed measurements only (never shipped).

    apt-get install -y python3-torch python3-torchvision python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/export_bench_models.py [--out .cache/bench-models] [--only densenet121,unet3d,voxelmorph]

Writes to .cache/bench-models/ (gitignored) with index.json (file, sha256, bytes, inputs, outputs):
- densenet121-224.onnx: torchvision DenseNet-121, [N, 3, 224, 224] -> [N, 1000] (the network of
  TorchXRayVision / CheXNet; the reference speed table in shared/reference/environment.md used it).
- unet3d-nnunet-128.onnx: a 3D U-Net at nnU-Net "3d_fullres" scale - 128^3 patch, 32 base
  features doubling to a cap of 320 over 6 stages, two 3x3x3 conv + InstanceNorm + LeakyReLU per
  stage, strided-conv downsampling; upsampling by trilinear Resize + 1x1 conv instead of
  ConvTranspose3d so the graph runs on WebGPU too. [1, 1, 128, 128, 128] -> [1, 3, 128, 128, 128].
- voxelmorph-160x192x224.onnx: VxmDense (default U-Net) to the half-resolution velocity, as
  scripts/models/convert_voxelmorph.py exports it: moving, fixed [1, 1, 160, 192, 224] -> [1, 3, 80, 96, 112].
Weights are random (seeded): outputs are meaningless; only shapes, ops and timings matter.
"""
import argparse
import hashlib
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from convert_voxelmorph import VxmDenseVelocity  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OPSET = 17


def stage(cin, cout, stride):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, stride=stride, padding=1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=True))


class NnUNetScale3d(nn.Module):
    """PlainConvUNet-like encoder/decoder (nnU-Net 3d_fullres defaults), Resize-based upsampling."""

    def __init__(self, cin=1, cout=3, features=(32, 64, 128, 256, 320, 320)):
        super().__init__()
        self.enc = nn.ModuleList([stage(cin if i == 0 else features[i - 1], f, 1 if i == 0 else 2) for i, f in enumerate(features)])
        self.reduce = nn.ModuleList([nn.Conv3d(features[i + 1], features[i], 1) for i in range(len(features) - 1)])
        self.dec = nn.ModuleList([stage(2 * features[i], features[i], 1) for i in range(len(features) - 1)])
        self.head = nn.Conv3d(features[0], cout, 1)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
        for i in reversed(range(len(self.dec))):
            x = self.reduce[i](F.interpolate(x, scale_factor=2.0, mode='trilinear', align_corners=False))
            x = self.dec[i](torch.cat([x, skips[i]], 1))
        return self.head(x)


def build(name):
    if name == 'densenet121':
        import torchvision
        return torchvision.models.densenet121(weights=None), (torch.zeros(1, 3, 224, 224),), ['image'], ['logits'], {'image': {0: 'batch'}, 'logits': {0: 'batch'}}
    if name == 'unet3d':
        return NnUNetScale3d(), (torch.zeros(1, 1, 128, 128, 128),), ['image'], ['logits'], {}
    if name == 'voxelmorph':
        shape = (1, 1, 160, 192, 224)
        return VxmDenseVelocity(), (torch.zeros(*shape), torch.zeros(*shape)), ['moving', 'fixed'], ['velocity'], {}
    raise SystemExit(f'unknown model {name}')


FILES = {'densenet121': 'densenet121-224.onnx', 'unet3d': 'unet3d-nnunet-128.onnx', 'voxelmorph': 'voxelmorph-160x192x224.onnx'}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(REPO, '.cache', 'bench-models'))
    ap.add_argument('--only', default='densenet121,unet3d,voxelmorph')
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    index_path = os.path.join(args.out, 'index.json')
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    import onnx
    for name in args.only.split(','):
        model, example, inputs, outputs, dynamic = build(name)
        model.eval()
        path = os.path.join(args.out, FILES[name])
        with torch.no_grad():
            torch.onnx.export(model, example, path, opset_version=OPSET, input_names=inputs, output_names=outputs,
                              dynamic_axes=dynamic, do_constant_folding=True)
        graph = onnx.load(path)
        onnx.checker.check_model(graph)
        shapes = [[d.dim_value if d.HasField('dim_value') else -1 for d in o.type.tensor_type.shape.dim] for o in graph.graph.output]
        sha = hashlib.sha256(open(path, 'rb').read()).hexdigest()
        index[name] = {'file': FILES[name], 'sha256': sha, 'bytes': os.path.getsize(path), 'weights': 'random (seed 0), speed tests only',
                       'inputs': {n: list(t.shape) for n, t in zip(inputs, example)}, 'outputs': dict(zip(outputs, shapes)),
                       'parameters': sum(p.numel() for p in model.parameters()),
                       'ops': sorted({n.op_type for n in graph.graph.node})}
        print(f'{path}: {os.path.getsize(path) / 1e6:.1f} MB, {index[name]["parameters"]} parameters, ops {index[name]["ops"]}', flush=True)
        with open(index_path, 'w') as f:
            json.dump(index, f, indent=2)


if __name__ == '__main__':
    main()
