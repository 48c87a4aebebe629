#!/usr/bin/python3
"""Converts VoxelMorph's published 2018 Keras checkpoints to ONNX, without TensorFlow or torch.

    apt-get install -y python3-h5py python3-onnx python3-numpy
    /usr/bin/python3 scripts/models/convert_voxelmorph_keras.py cvpr2018_vm2_cc.h5 --out vm2.onnx

Run on the user's side by `medinfer models convert voxelmorph <file.h5>` (which adds the result
to the user model store); the checkpoints were published under GPL-3.0 and are never shipped.

Checkpoints (voxelmorph/voxelmorph, 2018 Keras code): `cvpr2018_vm1_*.h5`, `cvpr2018_vm2_*.h5`
(CVPR 2018 U-Nets whose `flow` conv is a full-resolution displacement field) and
`miccai2018_*.h5` (MICCAI 2018 probabilistic diffeomorphic model: `flow` is the mean of a
stationary velocity field at half resolution; `log_sigma` is its variance head, used only for
sampling during training, and is dropped here).

The architecture is read from the checkpoint's weight shapes (layer order as Keras saved it):
four 3x3x3 stride-2 encoder convs (input = channels [moving, fixed]), decoder convs at 1/16, 1/8,
1/4 and twice at 1/2 resolution with x2 repeat upsampling and skip concatenation, then optionally
(full-size, vm1 / vm2) an upsampling to full resolution + concat with the input + one conv, then
optionally (vm2) one more conv, then the 3-channel `flow` conv. Every conv is followed by
LeakyReLU(0.2) except `flow`. Keras 'same' padding with stride 2 on an even size pads 0 before
and 1 after (TensorFlow puts the odd pad at the end), which ONNX gets as explicit pads.

Graph: inputs `moving`, `fixed` [1, 1, D, H, W] (D, H, W = the Keras volume axes 0, 1, 2, so
axis order 'ijk' for a volume whose voxel axes are the npz axes); output `displacement`
[1, 3, D, H, W] or `velocity` [1, 3, D/2, H/2, W/2], in voxels of its own grid, channel c along
tensor axis c ('ij' indexing). The warp, integration and upsampling run in the SDK.

Prints one JSON line describing the result on stdout. Exit status 2 with a message on stderr when
the file is not such a checkpoint; 3 when a Python package is missing (named on stderr).
"""
import argparse
import json
import sys

try:
    import h5py
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # the CLI turns this into a typed error naming the Debian package
    sys.stderr.write(f'missing-python-package: {e.name}\n')
    sys.exit(3)

OPSET = 17
ENCODER_LEVELS = 4


class CheckpointError(Exception):
    pass


def read_conv_layers(path):
    """[(layer name, kernel (kd, kh, kw, cin, cout), bias (cout,))] in the order Keras saved them."""
    try:
        f = h5py.File(path, 'r')
    except OSError as e:
        raise CheckpointError(f'not an HDF5 file ({e})')
    with f:
        root = f['model_weights'] if 'model_weights' in f else f
        if 'layer_names' not in root.attrs:
            raise CheckpointError('no Keras layer_names attribute: not a Keras weights file')
        layers = []
        all_names = [raw.decode() if isinstance(raw, bytes) else str(raw) for raw in root.attrs['layer_names']]
        legacy = [n for n in all_names if n.startswith('dense3d_spatial_transformer') or n == 'flow-fix']
        if legacy:
            # models/xy/ at ca62747: the pre-'ij' code (Dense3DSpatialTransformer, 'xy' channel
            # order, the MICCAI 'flow-fix' and manual squaring layers). Same weight shapes, other
            # field semantics: refused rather than read as 'ij'.
            raise CheckpointError(f"layer '{legacy[0]}': a legacy 'xy'-indexing model (voxelmorph models/xy/), whose field channels and integration differ; not supported")
        for name in all_names:
            group = root[name]
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get('weight_names', [])]
            if not names:
                continue
            weights = {n.split('/')[-1].split(':')[0]: np.asarray(group[n], dtype=np.float32) for n in names}
            if set(weights) != {'kernel', 'bias'} or weights['kernel'].ndim != 5:
                raise CheckpointError(f"layer '{name}' is not a 3D convolution with kernel and bias (weights {sorted(weights)})")
            layers.append((name, weights['kernel'], weights['bias']))
        return layers


def plan_network(layers):
    """Checks the layer shapes against the 2018 U-Net and returns (variant, convs, output kind)."""
    heads = {name: (k, b) for name, k, b in layers if name in ('flow', 'log_sigma')}
    body = [(name, k, b) for name, k, b in layers if name not in heads]
    if 'flow' not in heads:
        raise CheckpointError("no 'flow' layer: not a VoxelMorph 2018 checkpoint")
    for name, k, _ in layers:
        if k.shape[:3] != (3, 3, 3):
            raise CheckpointError(f"layer '{name}': kernel {k.shape[:3]} is not 3x3x3")
    n = len(body)
    if n < ENCODER_LEVELS + 5 or n > ENCODER_LEVELS + 7:
        raise CheckpointError(f'{n} convolutions before flow; the 2018 U-Nets have 9 (MICCAI), 10 (vm1) or 11 (vm2)')
    cin = [k.shape[3] for _, k, _ in body]
    cout = [k.shape[4] for _, k, _ in body]
    inputs = cin[0]
    if inputs != 2:
        raise CheckpointError(f'first convolution takes {inputs} channels; VoxelMorph takes [moving, fixed] = 2')
    enc = cout[:ENCODER_LEVELS]
    expected = [2] + enc[:3]
    # decoder: dec0 on the bottleneck; dec1..dec3 after concat with the encoder features
    expected += [enc[3], cout[4] + enc[2], cout[5] + enc[1], cout[6] + enc[0], cout[7]]
    full_size = n > ENCODER_LEVELS + 5 and cin[9] == cout[8] + inputs
    if full_size:
        expected.append(cout[8] + inputs)
    if n == len(expected) + 1:
        expected.append(cout[len(expected) - 1])
    if n != len(expected) or cin != expected:
        raise CheckpointError(f'convolution input channels {cin} do not match the 2018 U-Net (expected {expected})')
    flow_k, _ = heads['flow']
    if flow_k.shape[3] != cout[-1] or flow_k.shape[4] != 3:
        raise CheckpointError(f"'flow' kernel {flow_k.shape} does not follow the last convolution ({cout[-1]} channels) with 3 outputs")
    if full_size:
        variant = 'vm2' if n == ENCODER_LEVELS + 7 else 'vm1'
        kind = 'displacement'
    else:
        if n != ENCODER_LEVELS + 5:
            raise CheckpointError('a half-resolution network with an extra convolution is not one of the published models')
        variant = 'miccai2018'
        kind = 'velocity'
    return variant, body, heads['flow'], full_size, kind


class GraphBuilder:
    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f'{prefix}_{self.count}'

    def conv(self, x, layer, kernel, bias, stride, size):
        w = numpy_helper.from_array(np.ascontiguousarray(kernel.transpose(4, 3, 0, 1, 2)), f'{layer}/kernel')
        b = numpy_helper.from_array(bias, f'{layer}/bias')
        self.inits += [w, b]
        if stride == 2:
            if any(s % 2 for s in size):
                raise CheckpointError(f'volume size {size} is odd at a stride-2 layer: sizes must be divisible by 16')
            pads = [0, 0, 0, 1, 1, 1]  # TensorFlow 'same': the odd pad goes after
        else:
            pads = [1, 1, 1, 1, 1, 1]
        out = self.name(layer)
        self.nodes.append(helper.make_node('Conv', [x, w.name, b.name], [out], name=layer, kernel_shape=[3, 3, 3], strides=[stride] * 3, pads=pads))
        return out

    def leaky(self, x):
        out = self.name('leaky_relu')
        self.nodes.append(helper.make_node('LeakyRelu', [x], [out], alpha=0.2))
        return out

    def upsample(self, x):
        # Keras UpSampling3D repeats each voxel twice: nearest with floor on asymmetric coordinates.
        if not any(i.name == 'up_scales' for i in self.inits):
            self.inits.append(numpy_helper.from_array(np.array([1, 1, 2, 2, 2], dtype=np.float32), 'up_scales'))
        out = self.name('upsample')
        self.nodes.append(helper.make_node('Resize', [x, '', 'up_scales'], [out], mode='nearest', coordinate_transformation_mode='asymmetric', nearest_mode='floor'))
        return out

    def concat(self, a, b):
        out = self.name('concat')
        self.nodes.append(helper.make_node('Concat', [a, b], [out], axis=1))
        return out


def build_graph(body, flow, full_size, kind, shape):
    g = GraphBuilder()
    size = list(shape)
    x = g.concat('moving', 'fixed')
    history = [x]
    for i in range(ENCODER_LEVELS):
        name, k, b = body[i]
        x = g.leaky(g.conv(x, name, k, b, 2, size))
        size = [s // 2 for s in size]
        history.append(x)
    rest = body[ENCODER_LEVELS:]
    for level in range(3):
        name, k, b = rest[level]
        x = g.upsample(g.leaky(g.conv(x, name, k, b, 1, size)))
        size = [s * 2 for s in size]
        x = g.concat(x, history[-2 - level])
    for name, k, b in rest[3:5]:
        x = g.leaky(g.conv(x, name, k, b, 1, size))
    extra = rest[5:]
    if full_size:
        x = g.concat(g.upsample(x), history[0])
        size = [s * 2 for s in size]
    for name, k, b in extra:
        x = g.leaky(g.conv(x, name, k, b, 1, size))
    out = g.conv(x, 'flow', flow[0], flow[1], 1, size)
    g.nodes.append(helper.make_node('Identity', [out], [kind]))
    vol = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, *shape])
    graph = helper.make_graph(g.nodes, f'voxelmorph-2018-{kind}', [vol('moving'), vol('fixed')],
                              [helper.make_tensor_value_info(kind, TensorProto.FLOAT, [1, 3, *size])], g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='medinfer convert_voxelmorph_keras')
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model, size


def main():
    ap = argparse.ArgumentParser(description='VoxelMorph 2018 Keras checkpoint (.h5) -> ONNX')
    ap.add_argument('checkpoint')
    ap.add_argument('--out', required=True, help='ONNX file to write')
    ap.add_argument('--shape', default='160,192,224', help='input volume size D,H,W (default: the published models\' 160,192,224)')
    args = ap.parse_args()
    try:
        shape = [int(s) for s in args.shape.split(',')]
        if len(shape) != 3 or any(s <= 0 or s % 16 for s in shape):
            raise CheckpointError(f'--shape {args.shape}: need three sizes divisible by 16')
        variant, body, flow, full_size, kind = plan_network(read_conv_layers(args.checkpoint))
        model, out_size = build_graph(body, flow, full_size, kind, shape)
    except CheckpointError as e:
        sys.stderr.write(f'not-a-voxelmorph-checkpoint: {e}\n')
        sys.exit(2)
    onnx.save(model, args.out)
    print(json.dumps({'variant': variant, 'output': kind, 'inputShape': shape, 'outputShape': out_size,
                      'encoder': [int(k.shape[4]) for _, k, _ in body[:ENCODER_LEVELS]],
                      'decoder': [int(k.shape[4]) for _, k, _ in body[ENCODER_LEVELS:]]}))


if __name__ == '__main__':
    main()
