#!/usr/bin/python3
"""Reference values for medinfer's NIfTI reader/writer tests, computed with nibabel 5.

Run from the repository root with Debian's python (numpy + nibabel):
    /usr/bin/python3 scripts/reference/nifti/make-reference.py
It (1) writes small NIfTI files with nibabel covering datatypes, scaling, NIfTI-2, xform codes,
negative pixdim, oblique/sheared affines, byte order and Analyze, into test/fixtures/nifti/generated/,
and (2) records what nibabel reads from every fixture (generated, nibabel-data/ and the files the TS
writer produced in ts-written/) into test/fixtures/nifti/reference.json. Tests never run Python.
"""
import json
import os
import struct
import sys

import numpy as np
import nibabel as nib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
FIX = os.path.normpath(os.path.join(ROOT, 'test', 'fixtures', 'nifti'))
GEN = os.path.join(FIX, 'generated')
FULL_DATA_LIMIT = 6000


def rot(ax, deg):
    t = np.deg2rad(deg)
    c, s = np.cos(t), np.sin(t)
    m = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


def affine(rzs, t):
    a = np.eye(4)
    a[:3, :3] = rzs
    a[:3, 3] = t
    return a


def ramp(shape, dtype, lo, hi):
    n = int(np.prod(shape))
    v = np.linspace(lo, hi, n)
    if np.issubdtype(np.dtype(dtype), np.integer):
        v = np.round(v)
    return v.astype(dtype).reshape(shape, order='F')


def patch(path, fmt, offset, value, gz=False):
    """Edits one header field in place (nibabel normalises some fields on save)."""
    data = bytearray(open(path, 'rb').read())
    struct.pack_into(fmt, data, offset, *value if isinstance(value, tuple) else (value,))
    open(path, 'wb').write(bytes(data))


def save(img, name):
    path = os.path.join(GEN, name)
    nib.save(img, path)
    return path


def generate():
    os.makedirs(GEN, exist_ok=True)
    shape = (5, 4, 3)
    obl = affine(rot(2, 20) @ rot(0, 10) @ np.diag([0.9, 1.1, 2.5]), [-12.5, 30.25, 7.0])
    for dt, lo, hi in [('uint8', 0, 255), ('int8', -128, 127), ('int16', -32768, 32767), ('uint16', 0, 65535),
                       ('int32', -2_000_000_000, 2_000_000_000), ('uint32', 0, 4_000_000_000),
                       ('float32', -1e3, 3.5e3), ('float64', -1e-3, 1e6), ('int64', -2**40, 2**40)]:
        img = nib.Nifti1Image(ramp(shape, dt, lo, hi), obl, dtype=dt)
        save(img, f'dtype-{dt}.nii')
    # Scaled int16: raw ramp with slope 0.25 and intercept -100.5 patched into the header.
    p = save(nib.Nifti1Image(ramp(shape, 'int16', -3000, 3000), obl), 'scaled-int16.nii')
    patch(p, '<ff', 112, (0.25, -100.5))
    p = save(nib.Nifti1Image(ramp(shape, 'int16', -1024, 3000), obl), 'scaled-int16-ct.nii')
    patch(p, '<ff', 112, (1.0, -1024.0))
    p = save(nib.Nifti1Image(ramp(shape, 'uint8', 0, 255), obl), 'slope-zero.nii')
    patch(p, '<ff', 112, (0.0, 5.0))
    # NIfTI-2, gzipped, 4D.
    save(nib.Nifti2Image(ramp((6, 5, 4), 'float32', -5, 5), obl), 'nifti2-float32.nii')
    save(nib.Nifti2Image(ramp((4, 3, 2, 3), 'int16', 0, 500), obl), 'nifti2-4d.nii.gz')
    save(nib.Nifti1Image(ramp((4, 3, 2, 5), 'int16', -50, 500), obl), 'int16-4d.nii.gz')
    # qform only: sform code 0 but a misleading srow that must be ignored.
    img = nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None)
    img.set_qform(obl, code=1)
    img.set_sform(affine(np.diag([7, 7, 7]), [1, 2, 3]), code=0)
    save(img, 'qform-only.nii')
    # sform only: qform code 0 with a different qform.
    img = nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None)
    img.set_qform(affine(np.diag([3, 3, 3]), [9, 9, 9]), code=0)
    img.set_sform(obl, code=2)
    save(img, 'sform-only.nii')
    # qform code > sform code: nibabel still prefers the sform.
    img = nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None)
    img.set_qform(affine(rot(0, 30) @ np.diag([1, 2, 3]), [5, -5, 5]), code=2)
    img.set_sform(obl, code=1)
    save(img, 'qform-code-above-sform.nii')
    # Both codes 0: base affine diag(-dx, dy, dz) centred on the grid.
    img = nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None)
    img.header.set_zooms((2.0, 3.0, 4.0))
    p = save(img, 'codes-zero.nii')
    patch(p, '<hh', 252, (0, 0))
    # Negative pixdim: nibabel uses |pixdim| (base affine and qform).
    p = save(nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None), 'negative-pixdim-base.nii')
    patch(p, '<hh', 252, (0, 0))
    patch(p, '<fff', 80, (-2.0, 3.0, -4.0))
    img = nib.Nifti1Image(ramp(shape, 'int16', 0, 99), None)
    img.set_qform(obl, code=1)
    img.set_sform(None, code=0)
    p = save(img, 'negative-pixdim-qform.nii')
    patch(p, '<fff', 80, (-0.9, 1.1, -2.5))
    # qfac -1 (left-handed voxel axes), oblique, and a sheared sform.
    left = affine(rot(1, 15) @ np.diag([1.5, 1.5, -3.0]), [10, 20, 30])
    save(nib.Nifti1Image(ramp(shape, 'int16', 0, 99), left), 'qfac-negative.nii')
    save(nib.Nifti1Image(ramp(shape, 'float32', 0, 1), affine(rot(0, 25) @ rot(1, -35) @ rot(2, 12), [-90, 110, -70])), 'oblique.nii.gz')
    sheared = affine(np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.0], [0.1, 0.0, 2.0]]), [1, 2, 3])
    save(nib.Nifti1Image(ramp(shape, 'int16', 0, 99), sheared), 'sheared.nii')
    # Big-endian, RGB24, 2D.
    hdr = nib.Nifti1Header(endianness='>')
    save(nib.Nifti1Image(ramp(shape, 'float32', -7, 7), obl, header=hdr), 'big-endian-float32.nii')
    rgb = np.zeros(shape, dtype=[('R', 'u1'), ('G', 'u1'), ('B', 'u1')])
    flat = np.arange(int(np.prod(shape)))
    for c, k in zip('RGB', (1, 3, 7)):
        rgb[c] = ((flat * k) % 256).astype('u1').reshape(shape, order='F')
    save(nib.Nifti1Image(rgb, obl), 'rgb24.nii')
    save(nib.Nifti1Image(ramp((7, 6), 'uint8', 0, 200), np.diag([0.5, 0.7, 1.0, 1.0])), 'two-d.nii')
    # A header extension pushes vox_offset past 352.
    img = nib.Nifti1Image(ramp(shape, 'int16', -5, 95), obl)
    img.header.extensions.append(nib.nifti1.Nifti1Extension('comment', b'medinfer test extension'))
    save(img, 'with-extension.nii')
    # Analyze 7.5 pair (must be rejected with UnsupportedError) and a truncated file.
    nib.save(nib.AnalyzeImage(ramp(shape, 'int16', 0, 99), np.eye(4)), os.path.join(GEN, 'analyze.hdr'))
    full = open(os.path.join(GEN, 'dtype-int16.nii'), 'rb').read()
    open(os.path.join(GEN, 'truncated.nii'), 'wb').write(full[:-20])


def describe(path, writer_check=False):
    img = nib.load(path)
    hdr = img.header
    if img.get_data_dtype().names:  # RGB: structured dtype, no get_fdata
        raw = np.asanyarray(img.dataobj)
        arr = np.stack([raw[n] for n in raw.dtype.names], axis=-1).astype(np.float64)
        flat = arr.reshape((-1, arr.shape[-1]), order='F').reshape(-1)  # voxel-major, channels interleaved
    else:
        arr = img.get_fdata()  # float64, scaling applied
        flat = arr.reshape(-1, order='F')
    # img.header has its scaling reset on load; the proxy keeps what the file says.
    slope, inter = getattr(img.dataobj, 'slope', None), getattr(img.dataobj, 'inter', None)
    ref = {
        'shape': [int(n) for n in img.shape],
        'datatype': str(img.get_data_dtype()),
        'affine': img.affine.tolist(),
        'sform_code': int(hdr['sform_code']),
        'qform_code': int(hdr['qform_code']),
        'qform': img.get_qform().tolist(),
        'slope': None if slope is None else float(slope),
        'inter': None if inter is None else float(inter),
        'count': int(flat.size),
        'sum': float(np.sum(flat)),
        'min': float(np.min(flat)),
        'max': float(np.max(flat)),
    }
    # What nibabel's own set_qform (polar decomposition, shear stripped) makes of this sform:
    # the TS writer's qform must match it, sheared or not.
    if writer_check:
        probe = nib.Nifti1Header()
        probe.set_data_shape(img.shape[:3])
        probe.set_qform(img.get_sform(), code=1, strip_shears=True)
        ref['qform_nibabel_from_sform'] = probe.get_qform().tolist()
    if flat.size <= FULL_DATA_LIMIT:
        ref['data'] = flat.tolist()
    else:
        idx = np.unique(np.linspace(0, flat.size - 1, 257).astype(np.int64))
        ref['samples'] = {'index': idx.tolist(), 'value': flat[idx].tolist()}
    return ref


def main():
    if '--no-generate' not in sys.argv:
        generate()
    refs = {}
    for sub in ('nibabel-data', 'generated', 'ts-written'):
        d = os.path.join(FIX, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not (name.endswith('.nii') or name.endswith('.nii.gz')) or name == 'truncated.nii':
                continue
            refs[f'{sub}/{name}'] = describe(os.path.join(d, name), writer_check=(sub == 'ts-written'))
    with open(os.path.join(FIX, 'reference.json'), 'w') as f:
        json.dump({'generator': 'scripts/reference/nifti/make-reference.py', 'nibabel': nib.__version__, 'files': refs}, f, indent=1)
    print(f'{len(refs)} reference entries -> {os.path.join(FIX, "reference.json")}')


if __name__ == '__main__':
    main()
