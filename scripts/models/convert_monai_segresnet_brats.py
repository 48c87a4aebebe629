#!/usr/bin/python3
"""Converts the MONAI model-zoo brats_mri_segmentation bundle checkpoint (SegResNet) to ONNX.

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_monai_segresnet_brats.py --checkpoint brats_mri_segmentation/models/model.pt
    /usr/bin/python3 scripts/models/convert_monai_segresnet_brats.py --random-init --out .cache/converted/brats.onnx   # test

Architecture (written here, no monai package): SegResNet(spatial_dims 3, init_filters 16,
in_channels 4, out_channels 3, blocks_down (1, 2, 2, 4), blocks_up (1, 1, 1), GroupNorm(8), ReLU,
non-trainable trilinear x2 upsampling with align_corners False), module names as MONAI's
(convInit.conv, down_layers.i, up_layers.i, up_samples.i, conv_final) so the bundle's state dict
loads with strict key matching. Dropout (0.2 in the bundle) is inactive at inference and absent.
Input [1, 4, H, W, D] (channels T1c, T1, T2, FLAIR; spatial dims multiples of 8, NIfTI array
order); output 3 logits TC, WT, ET. ONNX ops: Conv, InstanceNormalization (GroupNorm's export),
Relu, Resize, Add.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from convert_common import REPO, convert, load_state_dict, load_strict, parse_args  # noqa: E402

MODEL_ID = 'monai-brats-mri-segmentation'


class ConvOnly(nn.Module):
    """MONAI Convolution(conv_only=True): a module holding `conv` (the key prefix in checkpoints)."""

    def __init__(self, cin, cout, kernel=3, stride=1, bias=False):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=bias)

    def forward(self, x):
        return self.conv(x)


class ResBlock(nn.Module):
    def __init__(self, c, groups=8):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c)
        self.norm2 = nn.GroupNorm(groups, c)
        self.conv1 = ConvOnly(c, c)
        self.conv2 = ConvOnly(c, c)

    def forward(self, x):
        y = self.conv1(F.relu(self.norm1(x)))
        y = self.conv2(F.relu(self.norm2(y)))
        return y + x


class Upsample(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2.0, mode='trilinear', align_corners=False)


class SegResNet(nn.Module):
    def __init__(self, init_filters=16, in_channels=4, out_channels=3, blocks_down=(1, 2, 2, 4), blocks_up=(1, 1, 1)):
        super().__init__()
        f = init_filters
        self.convInit = ConvOnly(in_channels, f)
        self.down_layers = nn.ModuleList()
        for i, n in enumerate(blocks_down):
            c = f * 2 ** i
            pre = ConvOnly(c // 2, c, stride=2) if i > 0 else nn.Identity()
            self.down_layers.append(nn.Sequential(pre, *[ResBlock(c) for _ in range(n)]))
        self.up_layers, self.up_samples = nn.ModuleList(), nn.ModuleList()
        for i, n in enumerate(blocks_up):
            c = f * 2 ** (len(blocks_up) - i)
            self.up_layers.append(nn.Sequential(*[ResBlock(c // 2) for _ in range(n)]))
            self.up_samples.append(nn.Sequential(ConvOnly(c, c // 2, kernel=1), Upsample()))
        self.conv_final = nn.Sequential(nn.GroupNorm(8, f), nn.ReLU(inplace=True), ConvOnly(f, out_channels, kernel=1, bias=True))

    def forward(self, x):
        x = self.convInit(x)
        skips = []
        for down in self.down_layers:
            x = down(x)
            skips.append(x)
        skips.reverse()
        for i, (up, upl) in enumerate(zip(self.up_samples, self.up_layers)):
            x = upl(up(x) + skips[i + 1])
        return self.conv_final(x)


def load(model, path):
    load_strict(model, load_state_dict(path), drop_prefixes=('module.',))


def main():
    args = parse_args('MONAI brats_mri_segmentation SegResNet -> ONNX',
                      'monai-brats-mri-segmentation.onnx').parse_args()
    torch.manual_seed(args.seed)
    model = SegResNet()
    spatial = {2: 'x', 3: 'y', 4: 'z'}
    convert(MODEL_ID, model, args, torch.zeros(1, 4, 64, 64, 64), ['image'], ['logits'],
            {'image': spatial, 'logits': spatial}, load)


if __name__ == '__main__':
    main()
