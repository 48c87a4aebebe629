#!/usr/bin/python3
"""Converts the MONAI model-zoo spleen_ct_segmentation bundle checkpoint (UNet) to ONNX.

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_monai_unet_spleen.py --checkpoint spleen_ct_segmentation/models/model.pt
    /usr/bin/python3 scripts/models/convert_monai_unet_spleen.py --random-init --out .cache/converted/spleen.onnx   # test

Architecture (written here, no monai package): MONAI UNet(spatial_dims 3, in 1, out 2,
channels (16, 32, 64, 128, 256), strides (2, 2, 2, 2), num_res_units 2, norm BATCH, act PReLU,
kernel 3, up_kernel 3), rebuilt with MONAI's module tree - model.0 (down ResidualUnit),
model.1.submodule (recursive SkipConnection), model.2 (up: transposed Convolution + ResidualUnit);
Convolution = conv + adn (N = norm, A = PReLU) - so the bundle's state dict loads strictly.
Input [N, 1, 96, 96, 96] (sliding-window ROI, NIfTI array order); output 2 logits (background,
spleen). Note: the up path uses ConvTranspose3d, which ONNX Runtime's WebGPU EP cannot run -
this model runs on CPU / wasm / CUDA.
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from convert_common import REPO, convert, load_state_dict, load_strict, parse_args  # noqa: E402

MODEL_ID = 'monai-spleen-ct-segmentation'


class Convolution(nn.Sequential):
    """MONAI Convolution: `conv` then `adn` (N: BatchNorm, A: PReLU) unless conv_only."""

    def __init__(self, cin, cout, stride=1, kernel=3, transposed=False, conv_only=False):
        super().__init__()
        if transposed:
            self.add_module('conv', nn.ConvTranspose3d(cin, cout, kernel, stride=stride, padding=kernel // 2, output_padding=stride - 1))
        else:
            self.add_module('conv', nn.Conv3d(cin, cout, kernel, stride=stride, padding=kernel // 2))
        if not conv_only:
            self.add_module('adn', nn.Sequential())
            self.adn.add_module('N', nn.BatchNorm3d(cout))
            self.adn.add_module('A', nn.PReLU())


class ResidualUnit(nn.Module):
    def __init__(self, cin, cout, stride=1, subunits=2, last_conv_only=False):
        super().__init__()
        self.conv = nn.Sequential()
        c, s = cin, stride
        for su in range(max(1, subunits)):
            self.conv.add_module(f'unit{su}', Convolution(c, cout, stride=s, conv_only=last_conv_only and su == subunits - 1))
            c, s = cout, 1
        if stride != 1 or cin != cout:
            k, p = (3, 1) if stride != 1 else (1, 0)
            self.residual = nn.Conv3d(cin, cout, k, stride, p)
        else:
            self.residual = nn.Identity()

    def forward(self, x):
        return self.conv(x) + self.residual(x)


class SkipConnection(nn.Module):
    def __init__(self, submodule):
        super().__init__()
        self.submodule = submodule

    def forward(self, x):
        return torch.cat([x, self.submodule(x)], 1)


class UNet(nn.Module):
    def __init__(self, in_channels=1, out_channels=2, channels=(16, 32, 64, 128, 256), strides=(2, 2, 2, 2), num_res_units=2):
        super().__init__()

        def block(inc, outc, chans, strs, is_top):
            c, s = chans[0], strs[0]
            if len(chans) > 2:
                sub, upc = block(c, c, chans[1:], strs[1:], False), c * 2
            else:
                sub, upc = ResidualUnit(c, chans[1], 1, num_res_units), c + chans[1]
            down = ResidualUnit(inc, c, s, num_res_units)
            up = nn.Sequential(Convolution(upc, outc, stride=s, transposed=True),
                               ResidualUnit(outc, outc, 1, 1, last_conv_only=is_top))
            return nn.Sequential(down, SkipConnection(sub), up)

        self.model = block(in_channels, out_channels, channels, strides, True)

    def forward(self, x):
        return self.model(x)


def load(model, path):
    load_strict(model, load_state_dict(path), drop_prefixes=('module.',))


def main():
    args = parse_args('MONAI spleen_ct_segmentation UNet -> ONNX',
                      'monai-spleen-ct-segmentation.onnx').parse_args()
    torch.manual_seed(args.seed)
    model = UNet()
    convert(MODEL_ID, model, args, torch.zeros(1, 1, 96, 96, 96), ['image'], ['logits'],
            {'image': {0: 'batch'}, 'logits': {0: 'batch'}}, load)


if __name__ == '__main__':
    main()
