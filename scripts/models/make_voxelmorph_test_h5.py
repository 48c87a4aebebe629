#!/usr/bin/python3
"""Writes a small VoxelMorph 2018 Keras-layout checkpoint for tests (h5py + numpy only).

    /usr/bin/python3 scripts/models/make_voxelmorph_test_h5.py --variant vm2 --out /tmp/vm2.h5 [--full-model]

Same layout as the published files (Keras 2.1.6): root attributes backend / keras_version /
layer_names listing every layer in model order (inputs, concatenates, convs, LeakyReLUs,
upsamplings, flow, the transformer ...), one group per layer with a weight_names attribute and
datasets '<group>/<layer>/kernel:0' (kd, kh, kw, cin, cout) and 'bias:0'; names as in
cvpr2018_vm2_cc.h5 (conv3d_188 ..., flow/flow_19) or, with --full-model, under 'model_weights'
as model.save writes them (miccai2018_10_02_init1.h5: conv3d_1 ..., flow/flow, log_sigma). Channel
counts are small (encoder 4, 8, 8, 8) so that tests run in milliseconds. Weights and biases are
deterministic (sines of the element index, scaled by 1 / sqrt(fan-in)), not random.
"""
import argparse

import h5py
import numpy as np

ENC = [4, 8, 8, 8]
DEC = {'vm1': [8, 8, 8, 8, 4, 4], 'vm2': [8, 8, 8, 8, 8, 4, 4], 'miccai2018': [8, 8, 8, 8, 4]}


def conv_shapes(variant):
    dec = DEC[variant]
    shapes, prev = [], 2
    for nf in ENC:
        shapes.append((prev, nf))
        prev = nf
    skips = [ENC[2], ENC[1], ENC[0]]
    for i in range(3):
        shapes.append((prev, dec[i]))
        prev = dec[i] + skips[i]
    shapes.append((prev, dec[3]))
    shapes.append((dec[3], dec[4]))
    prev = dec[4]
    if variant != 'miccai2018':
        shapes.append((prev + 2, dec[5]))
        prev = dec[5]
    if variant == 'vm2':
        shapes.append((prev, dec[6]))
        prev = dec[6]
    return shapes, prev


def weights(index, cin, cout, scale=1.0):
    n = 27 * cin * cout
    k = np.sin(np.arange(n, dtype=np.float64) * 0.7311 + index * 1.37) * scale / np.sqrt(27 * cin)
    b = 0.05 * np.cos(np.arange(cout, dtype=np.float64) * 1.1 + index)
    return k.reshape(3, 3, 3, cin, cout).astype(np.float32), b.astype(np.float32)


def layer_list(variant, convs, first):
    """Model-order layer names with the conv / flow names; first = the number of the first conv."""
    names = ['input_1', 'input_2', 'concatenate_1']
    c = first
    ups = concats = 1
    for _ in ENC:
        names += [f'conv3d_{c}', f'leaky_re_lu_{c}']
        c += 1
    for _ in range(3):
        names += [f'conv3d_{c}', f'leaky_re_lu_{c}', f'up_sampling3d_{ups}', f'concatenate_{concats + 1}']
        c += 1
        ups += 1
        concats += 1
    names += [f'conv3d_{c}', f'leaky_re_lu_{c}', f'conv3d_{c + 1}', f'leaky_re_lu_{c + 1}']
    c += 2
    if variant != 'miccai2018':
        names += [f'up_sampling3d_{ups}', f'concatenate_{concats + 1}', f'conv3d_{c}', f'leaky_re_lu_{c}']
        c += 1
    if variant == 'vm2':
        names += [f'conv3d_{c}', f'leaky_re_lu_{c}']
    names.append('flow')
    if variant == 'miccai2018':
        names += ['log_sigma', 'z_sample', 'flow-int', 'pre_diffflow', 'diffflow', 'spatial_transformer_2', 'concatenate_5']
    else:
        names.append('spatial_transformer_1')
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--variant', choices=sorted(DEC), required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--full-model', action='store_true', help="weights under 'model_weights' (model.save layout)")
    ap.add_argument('--legacy-xy', action='store_true', help="name the transformer as models/xy/ does (Dense3DSpatialTransformer): the converter must refuse it")
    a = ap.parse_args()
    shapes, last = conv_shapes(a.variant)
    first = 1 if a.full_model else 188
    names = layer_list(a.variant, shapes, first)
    if a.legacy_xy:
        names = [n.replace('spatial_transformer_', 'dense3d_spatial_transformer_') for n in names]
    conv_names = [n for n in names if n.startswith('conv3d_')]
    with h5py.File(a.out, 'w') as f:
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.1.6'
        root = f.create_group('model_weights') if a.full_model else f
        root.attrs['layer_names'] = np.array([n.encode() for n in names])
        if a.full_model:
            root.attrs['backend'] = b'tensorflow'
            root.attrs['keras_version'] = b'2.1.6'
        params = {n: weights(i, *s, 1.6) for i, (n, s) in enumerate(zip(conv_names, shapes))}
        params["flow"] = weights(50, last, 3, 60.0)
        if a.variant == 'miccai2018':
            params['log_sigma'] = weights(51, last, 3, 0.01)
        for n in names:
            g = root.create_group(n)
            if n not in params:
                g.attrs['weight_names'] = np.array([], dtype='S1')
                continue
            inner = 'flow_19' if n == 'flow' and not a.full_model else n
            k, b = params[n]
            g.create_dataset(f'{inner}/kernel:0', data=k)
            g.create_dataset(f'{inner}/bias:0', data=b)
            g.attrs['weight_names'] = np.array([f'{inner}/kernel:0'.encode(), f'{inner}/bias:0'.encode()])


if __name__ == '__main__':
    main()
