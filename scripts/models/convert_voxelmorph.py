#!/usr/bin/python3
"""Converts a VoxelMorph VxmDense PyTorch checkpoint (brain MRI, 160 x 192 x 224) to ONNX.

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_voxelmorph.py --checkpoint vxm_dense_brain_T1_3D_mse.pt
    /usr/bin/python3 scripts/models/convert_voxelmorph.py --random-init --out .cache/converted/vxm.onnx   # test

Architecture (written here, no voxelmorph package): VxmDense with its default U-Net (encoder
16, 32, 32, 32; decoder 32, 32, 32, 32, 32, 16, 16; one 3x3x3 conv + LeakyReLU(0.2) per level, max-pool
2, nearest x2 upsampling), flow conv 3x3x3 -> 3, int_downsize 2 - module names as voxelmorph's
(unet_model.encoder.L.C.main, unet_model.decoder..., unet_model.remaining..., flow) so a
LoadableModel checkpoint ({'config', 'model_state'}) loads strictly (the spatial transformer's
identity-grid buffers are skipped: they are not weights).

The graph stops at the half-resolution velocity - flow -> ResizeTransform(x1/2: trilinear with
align_corners, values x 1/2) - because 5-D GridSample needs opset 20 and WebGPU lacks it: the SDK
integrates (scaling and squaring, 7 steps), upsamples x2 and warps. Inputs `moving` and `fixed`
[1, 1, 160, 192, 224] in [0, 1]; output `velocity` [1, 3, 80, 96, 112] in half-resolution voxels,
channel c along tensor axis c.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from convert_common import REPO, convert, load_state_dict, load_strict, parse_args  # noqa: E402

MODEL_ID = 'voxelmorph-vxm-dense'
INSHAPE = (160, 192, 224)


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.main = nn.Conv3d(cin, cout, 3, 1, 1)
        self.activation = nn.LeakyReLU(0.2)

    def forward(self, x):
        return self.activation(self.main(x))


class Unet(nn.Module):
    def __init__(self, infeats=2, enc_nf=(16, 32, 32, 32), dec_nf=(32, 32, 32, 32, 32, 16, 16)):
        super().__init__()
        levels = len(enc_nf) + 1
        self.encoder = nn.ModuleList()
        prev, enc_history = infeats, [infeats]
        for nf in enc_nf:
            self.encoder.append(nn.ModuleList([ConvBlock(prev, nf)]))
            prev = nf
            enc_history.append(prev)
        enc_history.reverse()
        self.decoder = nn.ModuleList()
        for level, nf in enumerate(dec_nf[:len(enc_nf)]):
            self.decoder.append(nn.ModuleList([ConvBlock(prev, nf)]))
            prev = nf + enc_history[level]
        self.remaining = nn.ModuleList()
        for nf in dec_nf[len(enc_nf):]:
            self.remaining.append(ConvBlock(prev, nf))
            prev = nf
        self.final_nf = prev
        self.levels = levels

    def forward(self, x):
        history = [x]
        for convs in self.encoder:
            for c in convs:
                x = c(x)
            history.append(x)
            x = F.max_pool3d(x, 2)
        for convs in self.decoder:
            for c in convs:
                x = c(x)
            x = F.interpolate(x, scale_factor=2.0, mode='nearest')
            x = torch.cat([x, history.pop()], 1)
        for c in self.remaining:
            x = c(x)
        return x


class VxmDenseVelocity(nn.Module):
    """VxmDense up to the pre-integration (half-resolution) velocity field."""

    def __init__(self):
        super().__init__()
        self.unet_model = Unet()
        self.flow = nn.Conv3d(self.unet_model.final_nf, 3, 3, padding=1)

    def forward(self, moving, fixed):
        flow = self.flow(self.unet_model(torch.cat([moving, fixed], 1)))
        # voxelmorph ResizeTransform(2): factor 1/2 -> resize first, then scale values.
        return F.interpolate(flow, scale_factor=0.5, mode='trilinear', align_corners=True) * 0.5


def load(model, path):
    load_strict(model, load_state_dict(path), ignore=('transformer.', 'integrate.', 'resize.', 'fullsize.'))


def main():
    args = parse_args('VoxelMorph VxmDense -> ONNX (velocity output)',
                      os.path.join(REPO, 'models', 'external', 'voxelmorph-vxm-dense.onnx')).parse_args()
    torch.manual_seed(args.seed)
    model = VxmDenseVelocity()
    example = (torch.zeros(1, 1, *INSHAPE), torch.zeros(1, 1, *INSHAPE))
    convert(MODEL_ID, model, args, example, ['moving', 'fixed'], ['velocity'], {}, load)


if __name__ == '__main__':
    main()
