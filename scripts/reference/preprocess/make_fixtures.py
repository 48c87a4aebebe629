#!/usr/bin/python3
"""Reference values for medinfer's preprocessing tests (run once; outputs are committed).

Run with Debian's Python (torch 1.13, numpy, scipy, nibabel, pydicom):
    /usr/bin/python3 scripts/reference/preprocess/make_fixtures.py

Writes test/fixtures/preprocess/cases.json plus little-endian binary arrays. Every array is
stored in medinfer Volume order: i fastest, then j, then k, channels planar (channel-major).
nibabel arrays are indexed [i, j, k] -> flatten(order='F'); 2D images [row=j, col=i] and torch
tensors [C, (D=k,) H=j, W=i] -> flatten C order.
Real data: nibabel's anatomical.nii / example4d.nii.gz and pydicom's CT_small.dcm (MIT; see
/work/shared/data/SOURCES.md), cropped small.
"""
import json
import os
import sys

import numpy as np
import nibabel as nib
import pydicom
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, '..', '..', '..', 'test', 'fixtures', 'preprocess')
DATA = '/work/shared/data'
rng = np.random.default_rng(20261125)
cases = {}
written = set()


def save(name, arr, dtype):
    arr = np.ascontiguousarray(arr).astype(dtype)
    path = os.path.join(OUT, name + '.bin')
    arr.tofile(path)
    written.add(name)
    return {'file': name + '.bin', 'dtype': np.dtype(dtype).name}


def vol_order(arr_ijk):
    """[i, j, k] (or [C, i, j, k]) numpy array -> flat Volume order."""
    if arr_ijk.ndim == 3:
        return arr_ijk.ravel(order='F')
    return np.concatenate([a.ravel(order='F') for a in arr_ijk])


def lps_affine(ras_affine):
    return (np.diag([-1, -1, 1, 1]) @ ras_affine).tolist()


# ---------------------------------------------------------------- orient (nibabel, exact)
def orient_case(name, data, affine, axcodes):
    start = nib.io_orientation(affine)
    end = nib.orientations.axcodes2ornt(axcodes)
    tr = nib.orientations.ornt_transform(start, end)
    out = nib.orientations.apply_orientation(data, tr)
    out_aff = affine @ nib.orientations.inv_ornt_aff(tr, data.shape)
    return {'axcodes': axcodes, 'expected': save(name, vol_order(out), '<i2'), 'shape': list(out.shape), 'affine': lps_affine(out_aff)}


anat = nib.load(os.path.join(DATA, 'nifti/anatomical.nii'))
anat_data = np.asarray(anat.dataobj)[6:26, 8:32, 4:20].astype(np.int16)
anat_aff = anat.affine @ np.array([[1, 0, 0, 6], [0, 1, 0, 8], [0, 0, 1, 4], [0, 0, 0, 1]])
ex4d = nib.load(os.path.join(DATA, 'nifti/example4d.nii.gz'))
ex_data = np.asarray(ex4d.dataobj)[50:74, 40:60, 8:18, 0].astype(np.int16)
ex_aff = ex4d.affine @ np.array([[1, 0, 0, 50], [0, 1, 0, 40], [0, 0, 1, 8], [0, 0, 0, 1]])
# Synthetic: i -> towards S, j -> towards L, k -> towards P, slightly oblique, anisotropic.
rot = np.array([[0, 0.999, 0], [0, 0, -1], [1, 0, 0]], dtype=float)
rot[:, 1] /= np.linalg.norm(rot[:, 1])
rot[1, 1] = 0.0447
rot[:, 1] /= np.linalg.norm(rot[:, 1])
syn_aff = np.eye(4)
syn_aff[:3, :3] = rot @ np.diag([1.5, 0.8, 2.0])
syn_aff[:3, 3] = [10.5, -20.25, 3.0]
syn_data = rng.integers(-1000, 1000, size=(7, 6, 5)).astype(np.int16)

orient = []
for label, data, aff, codes in [('anatomical', anat_data, anat_aff, ['RAS', 'LPS', 'PIR']),
                                ('example4d', ex_data, ex_aff, ['RAS', 'ASL']),
                                ('synthetic', syn_data, syn_aff, ['RAS', 'LPI', 'SAR'])]:
    entry = {'name': label, 'input': save(f'orient_{label}_in', vol_order(data), '<i2'), 'shape': list(data.shape),
             'affine': lps_affine(aff), 'closestCanonical': ''.join(nib.aff2axcodes(nib.as_closest_canonical(nib.Nifti1Image(data, aff)).affine)),
             'outputs': [orient_case(f'orient_{label}_{c}', data, aff, c) for c in codes]}
    canon = nib.as_closest_canonical(nib.Nifti1Image(data, aff))
    entry['canonical'] = {'expected': save(f'orient_{label}_canonical', vol_order(np.asarray(canon.dataobj)), '<i2'), 'affine': lps_affine(canon.affine)}
    orient.append(entry)
cases['orient'] = orient


# ---------------------------------------------------------------- resample (scipy map_coordinates)
def resample_ref(data, spacing, target, rule, order=1):
    shape = np.array(data.shape, dtype=float)
    sp = np.array(spacing, dtype=float)
    tg = np.array(target, dtype=float)
    if rule == 'monai':
        # MONAI compute_shape_offset (scale_extent=False): corners at voxel centres.
        new = np.maximum(np.round((shape - 1) * sp / tg + 1.0), 1).astype(int)
        axes = [np.arange(m) * (tg[a] / sp[a]) for a, m in enumerate(new)]
    else:
        # nnU-Net: round(old_spacing / new_spacing * shape); skimage resize centre mapping.
        new = np.maximum(np.round(sp / tg * shape), 1).astype(int)
        axes = [(np.arange(m) + 0.5) * (shape[a] / m) - 0.5 for a, m in enumerate(new)]
    grid = np.meshgrid(*axes, indexing='ij')
    out = ndi.map_coordinates(data.astype(np.float64), grid, order=order, mode='nearest')
    return out, new


resample = []
rand3 = rng.normal(100, 40, size=(23, 19, 11)).astype(np.float32)
anat_small = anat_data[:12, :14, :10].astype(np.float32)
for label, data, spacing, target in [('random', rand3, [0.7, 0.7, 1.25], [1.5, 1.5, 1.5]),
                                     ('random_up', rand3[:9, :8, :6], [1.1, 0.9, 2.5], [0.6, 0.55, 1.0]),
                                     ('anatomical', anat_small, [2.0, 2.0, 2.0], [1.3, 2.7, 1.5])]:
    inp = save(f'resample_{label}_in', vol_order(data), '<f4')
    for rule in ['monai', 'nnunet']:
        out, new = resample_ref(data, spacing, target, rule)
        resample.append({'name': f'{label}_{rule}', 'input': inp, 'shape': list(data.shape), 'spacing': spacing,
                         'params': {'op': 'resample', 'spacing': target, 'mode': 'linear', 'rule': rule},
                         'expected': save(f'resample_{label}_{rule}', vol_order(out), '<f4'), 'expectedShape': new.tolist()})
# Cubic B-spline (order 3), nnU-Net's image resampling order.
for label, data, spacing, target in [('random_up', rand3[:9, :8, :6], [1.1, 0.9, 2.5], [0.6, 0.55, 1.0]),
                                     ('anatomical', anat_small, [2.0, 2.0, 2.0], [1.3, 2.7, 1.5])]:
    for rule in ['monai', 'nnunet']:
        out, new = resample_ref(data, spacing, target, rule, order=3)
        resample.append({'name': f'{label}_{rule}_cubic', 'input': save(f'resample_{label}_in', vol_order(data), '<f4'), 'shape': list(data.shape),
                         'spacing': spacing, 'params': {'op': 'resample', 'spacing': target, 'mode': 'cubic', 'rule': rule},
                         'expected': save(f'resample_{label}_{rule}_cubic', vol_order(out), '<f4'), 'expectedShape': new.tolist()})


def separate_z_ref(data, spacing, target, order):
    """nnU-Net resample_data_or_seg with do_separate_z (axis 2): each slice in-plane with `order`
    (skimage resize ~ map_coordinates, mode nearest, half-pixel centres), then z with order 0."""
    shape = np.array(data.shape)
    new = np.round(np.array(spacing) / np.array(target) * shape).astype(int)
    ax = [(np.arange(m) + 0.5) * (shape[a] / m) - 0.5 for a, m in enumerate(new)]
    gi, gj = np.meshgrid(ax[0], ax[1], indexing='ij')
    planes = [ndi.map_coordinates(data[:, :, z].astype(np.float64), [gi, gj], order=order, mode='nearest') for z in range(shape[2])]
    inplane = np.stack(planes, axis=2)
    g = np.meshgrid(np.arange(new[0]), np.arange(new[1]), ax[2], indexing='ij')
    return ndi.map_coordinates(inplane, g, order=0, mode='nearest'), new


aniso = rng.normal(50, 20, size=(14, 12, 5)).astype(np.float32)
aniso_in = save('resample_aniso_in', vol_order(aniso), '<f4')
for mode, order in [('cubic', 3), ('linear', 1)]:
    out, new = separate_z_ref(aniso, [0.8, 0.8, 4.0], [0.6, 0.6, 2.5], order)
    resample.append({'name': f'aniso_nnunet_{mode}_separateZ', 'input': aniso_in, 'shape': list(aniso.shape), 'spacing': [0.8, 0.8, 4.0],
                     'params': {'op': 'resample', 'spacing': [0.6, 0.6, 2.5], 'mode': mode, 'rule': 'nnunet', 'separateZ': 'auto'},
                     'expected': save(f'resample_aniso_{mode}', vol_order(out), '<f4'), 'expectedShape': new.tolist()})
cases['resample'] = resample


# ---------------------------------------------------------------- intensity (numpy float64, exact)
def zscore_ref(x, nonzero, channel_wise):
    out = x.astype(np.float64).copy()
    groups = [slice(c, c + 1) for c in range(x.shape[0])] if channel_wise else [slice(None)]
    for g in groups:
        v = out[g]
        mask = v != 0 if nonzero else np.ones_like(v, dtype=bool)
        if not mask.any():
            continue
        m = v[mask].mean()
        s = v[mask].std()  # population std (ddof=0) = torch unbiased=False
        s = 1.0 if s == 0 else s
        v[mask] = (v[mask] - m) / s
    return out


mri = rng.gamma(2.0, 150.0, size=(3, 10, 9, 8)).astype(np.float32)
mri[:, :2] = 0
mri[1, :, :3] = 0
mri[2] *= 3.0
intensity = {'zscoreInput': save('zscore_in', vol_order(mri), '<f4'), 'zscoreShape': list(mri.shape[1:]), 'zscoreChannels': 3, 'zscore': []}
for nz in [False, True]:
    for cw in [False, True]:
        intensity['zscore'].append({'params': {'op': 'zscore', 'nonzero': nz, 'channelWise': cw},
                                    'expected': save(f'zscore_{int(nz)}{int(cw)}', vol_order(zscore_ref(mri, nz, cw)), '<f4')})
ct = rng.integers(-1500, 2500, size=(12, 11, 7)).astype(np.int16)
intensity['ctInput'] = save('ct_in', vol_order(ct), '<i2')
intensity['ctShape'] = list(ct.shape)
ctf = ct.astype(np.float64)
sir = []
for a_min, a_max, b_min, b_max, clip in [(-1024, 300, 0, 1, True), (-57, 164, 0, 1, False), (-1200, 400, -1, 1, True)]:
    y = (ctf - a_min) / (a_max - a_min) * (b_max - b_min) + b_min
    if clip:
        y = np.clip(y, b_min, b_max)
    sir.append({'params': {'op': 'scaleIntensityRange', 'aMin': a_min, 'aMax': a_max, 'bMin': b_min, 'bMax': b_max, 'clip': clip},
                'expected': save(f'sir_{len(sir)}', vol_order(y), '<f4')})
intensity['scaleIntensityRange'] = sir
win = []
for c, w in [(40, 400), (-600, 1500)]:
    lo = c - w / 2
    y = np.clip((ctf - lo) / w, 0, 1)
    win.append({'params': {'op': 'window', 'center': c, 'width': w}, 'expected': save(f'window_{len(win)}', vol_order(y), '<f4')})
intensity['window'] = win
pc = []
for lo, hi in [(0.5, 99.5), (5, 95), (0, 100)]:
    a, b = np.percentile(ctf, [lo, hi])
    pc.append({'params': {'op': 'percentileClip', 'lower': lo, 'upper': hi}, 'low': float(a), 'high': float(b),
               'expected': save(f'pclip_{len(pc)}', vol_order(np.clip(ctf, a, b)), '<f4')})
intensity['percentileClip'] = pc
cases['intensity'] = intensity


# ---------------------------------------------------------------- resize (torch.nn.functional.interpolate)
ds = pydicom.dcmread(os.path.join(DATA, 'dicom/CT_small.dcm'))
ct2d = ds.pixel_array[32:96, 28:92].astype(np.float32)  # [row, col] = [j, i], central 64x64
resize = {'input': save('ct_small_in', ct2d.ravel(), '<i2'), 'shape': [ct2d.shape[1], ct2d.shape[0], 1], 'cases': []}
t2d = torch.from_numpy(ct2d)[None, None].double()
for size, mode, aa in [((28, 36), 'bilinear', False), ((25, 20), 'bilinear', True), ((80, 75), 'bilinear', False),
                       ((80, 75), 'bilinear', True), ((16, 24), 'area', False), ((19, 14), 'area', False),
                       ((30, 45), 'nearest', False), ((100, 50), 'nearest', False), ((64, 17), 'bilinear', True)]:
    kw = {'align_corners': False} if mode == 'bilinear' else {}
    if aa:
        kw['antialias'] = True
    # size is (H, W) for torch; medinfer size is [W, H].
    out = F.interpolate(t2d, size=size, mode=mode, **kw)[0, 0].numpy()
    name = f'resize_{mode}{"_aa" if aa else ""}_{size[1]}x{size[0]}'
    resize['cases'].append({'params': {'op': 'resize', 'size': [size[1], size[0]], 'mode': mode, 'antialias': aa},
                            'expected': save(name, out.ravel(), '<f4')})
# 3D trilinear / area on a random volume (torch [D=k, H=j, W=i]).
r3 = rng.normal(0, 1, size=(7, 8, 9)).astype(np.float32)  # [k, j, i]
resize['input3d'] = save('resize3d_in', r3.ravel(), '<f4')
resize['shape3d'] = [9, 8, 7]
resize['cases3d'] = []
for size, mode in [((5, 11, 6), 'trilinear'), ((4, 3, 5), 'area')]:
    kw = {'align_corners': False} if mode == 'trilinear' else {}
    out = F.interpolate(torch.from_numpy(r3)[None, None].double(), size=size, mode=mode, **kw)[0, 0].numpy()
    resize['cases3d'].append({'params': {'op': 'resize', 'size': [size[2], size[1], size[0]], 'mode': 'bilinear' if mode == 'trilinear' else 'area'},
                              'expected': save(f'resize3d_{mode}', out.ravel(), '<f4')})
cases['resize'] = resize


# ---------------------------------------------------------------- TorchXRayVision plan
xr = rng.integers(0, 4096, size=(60, 76)).astype(np.uint16)  # [row, col]; 12-bit radiograph
xr[10:50, 20:60] = (xr[10:50, 20:60] // 2).astype(np.uint16)
xrv = {'input': save('xrv_in', xr.ravel(), '<u2'), 'shape': [76, 60, 1], 'bitsStored': 12, 'cases': []}
norm = (2 * (xr.astype(np.float32) / 4095) - 1.) * 1024  # torchxrayvision.datasets.normalize
xrv['normalized'] = save('xrv_norm', norm.ravel(), '<f4')
h, w = norm.shape
crop = min(h, w)
sy, sx = h // 2 - crop // 2, w // 2 - crop // 2  # XRayCenterCrop
cropped = norm[sy:sy + crop, sx:sx + crop]
for mode, aa in [('area', False), ('bilinear', True)]:
    kw = {'antialias': True, 'align_corners': False} if aa else {}
    out = F.interpolate(torch.from_numpy(cropped.astype(np.float64))[None, None], size=(24, 24), mode=mode, **kw)[0, 0].numpy()
    xrv['cases'].append({'plan': [{'op': 'xrvNormalize'}, {'op': 'cropPad', 'mode': 'centerSquare'},
                                  {'op': 'resize', 'size': [24, 24], 'mode': mode, 'antialias': aa},
                                  {'op': 'toTensor', 'layout': 'NCHW', 'dtype': 'float32'}],
                         'expected': save(f'xrv_{mode}', out.ravel(), '<f4'), 'dims': [1, 1, 24, 24]})
cases['xrv'] = xrv


# ---------------------------------------------------------------- letterbox (Ultralytics LetterBox rule)
def letterbox_rule(h, w, new_shape, auto, scaleup, stride):
    r = min(new_shape[0] / h, new_shape[1] / w)
    if not scaleup:
        r = min(r, 1.0)
    new_unpad = int(round(w * r)), int(round(h * r))
    dw, dh = new_shape[1] - new_unpad[0], new_shape[0] - new_unpad[1]
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    dw /= 2
    dh /= 2
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    return {'ratio': r, 'unpadded': list(new_unpad), 'pad': [left, top, right, bottom],
            'outSize': [new_unpad[0] + left + right, new_unpad[1] + top + bottom]}


lb = []
for (h, w) in [(480, 640), (720, 1280), (1080, 1920), (333, 517), (640, 640), (100, 50), (517, 333), (1, 999), (427, 640)]:
    for new_shape, auto, scaleup in [((640, 640), False, True), ((640, 640), True, True), ((320, 480), False, False), ((640, 640), True, False)]:
        lb.append({'height': h, 'width': w, 'params': {'op': 'letterbox', 'size': [new_shape[1], new_shape[0]], 'stride': 32, 'auto': auto, 'scaleUp': scaleup},
                   'expected': letterbox_rule(h, w, new_shape, auto, scaleup, 32)})
cases['letterbox'] = {'geometry': lb}
# Pixel values: a 3-channel 13x10 image to 32x32; inner part = half-pixel bilinear (cv2 INTER_LINEAR).
img = rng.integers(0, 256, size=(3, 10, 13)).astype(np.float32)  # [C, row, col]
plan = letterbox_rule(10, 13, (32, 32), False, True, 32)
nw, nh = plan['unpadded']
inner = F.interpolate(torch.from_numpy(img)[None].double(), size=(nh, nw), mode='bilinear', align_corners=False)[0].numpy()
full = np.full((3, 32, 32), 114.0)
l, t = plan['pad'][0], plan['pad'][1]
full[:, t:t + nh, l:l + nw] = inner
cases['letterbox']['pixels'] = {'input': save('letterbox_in', img.ravel(), '<f4'), 'shape': [13, 10, 1], 'channels': 3,
                                'params': {'op': 'letterbox', 'size': [32, 32]}, 'expected': save('letterbox_out', full.ravel(), '<f4'), 'plan': plan}

# ---------------------------------------------------------------- float16 (numpy astype, round to nearest even)
vals = np.concatenate([rng.normal(0, 1, 300), rng.normal(0, 1e4, 200), rng.uniform(-7e4, 7e4, 100),
                       rng.normal(0, 1e-5, 200), rng.normal(0, 1e-7, 100), [0.0, -0.0, 65504, 65519, 65520, 1e9, -1e9, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26]]).astype(np.float32)
with np.errstate(over='ignore'):
    cases['float16'] = {'input': save('f16_in', vals, '<f4'), 'expected': save('f16_bits', vals.astype(np.float16).view(np.uint16), '<u2')}

with open(os.path.join(OUT, 'cases.json'), 'w') as f:
    json.dump(cases, f, indent=1)
for fn in os.listdir(OUT):
    if fn.endswith('.bin') and fn[:-4] not in written:
        os.remove(os.path.join(OUT, fn))
total = sum(os.path.getsize(os.path.join(OUT, fn)) for fn in os.listdir(OUT))
print(f'wrote {len(written)} arrays, {total / 1024:.0f} KiB in {OUT}', file=sys.stderr)
