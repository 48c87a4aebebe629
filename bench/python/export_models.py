"""Exports the benchmark-size models (random weights, full-size architectures) once, for bench/.

Dependencies (Debian 12):  apt-get install -y python3-torch python3-torchvision python3-onnx python3-numpy
Run with Debian's interpreter:  /usr/bin/python3 bench/python/export_models.py [--out .cache/bench-models]

Why random weights: the benchmarks time the arithmetic, which does not depend on the weight values;
no pretrained weights can be downloaded on the build machines. Each model is written twice from the
same seeded weights: `<name>.onnx` (opset 17, for the SDK and for bare ONNX Runtime) and `<name>.pt`
(the state_dict, for the PyTorch side of bench/python/pipelines.py, which imports the classes below),
so every side runs the very same network. Skips a model whose files already exist (--force rebuilds).

Models (the shapes the SDK's manifest entries of the public models use):
- densenet121: TorchXRayVision-style DenseNet-121, 1 input channel, 224x224, 18 logits, dynamic batch.
- unet3d: nnU-Net-style 3D U-Net, 4 input channels (BraTS T1c/T1/T2/FLAIR), 3 outputs, 32 base
  features doubling over 4 levels, Conv3d + InstanceNorm + LeakyReLU, max-pool down, trilinear
  Resize up (no ConvTranspose3d: unsupported on WebGPU EPs), dynamic spatial dims (multiples of 8).
- unet3d_lite: the same U-Net with 8 base features (segmentation scaling runs, bench/scaling.mjs).
- vxm: VoxelMorph VxmDense U-Net (enc 16,32,32,32; dec 32,32,32,32,32,16,16), inputs moving and fixed
  concatenated in the graph, outputs the half-resolution stationary velocity field (3 channels), as
  the SDK's voxelmorph-vxm-dense entry declares; dynamic spatial dims (multiples of 16).
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OPSET = 17


class DenseNet121(nn.Module):
    """torchvision DenseNet-121 with a 1-channel stem and 18 outputs (the XRV layout)."""

    def __init__(self):
        super().__init__()
        import torchvision
        net = torchvision.models.densenet121(weights=None, num_classes=18)
        net.features.conv0 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.net = net

    def forward(self, image):
        return self.net(image)


def conv_block3d(cin, cout):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1), nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01, inplace=True),
    )


class UNet3d(nn.Module):
    """4 levels (32, 64, 128, 256 features); skip connections by concatenation."""

    def __init__(self, cin=4, cout=3, base=32, levels=4):
        super().__init__()
        feats = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList()
        prev = cin
        for f in feats:
            self.down.append(conv_block3d(prev, f))
            prev = f
        self.up = nn.ModuleList(conv_block3d(feats[i + 1] + feats[i], feats[i]) for i in reversed(range(levels - 1)))
        self.head = nn.Conv3d(feats[0], cout, 1)

    def forward(self, image):
        skips = []
        x = image
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool3d(x, 2)
        for block in self.up:
            x = F.interpolate(x, scale_factor=2.0, mode='trilinear', align_corners=False)
            x = block(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)


class VxmDense(nn.Module):
    """VoxelMorph U-Net (Balakrishnan 2019 sizes) + flow head + half-resolution velocity output."""

    def __init__(self, enc=(16, 32, 32, 32), dec=(32, 32, 32, 32, 32, 16, 16)):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2, inplace=True)
        self.enc = nn.ModuleList()
        prev = 2
        for f in enc:
            self.enc.append(nn.Sequential(nn.Conv3d(prev, f, 3, padding=1), act()))
            prev = f
        skips = list(reversed([2] + list(enc[:-1])))  # channels of the skip at each decoder level
        self.dec = nn.ModuleList()
        for i, f in enumerate(dec[:len(enc)]):
            self.dec.append(nn.Sequential(nn.Conv3d(prev, f, 3, padding=1), act()))
            prev = f + skips[i]
        self.extra = nn.ModuleList()
        for f in dec[len(enc):]:
            self.extra.append(nn.Sequential(nn.Conv3d(prev, f, 3, padding=1), act()))
            prev = f
        self.flow = nn.Conv3d(prev, 3, 3, padding=1)
        nn.init.normal_(self.flow.weight, 0, 1e-5)  # VoxelMorph's small-flow initialisation
        nn.init.zeros_(self.flow.bias)

    def forward(self, moving, fixed):
        x = torch.cat([moving, fixed], dim=1)
        history = [x]
        for layer in self.enc:
            x = F.max_pool3d(layer(x), 2)
            history.append(x)
        history.pop()
        for layer in self.dec:
            x = layer(x)
            x = F.interpolate(x, scale_factor=2.0, mode='nearest')
            x = torch.cat([x, history.pop()], dim=1)
        for layer in self.extra:
            x = layer(x)
        flow = self.flow(x)
        # int_downsize 2: velocity at half resolution, in half-resolution voxels (ResizeTransform).
        return F.interpolate(flow, scale_factor=0.5, mode='trilinear', align_corners=True) * 0.5


MODELS = {
    'densenet121': dict(make=DenseNet121, inputs={'image': (1, 1, 224, 224)}, outputs=['logits'],
                        dynamic={'image': {0: 'batch'}, 'logits': {0: 'batch'}}),
    'unet3d': dict(make=UNet3d, inputs={'image': (1, 4, 32, 32, 32)}, outputs=['logits'],
                   dynamic={'image': {2: 'd', 3: 'h', 4: 'w'}, 'logits': {2: 'd', 3: 'h', 4: 'w'}}),
    # Same U-Net with 8 base features (16x fewer multiply-adds): the segmentation scaling model, so
    # that 256^3 and 512x512x300 volumes finish on a 2-core machine (bench/scaling.mjs).
    'unet3d_lite': dict(make=lambda: UNet3d(base=8), inputs={'image': (1, 4, 32, 32, 32)}, outputs=['logits'],
                        dynamic={'image': {2: 'd', 3: 'h', 4: 'w'}, 'logits': {2: 'd', 3: 'h', 4: 'w'}}),
    'vxm': dict(make=VxmDense, inputs={'moving': (1, 1, 32, 32, 32), 'fixed': (1, 1, 32, 32, 32)}, outputs=['velocity'],
                dynamic={'moving': {2: 'd', 3: 'h', 4: 'w'}, 'fixed': {2: 'd', 3: 'h', 4: 'w'}, 'velocity': {2: 'd2', 3: 'h2', 4: 'w2'}}),
}


def build(name, seed=11):
    """The model with the seeded weights the .pt file holds (load_state_dict on top for the bench)."""
    torch.manual_seed(seed)
    model = MODELS[name]['make']()
    model.eval()
    return model


def export(name, out, force=False):
    spec = MODELS[name]
    onnx_path = os.path.join(out, f'{name}.onnx')
    pt_path = os.path.join(out, f'{name}.pt')
    if not force and os.path.exists(onnx_path) and os.path.exists(pt_path):
        return onnx_path
    model = build(name)
    torch.save(model.state_dict(), pt_path)
    args = tuple(torch.rand(*shape) for shape in spec['inputs'].values())
    with torch.no_grad():
        torch.onnx.export(model, args, onnx_path, opset_version=OPSET, input_names=list(spec['inputs']),
                          output_names=spec['outputs'], dynamic_axes=spec['dynamic'], do_constant_folding=True)
    return onnx_path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(REPO, '.cache', 'bench-models'))
    parser.add_argument('--only', nargs='*', default=list(MODELS))
    parser.add_argument('--force', action='store_true')
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(2)
    written = {name: export(name, a.out, a.force) for name in a.only}
    json.dump(written, sys.stdout)
    print()


if __name__ == '__main__':
    main()
