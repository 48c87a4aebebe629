#!/usr/bin/python3
"""Development-time reference: the VoxelMorph 2018 Keras networks rebuilt in PyTorch from an .h5
checkpoint, to check scripts/models/convert_voxelmorph_keras.py (which needs no torch).

    apt-get install -y python3-torch python3-h5py python3-numpy
    /usr/bin/python3 scripts/models/reference_voxelmorph_keras_torch.py ckpt.h5 --variant vm2 \
        --moving m.npy --fixed f.npy --out flow.npy

Written independently of the converter, from the paper code's description (unet_core /
cvpr2018_net / miccai2018_net): the decoder list per variant is given here (vm1: 32,32,32,32,8,8;
vm2: 32,32,32,32,32,16,16; MICCAI: 32,32,32,32,16, half size), channels-last Keras kernels are
permuted to torch's layout, TensorFlow 'same' padding of the stride-2 convs is F.pad(0, 1) per
axis, UpSampling3D is nearest x2. Inputs are [D, H, W] float arrays; the output is [3, ...] (the
`flow` conv: displacement for vm1 / vm2, velocity mean at half size for MICCAI 2018), float32.
Not used by the SDK or its tests at run time: the tests compare against fixtures it wrote.
"""
import argparse

import h5py
import numpy as np
import torch
import torch.nn.functional as F

DECODERS = {'vm1': (6, True), 'vm2': (7, True), 'miccai2018': (5, False)}


def keras_convs(path):
    with h5py.File(path, 'r') as f:
        root = f['model_weights'] if 'model_weights' in f else f
        out = {}
        order = []
        for raw in root.attrs['layer_names']:
            name = raw.decode()
            g = root[name]
            wn = [n.decode() for n in g.attrs.get('weight_names', [])]
            if not wn:
                continue
            k = next(np.array(g[n]) for n in wn if n.endswith('kernel:0'))
            b = next(np.array(g[n]) for n in wn if n.endswith('bias:0'))
            # Keras (kd, kh, kw, cin, cout) -> torch (cout, cin, kd, kh, kw); both cross-correlate.
            out[name] = (torch.from_numpy(k).permute(4, 3, 0, 1, 2).contiguous().float(), torch.from_numpy(b).float())
            order.append(name)
        return out, order


def conv(x, wb, stride=1):
    w, b = wb
    if stride == 2:
        x = F.pad(x, (0, 1, 0, 1, 0, 1))  # TF 'same', even size: nothing before, one after
        return F.conv3d(x, w, b, stride=2)
    return F.conv3d(x, w, b, padding=1)


def forward(path, variant, moving, fixed):
    torch.set_num_threads(2)
    weights, order = keras_convs(path)
    n_dec, full = DECODERS[variant]
    body = [weights[n] for n in order if n not in ('flow', 'log_sigma')]
    assert len(body) == 4 + n_dec, f'{len(body)} convs for {variant}'
    act = lambda t: F.leaky_relu(t, 0.2)
    up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')
    x_in = torch.cat([torch.from_numpy(moving)[None, None], torch.from_numpy(fixed)[None, None]], 1).float()
    enc = [x_in]
    for i in range(4):
        enc.append(act(conv(enc[-1], body[i], 2)))
    x = act(conv(enc[-1], body[4]))
    x = torch.cat([up(x), enc[-2]], 1)
    x = act(conv(x, body[5]))
    x = torch.cat([up(x), enc[-3]], 1)
    x = act(conv(x, body[6]))
    x = torch.cat([up(x), enc[-4]], 1)
    x = act(conv(x, body[7]))
    x = act(conv(x, body[8]))
    if full:
        x = torch.cat([up(x), enc[0]], 1)
        x = act(conv(x, body[9]))
    if n_dec == 7:
        x = act(conv(x, body[10]))
    return conv(x, weights["flow"])[0].numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('--variant', choices=sorted(DECODERS), required=True)
    ap.add_argument('--moving', required=True)
    ap.add_argument('--fixed', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    with torch.no_grad():
        out = forward(a.checkpoint, a.variant, np.load(a.moving).astype(np.float64), np.load(a.fixed).astype(np.float64))
    np.save(a.out, out)


if __name__ == '__main__':
    main()
