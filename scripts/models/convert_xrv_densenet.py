#!/usr/bin/python3
"""Converts a TorchXRayVision DenseNet-121 checkpoint (res224-all or res224-chex) to ONNX.

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_xrv_densenet.py --weights all \
        --checkpoint ~/.torchxrayvision/models_data/nih-pc-chex-mimic_ch-google-openi-kaggle-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best.pt
    /usr/bin/python3 scripts/models/convert_xrv_densenet.py --weights chex --checkpoint chex-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best.pt
    /usr/bin/python3 scripts/models/convert_xrv_densenet.py --weights all --random-init --out .cache/converted/xrv-all.onnx   # test

Architecture (written here, no torchxrayvision package): DenseNet-121 - growth 32, blocks
(6, 12, 24, 16), 64 initial features, bn_size 4, ONE input channel, classifier Linear(1024 -> 18) -
with TorchXRayVision's module names (features.conv0 ... features.norm5, classifier), so its
checkpoints load with strict key matching. TorchXRayVision ships whole pickled models
(torch.save(model)); they reference torchxrayvision.models classes, so while unpickling those
modules are stand-ins whose classes are plain nn.Module shells, and only the state dict is used.

The ONNX graph ends at the 18 logits in TorchXRayVision's default_pathologies order; the SDK
applies sigmoid and op_norm with the entry's operating thresholds (exporting raw logits keeps
boolean-mask ops out of the graph). Input: [N, 1, 224, 224] in [-1024, 1024] (xrvNormalize).
"""
import os
import sys
import types
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from convert_common import REPO, convert, load_state_dict, load_strict, parse_args  # noqa: E402

MODEL_IDS = {'all': 'xrv-densenet121-res224-all', 'chex': 'xrv-densenet121-res224-chex'}


class _DenseLayer(nn.Sequential):
    def __init__(self, cin, growth, bn_size):
        super().__init__()
        self.add_module('norm1', nn.BatchNorm2d(cin))
        self.add_module('relu1', nn.ReLU(inplace=True))
        self.add_module('conv1', nn.Conv2d(cin, bn_size * growth, 1, bias=False))
        self.add_module('norm2', nn.BatchNorm2d(bn_size * growth))
        self.add_module('relu2', nn.ReLU(inplace=True))
        self.add_module('conv2', nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, super().forward(x)], 1)


class _Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.add_module('norm', nn.BatchNorm2d(cin))
        self.add_module('relu', nn.ReLU(inplace=True))
        self.add_module('conv', nn.Conv2d(cin, cout, 1, bias=False))
        self.add_module('pool', nn.AvgPool2d(2, stride=2))


class XrvDenseNet121(nn.Module):
    def __init__(self, num_classes=18, in_channels=1, growth=32, blocks=(6, 12, 24, 16), init_features=64, bn_size=4):
        super().__init__()
        layers = OrderedDict([
            ('conv0', nn.Conv2d(in_channels, init_features, 7, stride=2, padding=3, bias=False)),
            ('norm0', nn.BatchNorm2d(init_features)),
            ('relu0', nn.ReLU(inplace=True)),
            ('pool0', nn.MaxPool2d(3, stride=2, padding=1)),
        ])
        c = init_features
        for b, n in enumerate(blocks):
            block = nn.Sequential()
            for i in range(n):
                block.add_module(f'denselayer{i + 1}', _DenseLayer(c + i * growth, growth, bn_size))
            layers[f'denseblock{b + 1}'] = block
            c += n * growth
            if b != len(blocks) - 1:
                layers[f'transition{b + 1}'] = _Transition(c, c // 2)
                c //= 2
        layers['norm5'] = nn.BatchNorm2d(c)
        self.features = nn.Sequential(layers)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        f = F.relu(self.features(x))
        return self.classifier(F.adaptive_avg_pool2d(f, 1).flatten(1))


class _ShellModule(types.ModuleType):
    """Stands in for torchxrayvision modules while unpickling: every class is an empty nn.Module shell.
    (torch.load's pickle_module argument cannot be used: Debian's torch 1.13 ignores it.)"""

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        shell = type(name, (nn.Module,), {'forward': lambda self, *a: None})
        setattr(self, name, shell)
        return shell


def load_xrv(model, path):
    names = ['torchxrayvision', 'torchxrayvision.models', 'torchxrayvision.baseline_models']
    saved = {n: sys.modules.get(n) for n in names}
    try:
        for n in names:
            if saved[n] is None:
                sys.modules[n] = _ShellModule(n)
        state = load_state_dict(path)
    finally:
        for n in names:
            if saved[n] is None:
                sys.modules.pop(n, None)
    # xrv keeps op_threshs / pathologies as attributes, not parameters; old checkpoints may carry
    # torchvision's "norm.1" naming - remap it to "norm1" as torchvision's own loader does.
    state = {k.replace('.norm.1.', '.norm1.').replace('.relu.1.', '.relu1.').replace('.conv.1.', '.conv1.')
              .replace('.norm.2.', '.norm2.').replace('.relu.2.', '.relu2.').replace('.conv.2.', '.conv2.'): v
             for k, v in state.items() if k != 'op_threshs'}
    load_strict(model, state, drop_prefixes=('module.', 'model.'))


def main():
    ap = parse_args('TorchXRayVision DenseNet-121 -> ONNX', 'xrv-densenet121-res224-all.onnx')
    ap.add_argument('--weights', choices=sorted(MODEL_IDS), default='all')
    args = ap.parse_args()
    if args.out.endswith('res224-all.onnx') and args.weights == 'chex':
        args.out = args.out.replace('res224-all', 'res224-chex')
    torch.manual_seed(args.seed)
    model = XrvDenseNet121()
    convert(MODEL_IDS[args.weights], model, args, torch.zeros(1, 1, 224, 224), ['image'], ['logits'],
            {'image': {0: 'batch'}, 'logits': {0: 'batch'}}, load_xrv)


if __name__ == '__main__':
    main()
