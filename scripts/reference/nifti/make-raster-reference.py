#!/usr/bin/python3
"""Raster fixtures for medinfer's sharp-based reader (test/io/raster/).

    /usr/bin/python3 scripts/reference/nifti/make-raster-reference.py

PNGs are written by hand (zlib + struct, every filter type 0 'None') so the reference pixels are
exactly the bytes we put in; JPEGs are written by Pillow and their reference pixels are Pillow's
decode (libjpeg), which may differ from sharp's libjpeg-turbo by a small amount (tested within a
stated tolerance). Everything goes to test/fixtures/raster/ plus reference.json.
"""
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
OUT = os.path.normpath(os.path.join(ROOT, 'test', 'fixtures', 'raster'))
W, H = 23, 17


def chunk(kind, payload):
    body = kind + payload
    return struct.pack('>I', len(payload)) + body + struct.pack('>I', zlib.crc32(body) & 0xFFFFFFFF)


def write_png(path, arr, bit_depth):
    """arr: (H, W) or (H, W, C) unsigned ints. Colour types: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA."""
    h, w = arr.shape[:2]
    c = 1 if arr.ndim == 2 else arr.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    dtype = '>u2' if bit_depth == 16 else 'u1'
    rows = arr.reshape(h, w * c).astype(dtype)
    raw = b''.join(b'\x00' + rows[y].tobytes() for y in range(h))
    ihdr = struct.pack('>IIBBBBB', w, h, bit_depth, colour, 0, 0, 0)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
    open(path, 'wb').write(data)


def pattern(c, hi, seed):
    y, x = np.mgrid[0:H, 0:W]
    chans = [((x * (31 + 7 * k) + y * (57 + 11 * k) + seed * (k + 1)) * (hi // 255 if hi > 255 else 1) * 13) % (hi + 1) for k in range(c)]
    arr = np.stack(chans, axis=-1) if c > 1 else chans[0]
    return arr.astype(np.uint16 if hi > 255 else np.uint8)


def smooth(c):
    y, x = np.mgrid[0:H, 0:W]
    chans = [np.clip(128 + 100 * np.sin(x / 4.0 + k) * np.cos(y / 5.0 - k), 0, 255) for k in range(c)]
    arr = np.stack(chans, axis=-1) if c > 1 else chans[0]
    return arr.astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    refs = {}
    cases = [('grey8.png', pattern(1, 255, 1), 8), ('grey16.png', pattern(1, 65535, 2), 16),
             ('rgb8.png', pattern(3, 255, 3), 8), ('rgba8.png', pattern(4, 255, 4), 8),
             ('grey-alpha8.png', pattern(2, 255, 5), 8), ('rgb16.png', pattern(3, 65535, 6), 16)]
    for name, arr, depth in cases:
        write_png(os.path.join(OUT, name), arr, depth)
        c = 1 if arr.ndim == 2 else arr.shape[2]
        keep = {1: 1, 2: 1, 3: 3, 4: 3}[c]  # the SDK drops alpha
        pix = arr if arr.ndim == 2 else arr[..., :keep]
        refs[name] = {'width': W, 'height': H, 'components': keep, 'bits': depth, 'format': 'png',
                      'data': pix.reshape(-1).astype(int).tolist(), 'tolerance': 0}
    for name, arr, mode in [('grey.jpg', smooth(1), 'L'), ('rgb.jpg', smooth(3), 'RGB')]:
        path = os.path.join(OUT, name)
        Image.fromarray(arr, mode).save(path, quality=92)
        dec = np.asarray(Image.open(path).convert(mode))
        refs[name] = {'width': W, 'height': H, 'components': 1 if mode == 'L' else 3, 'bits': 8, 'format': 'jpeg',
                      'data': dec.reshape(-1).astype(int).tolist(), 'tolerance': 2}
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump({'generator': 'scripts/reference/nifti/make-raster-reference.py', 'files': refs}, f)
    print(f'{len(refs)} raster fixtures -> {OUT}')


if __name__ == '__main__':
    main()
