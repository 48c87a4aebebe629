"""Series fixtures (imported by make-fixtures.py): an oblique CT series with shuffled file names,
and small variants that exercise the series checks (duplicate, missing, non-uniform, tilt, mixed).
"""
import os
import shutil

import numpy as np

CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2'


def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


def write_series(folder, names, slices, ctx, series_uid, rows=8, cols=8, iop=(1, 0, 0, 0, 1, 0), spacing=(0.8, 0.9), extra=None, first_uid=0):
    base_dataset, set_pixels, smooth_image, uid = ctx
    os.makedirs(folder, exist_ok=True)
    for n, (name, pos) in enumerate(zip(names, slices)):
        ds = base_dataset(CT_STORAGE, uid(first_uid + n))
        ds.Modality = 'CT'
        ds.SeriesInstanceUID = series_uid
        ds.FrameOfReferenceUID = series_uid + '.1'
        ds.InstanceNumber = n + 1
        img = smooth_image(1000 + first_uid + n, (rows, cols), -1000, 2000, np.int16)
        set_pixels(ds, img)
        ds.RescaleSlope, ds.RescaleIntercept = '1', '-1024'
        ds.ImagePositionPatient = [f'{v:.6f}' for v in pos]
        ds.ImageOrientationPatient = [f'{v:.8f}' for v in iop]
        ds.PixelSpacing = [f'{v}' for v in spacing]
        ds.SliceThickness = '9.9'  # deliberately wrong: spacing must come from positions
        for k, v in (extra or {}).items():
            setattr(ds, k, v)
        ds.save_as(os.path.join(folder, name), write_like_original=False)


def main(fix, base_dataset, set_pixels, smooth_image, uid):
    ctx = (base_dataset, set_pixels, smooth_image, uid)
    # Oblique 32x32x12 CT, 2.5 mm apart along the normal, file names shuffled, instance numbers
    # counting down along the normal (as head-first axial scanners often do).
    folder = os.path.join(fix, 'series-oblique')
    shutil.rmtree(folder, ignore_errors=True)
    r = rotation(0.3, -0.2, 0.5)
    row, col, normal = r[:, 0], r[:, 1], r[:, 2]
    origin = np.array([-60.0, -45.5, 120.25])
    positions = [origin + normal * 2.5 * k for k in range(12)]
    perm = np.random.default_rng(7).permutation(12)
    names = [f'im{perm[k]:02d}.dcm' for k in range(12)]
    base_dataset_, set_pixels_, smooth_image_, uid_ = ctx
    write_series(folder, names, positions, ctx, uid(5000), rows=32, cols=32, iop=tuple(row) + tuple(col), spacing=(0.75, 0.8), first_uid=5100)
    # fix instance numbers to count down along the normal
    import pydicom
    for k, name in enumerate(names):
        p = os.path.join(folder, name)
        ds = pydicom.dcmread(p)
        ds.InstanceNumber = 12 - k
        ds.save_as(p, write_like_original=False)

    variants = os.path.join(fix, 'series-variants')
    shutil.rmtree(variants, ignore_errors=True)
    z = lambda zs, dy=None: [np.array([-20.0, -30.0 + (dy[i] if dy else 0.0), v]) for i, v in enumerate(zs)]
    write_series(os.path.join(variants, 'duplicate'), [f'd{i}.dcm' for i in range(4)], z([0, 2, 2, 4]), ctx, uid(6001), first_uid=6100)
    write_series(os.path.join(variants, 'missing'), [f'm{i}.dcm' for i in range(5)], z([0, 2, 4, 8, 10]), ctx, uid(6002), first_uid=6200)
    write_series(os.path.join(variants, 'nonuniform'), [f'n{i}.dcm' for i in range(5)], z([0, 2, 4.7, 6, 8]), ctx, uid(6003), first_uid=6300)
    tilt = np.tan(np.radians(15.0)) * 3.0
    write_series(os.path.join(variants, 'tilt'), [f't{i}.dcm' for i in range(4)], z([0, 3, 6, 9], [0, tilt, 2 * tilt, 3 * tilt]), ctx, uid(6004),
                 extra={'GantryDetectorTilt': '15'}, first_uid=6400)
    mixed = os.path.join(variants, 'two-series')
    write_series(mixed, ['a0.dcm', 'a1.dcm', 'a2.dcm'], z([0, 1, 2]), ctx, uid(6005), first_uid=6500)
    write_series(mixed, ['b0.dcm', 'b1.dcm'], z([0, 1]), ctx, uid(6006), rows=6, cols=6, first_uid=6600)
    orient = os.path.join(variants, 'mixed-orientation')
    write_series(orient, ['o0.dcm', 'o1.dcm', 'o2.dcm'], z([0, 1, 2]), ctx, uid(6007), first_uid=6700)
    write_series(orient, ['o3.dcm', 'o4.dcm'], [np.array([0.0, 0, 0]), np.array([0.0, 1, 0])], ctx, uid(6007), iop=(1, 0, 0, 0, 0, -1), first_uid=6800)
