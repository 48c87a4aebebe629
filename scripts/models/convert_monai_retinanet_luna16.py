#!/usr/bin/python3
"""Converts the MONAI model-zoo lung_nodule_ct_detection bundle checkpoint (3D RetinaNet) to ONNX.
PARTIAL by design: the graph holds the network, the anchors and the box decoding; the box
selector (score threshold, top-k per level, NMS, detections per image) stays in the SDK
(decodeless detector: outputs `boxes` and `scores`, then the entry's `nms` step).

    apt-get install -y python3-torch python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_monai_retinanet_luna16.py --checkpoint lung_nodule_ct_detection/models/model.pt
    /usr/bin/python3 scripts/models/convert_monai_retinanet_luna16.py --random-init --out .cache/converted/retinanet.onnx   # test

Architecture (written here, no monai package), as the bundle configures it:
- backbone: MONAI ResNet-50 3D (Bottleneck, layers 3-4-6-3, inplanes 64-128-256-512, 1 input
  channel, conv1 7x7x7 stride (2, 2, 1), max-pool, shortcut B);
- feature extractor: layers 1 and 2 + FPN (256 channels) + LastLevelMaxPool -> 3 maps at strides
  (4, 4, 2), (8, 8, 4), (16, 16, 8) (input divisible by 16, 16, 8);
- heads: 4 x (conv 3x3x3 + GroupNorm(8) + ReLU) then cls_logits (3 anchors x 1 class) / bbox_reg (3 x 6);
- anchors: AnchorGeneratorWithAnchorShape(feature_map_scales [1, 2, 4], base_anchor_shapes
  [[6, 8, 4], [8, 6, 5], [10, 10, 6]]), centred on shifts = index x stride;
- BoxCoder(weights 1): centre += delta x size, size *= exp(min(delta, log(1000 / 16))).
Module names follow MONAI (feature_extractor.body.*, feature_extractor.fpn.*, classification_head.*,
regression_head.*) so detector.network's state dict loads strictly.

Input [1, 1, H, W, D] (MONAI RAS array order = the SDK's axisOrder 'ijk'; HU scaled to [0, 1]);
outputs `boxes` [A, 6] (x1, y1, z1, x2, y2, z2 along the input's three axes, voxels) and `scores`
[A] (sigmoid). Not verified against the real checkpoint here (no download possible).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from convert_common import REPO, convert, load_state_dict, load_strict, parse_args  # noqa: E402

MODEL_ID = 'monai-lung-nodule-ct-detection'
BASE_ANCHORS = ((6.0, 8.0, 4.0), (8.0, 6.0, 5.0), (10.0, 10.0, 6.0))
SCALES = (1, 2, 4)
STRIDES = ((4, 4, 2), (8, 8, 4), (16, 16, 8))
BBOX_CLIP = math.log(1000.0 / 16)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(planes)
        self.conv2 = nn.Conv3d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(planes)
        self.conv3 = nn.Conv3d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm3d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (self.downsample(x) if self.downsample is not None else x))


class Body(nn.Module):
    """ResNet-50 3D truncated after layer2 (IntermediateLayerGetter keeps conv1 ... layer2)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv3d(1, 64, 7, stride=(2, 2, 1), padding=3, bias=False)
        self.bn1 = nn.BatchNorm3d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool3d(3, stride=2, padding=1)
        self.inplanes = 64
        self.layer1 = self._layer(64, 3, 1)
        self.layer2 = self._layer(128, 4, 2)

    def _layer(self, planes, blocks, stride):
        down = None
        if stride != 1 or self.inplanes != planes * 4:
            down = nn.Sequential(nn.Conv3d(self.inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm3d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, down)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        c1 = self.layer1(x)
        return c1, self.layer2(c1)


class Fpn(nn.Module):
    def __init__(self, in_channels=(256, 512), out=256):
        super().__init__()
        self.inner_blocks = nn.ModuleList([nn.Conv3d(c, out, 1) for c in in_channels])
        self.layer_blocks = nn.ModuleList([nn.Conv3d(out, out, 3, padding=1) for _ in in_channels])

    def forward(self, feats):
        last = self.inner_blocks[-1](feats[-1])
        results = [self.layer_blocks[-1](last)]
        for i in range(len(feats) - 2, -1, -1):
            lateral = self.inner_blocks[i](feats[i])
            last = lateral + F.interpolate(last, size=lateral.shape[-3:], mode='nearest')
            results.insert(0, self.layer_blocks[i](last))
        results.append(F.max_pool3d(results[-1], 1, 2, 0))  # LastLevelMaxPool
        return results


class FeatureExtractor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Body()
        self.fpn = Fpn()

    def forward(self, x):
        return self.fpn(list(self.body(x)))


def head_tower(c=256):
    layers = []
    for _ in range(4):
        layers += [nn.Conv3d(c, c, 3, padding=1), nn.GroupNorm(8, c), nn.ReLU()]
    return nn.Sequential(*layers)


class ClassificationHead(nn.Module):
    def __init__(self, c=256, anchors=3, classes=1):
        super().__init__()
        self.conv = head_tower(c)
        self.cls_logits = nn.Conv3d(c, anchors * classes, 3, padding=1)


class RegressionHead(nn.Module):
    def __init__(self, c=256, anchors=3):
        super().__init__()
        self.conv = head_tower(c)
        self.bbox_reg = nn.Conv3d(c, anchors * 6, 3, padding=1)


class RetinaNetDecoded(nn.Module):
    def __init__(self):
        super().__init__()
        self.feature_extractor = FeatureExtractor()
        self.classification_head = ClassificationHead()
        self.regression_head = RegressionHead()

    def forward(self, x):
        boxes, scores = [], []
        for level, f in enumerate(self.feature_extractor(x)):
            cls = self.classification_head.cls_logits(self.classification_head.conv(f))
            reg = self.regression_head.bbox_reg(self.regression_head.conv(f))
            _, _, h, w, d = cls.shape
            a = len(BASE_ANCHORS)
            # [1, A*C, H, W, D] -> [H*W*D*A, C] (MONAI's head-output flattening order).
            cls = cls.view(a, 1, h, w, d).permute(2, 3, 4, 0, 1).reshape(-1)
            reg = reg.view(a, 6, h, w, d).permute(2, 3, 4, 0, 1).reshape(-1, 6)
            sh, sw, sd = STRIDES[level]
            gh = torch.arange(h, dtype=x.dtype) * sh
            gw = torch.arange(w, dtype=x.dtype) * sw
            gd = torch.arange(d, dtype=x.dtype) * sd
            centres = torch.stack(torch.meshgrid(gh, gw, gd, indexing='ij'), -1).reshape(-1, 1, 3)
            shape = torch.tensor(BASE_ANCHORS, dtype=x.dtype) * SCALES[level]
            # Anchor boxes [-s/2, s/2] around each shift, then the BoxCoder decode (weights 1).
            ctr = (centres + torch.zeros_like(shape)).reshape(-1, 3)
            size = (torch.zeros_like(centres) + shape).reshape(-1, 3)
            pred_ctr = reg[:, 0:3] * size + ctr
            pred_size = torch.exp(reg[:, 3:6].clamp(max=BBOX_CLIP)) * size
            boxes.append(torch.cat([pred_ctr - pred_size / 2, pred_ctr + pred_size / 2], 1))
            scores.append(torch.sigmoid(cls))
        return torch.cat(boxes, 0).reshape(-1, 6), torch.cat(scores, 0).reshape(-1)


def load(model, path):
    state = load_state_dict(path)
    # torchvision-style FPN checkpoints name the convs inner_blocks.i.0 / layer_blocks.i.0
    state = {k.replace('.inner_blocks.', '.inner_blocks.').replace('blocks.0.0.', 'blocks.0.').replace('blocks.1.0.', 'blocks.1.'): v
             for k, v in state.items()}
    load_strict(model, state, drop_prefixes=('network.', 'module.'), ignore=('feature_extractor.body.fc', 'feature_extractor.body.layer3', 'feature_extractor.body.layer4'))


def main():
    args = parse_args('MONAI lung_nodule_ct_detection RetinaNet -> ONNX (network + anchors + box decoding)',
                      'monai-lung-nodule-ct-detection.onnx').parse_args()
    torch.manual_seed(args.seed)
    model = RetinaNetDecoded()
    spatial = {2: 'h', 3: 'w', 4: 'd'}
    convert(MODEL_ID, model, args, torch.zeros(1, 1, 64, 64, 32), ['image'], ['boxes', 'scores'],
            {'image': spatial, 'boxes': {0: 'anchors'}, 'scores': {0: 'anchors'}}, load, pins={'boxes': {1: 6}})


if __name__ == '__main__':
    main()
