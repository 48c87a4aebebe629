#!/usr/bin/python3
"""TorchXRayVision's preprocessing on real NIH chest radiographs: reference outputs for
test/preprocess/xrv-real.test.ts (run once; outputs are committed, the test needs no Python).

Debian has no torchxrayvision, so its transforms are written out here from its source
(mlmed/torchxrayvision@f4087a0b, Apache-2.0):
- torchxrayvision/utils.py normalize(img, maxval, reshape=True): raise above maxval,
  (2 * (img.astype(float32) / maxval) - 1) * 1024, channel 0 of a colour image, add a channel axis
  (NIH_Dataset.__getitem__ calls it with maxval=255 on skimage's imread array);
- datasets.py XRayCenterCrop: square of the shorter side, start = dim // 2 - crop // 2;
- datasets.py XRayResizer(size, engine='skimage'): skimage.transform.resize(img, (1, size, size),
  mode='constant', preserve_range=True).astype(float32) - called here exactly so, with Debian's
  python3-skimage (0.19.3, scipy 1.10.1).

Run: apt-get install -y python3-skimage; /usr/bin/python3 scripts/reference/realdata/xrv_transforms.py
Writes test/fixtures/real/cxr/xrv-reference.json and <case>.xrv224.f32 (float32 little endian,
row-major [row=j][col=i] = medinfer Volume order). Two more cases cut regions out of a real image
(stored as raw uint8) to cover a non-square crop and an upsampling resize.
"""
import json
import os
import warnings

import numpy as np
import skimage.io
import skimage.transform

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, '..', '..', '..', 'test', 'fixtures', 'real', 'cxr')
IMAGES = ['00000001_000.png', '00027426_000.png', '00000100_000.png', '00019534_000.png', '00005318_000.png']


def xrv_normalize(img, maxval):
    if img.max() > maxval:
        raise ValueError(f'max image value ({img.max()}) higher than expected bound ({maxval}).')
    img = (2 * (img.astype(np.float32) / maxval) - 1.0) * 1024
    if len(img.shape) > 2:
        img = img[:, :, 0]
    return img[None, :, :]


def xrv_center_crop(img):
    _, y, x = img.shape
    crop = min(y, x)
    sx = x // 2 - (crop // 2)
    sy = y // 2 - (crop // 2)
    return img[:, sy:sy + crop, sx:sx + crop]


def xrv_resize(img, size):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return skimage.transform.resize(img, (1, size, size), mode='constant', preserve_range=True).astype(np.float32)


def reference(pixels, size):
    return xrv_resize(xrv_center_crop(xrv_normalize(pixels, 255)), size)[0]


def main():
    cases = []
    for name in IMAGES:
        pixels = skimage.io.imread(os.path.join(OUT, name))
        out = reference(pixels, 224)
        stem = name[:-4]
        out.astype('<f4').tofile(os.path.join(OUT, stem + '.xrv224.f32'))
        cases.append({'image': name, 'size': 224, 'expected': stem + '.xrv224.f32', 'shape': list(pixels.shape)})
    # Regions of a real radiograph: a wide one (crop removes columns) and a small one (resize up).
    base = skimage.io.imread(os.path.join(OUT, '00000001_000.png'))
    for label, (r0, r1, c0, c1), size in [('wide', (100, 280, 50, 350), 96), ('small', (200, 260, 240, 290), 224)]:
        region = np.ascontiguousarray(base[r0:r1, c0:c1]).astype(np.uint8)
        raw = f'region-{label}.u8'
        region.tofile(os.path.join(OUT, raw))
        out = reference(region, size)
        exp = f'region-{label}.xrv{size}.f32'
        out.astype('<f4').tofile(os.path.join(OUT, exp))
        cases.append({'region': raw, 'rows': r1 - r0, 'cols': c1 - c0, 'size': size, 'expected': exp})
    meta = {
        'generator': 'scripts/reference/realdata/xrv_transforms.py',
        'skimage': skimage.__version__,
        'numpy': np.__version__,
        'cases': cases,
    }
    with open(os.path.join(OUT, 'xrv-reference.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
