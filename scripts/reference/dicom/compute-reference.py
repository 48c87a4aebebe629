#!/usr/bin/python3
"""Reference values for the DICOM reader tests, from pydicom 2.3 (+ python3-gdcm) and dcm2niix/nibabel.

    /usr/bin/python3 scripts/reference/dicom/compute-reference.py

Writes test/fixtures/dicom/reference.json. Tests compare the TypeScript reader against it and
never need Python. Pixel arrays are summarised by sha256 over float64 little-endian values in
the reader's layout (frame, row, column, sample; C order) - float64 so the hash does not depend
on the output dtype, which is checked separately.
"""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import warnings

import nibabel as nib
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, convert_color_space

warnings.simplefilter('ignore')
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FIX = os.path.join(ROOT, 'test', 'fixtures', 'dicom')
# Files pydicom 2.3 cannot decode, with the file whose pixels they losslessly encode.
HTJ2K_SOURCES = {'generated/mr_htj2k_lossless.dcm': 'MR_small.dcm', 'generated/ct_htj2k_lossless.dcm': 'CT_small.dcm'}
# Our policy for these (not pydicom's): typed errors.
EXPECTED_ERRORS = {
    'MR_truncated.dcm': 'E_DECODE',
    # Header claims 48 slices of a 7x7 mosaic in a 256x256 ramp (nibabel test data): slice count cannot tile the frame.
    'siemens_dwi_mosaic_0.dcm': 'E_DECODE',
    'generated/jpeg_extended_12bit.dcm': 'E_UNSUPPORTED',
}
INT_TYPES = [('uint8', 0, 255), ('int8', -128, 127), ('uint16', 0, 65535), ('int16', -32768, 32767),
             ('uint32', 0, 2**32 - 1), ('int32', -2**31, 2**31 - 1)]


def digest(values):
    return hashlib.sha256(np.ascontiguousarray(values, dtype='<f8').tobytes()).hexdigest()


def summary(values):
    v = np.asarray(values, dtype=np.float64).ravel()
    return {'sha256': digest(v), 'first': v[:8].tolist(), 'min': float(v.min()), 'max': float(v.max()), 'mean': float(v.mean()), 'count': int(v.size)}


def frame_items(ds):
    return list(ds.get('PerFrameFunctionalGroupsSequence', []))


def first(seq_parent, name):
    seq = seq_parent.get(name) if seq_parent is not None else None
    return seq[0] if seq else None


def frame_rescales(ds, frames):
    """(slope, intercept) per frame: Pixel Value Transformation per-frame > shared > top level."""
    shared = first(ds, 'SharedFunctionalGroupsSequence')
    per = frame_items(ds)
    out = []
    for f in range(frames):
        r = None
        for grp in ((per[f] if f < len(per) else None), shared):
            pvt = first(grp, 'PixelValueTransformationSequence')
            if pvt is not None and 'RescaleSlope' in pvt and 'RescaleIntercept' in pvt:
                r = (float(pvt.RescaleSlope), float(pvt.RescaleIntercept))
                break
        if r is None and 'RescaleSlope' in ds and 'RescaleIntercept' in ds:
            r = (float(ds.RescaleSlope), float(ds.RescaleIntercept))
        out.append(r)
    return out


def lut_values(ds, arr, frames):
    """pydicom apply_modality_lut, frame by frame with each frame's own rescale."""
    if ds.get('ModalityLUTSequence'):
        vals = apply_modality_lut(arr, ds)
        return vals, vals.dtype.name, None
    rescales = frame_rescales(ds, frames)
    if all(r is None or r == (1.0, 0.0) for r in rescales):
        return arr, arr.dtype.name, rescales
    per_frame = arr.reshape((frames, -1)).astype(np.float64)
    out = np.empty_like(per_frame)
    for f, r in enumerate(rescales):
        d = pydicom.Dataset()
        if r is not None:
            d.RescaleSlope, d.RescaleIntercept = r
        out[f] = apply_modality_lut(per_frame[f], d) if r is not None else per_frame[f]
    if all(r is None or (float(r[0]).is_integer() and float(r[1]).is_integer()) for r in rescales):
        lo, hi = out.min(), out.max()
        dtype = next((n for n, a, b in INT_TYPES if lo >= a and hi <= b), 'float64')
        return out, dtype, rescales
    return out.astype(np.float32), 'float32', rescales


def geometry(ds, frames):
    """Origin / spacing / direction as the reader must report them (LPS, direction columns)."""
    shared = first(ds, 'SharedFunctionalGroupsSequence')
    per = frame_items(ds)
    def attr(f, seq, name):
        for grp in ((per[f] if f < len(per) else None), shared):
            item = first(grp, seq)
            if item is not None and name in item:
                return [float(v) for v in item[name].value]
        return [float(v) for v in ds[name].value] if name in ds else None
    pos = [attr(f, 'PlanePositionSequence', 'ImagePositionPatient') for f in range(frames)]
    iop = attr(0, 'PlaneOrientationSequence', 'ImageOrientationPatient')
    ps = attr(0, 'PixelMeasuresSequence', 'PixelSpacing')
    if any(p is None for p in pos) or iop is None or ps is None:
        return None
    if 'GridFrameOffsetVector' in ds and frames > 1:
        offs = [float(v) for v in ds.GridFrameOffsetVector]
        n0 = np.cross(iop[:3], iop[3:])
        pos = [list(np.array(pos[0]) + (o - offs[0]) * n0) for o in offs]
    row, col = np.array(iop[:3]), np.array(iop[3:])
    row, col = row / np.linalg.norm(row), col / np.linalg.norm(col)
    normal = np.cross(row, col); normal /= np.linalg.norm(normal)
    span = np.array(pos[-1]) - np.array(pos[0])
    if frames > 1 and np.linalg.norm(span) > 1e-3:
        kdir = span / np.linalg.norm(span)
        kspace = float(np.linalg.norm(span) / (frames - 1))
    elif frames > 1:
        # Frames at one position (cine): not a stack; the reader places frame 1 and counts frames.
        kdir, kspace = normal, 1.0
    else:
        kdir, kspace = normal, None
    direction = np.stack([row, col, kdir], axis=1)  # columns = axes i, j, k
    return {'origin': [float(v) for v in pos[0]], 'spacing': [ps[1], ps[0], kspace], 'direction': direction.ravel().tolist()}


def reference_for(rel):
    path = os.path.join(FIX, rel)
    ds = pydicom.dcmread(path)
    src = pydicom.dcmread(os.path.join(FIX, HTJ2K_SOURCES[rel])) if rel in HTJ2K_SOURCES else ds
    arr = src.pixel_array
    ts = str(ds.file_meta.TransferSyntaxUID)
    photometric = str(ds.PhotometricInterpretation)
    spp = int(ds.SamplesPerPixel)
    if spp == 3 and photometric.startswith('YBR_FULL'):
        # pydicom 2.3 returns YBR_FULL(_422) samples as stored - also for JPEG baseline, where gdcm
        # and its pillow handler leave YCbCr unconverted - and documents convert_color_space as the
        # way to RGB. The reader returns RGB, so that is the reference.
        arr = convert_color_space(arr, 'YBR_FULL', 'RGB')
    frames = int(ds.get('NumberOfFrames', 1) or 1)
    raw_dtype = arr.dtype.name
    wc, ww = ds.get('WindowCenter'), ds.get('WindowWidth')
    first_value = lambda v: float(v[0]) if isinstance(v, pydicom.multival.MultiValue) else float(v)
    entry = {
        'file': rel, 'transferSyntax': ts, 'photometric': photometric, 'modality': str(ds.get('Modality', 'OT')),
        'seriesInstanceUid': str(ds.get('SeriesInstanceUID', '')) or None,
        'window': {'center': first_value(wc), 'width': first_value(ww)} if wc is not None and ww is not None else None,
        'size': [int(ds.Columns), int(ds.Rows), frames], 'components': spp, 'bitsStored': int(ds.BitsStored),
        'raw': {'dtype': raw_dtype, **summary(arr)},
        'decoder': 'pydicom ' + pydicom.__version__ + (' (lossless source file ' + HTJ2K_SOURCES[rel] + ')' if rel in HTJ2K_SOURCES else ''),
    }
    if spp == 1:
        vals, dtype, rescales = lut_values(ds, arr, frames)
        entry['lut'] = {'dtype': dtype, **summary(vals)}
        entry['rescales'] = rescales
    entry['geometry'] = geometry(ds, frames)
    return entry


# Single files whose geometry is also checked against dcm2niix (independent of pydicom and of us).
DCM2NIIX_FILES = ['CT_small.dcm', 'generated/enhanced_ct_5frames.dcm', 'generated/int16_bits12_signed_implicit.dcm']


def dcm2niix_corners(paths, with_values=True):
    """Corner voxels of dcm2niix's NIfTI in LPS world mm (and their values)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'in')
        os.makedirs(src)
        for p in paths:
            shutil.copy(p, src)
        subprocess.run(['dcm2niix', '-z', 'n', '-f', 'vol', '-o', tmp, src], check=True, stdout=subprocess.DEVNULL)
        img = nib.load(os.path.join(tmp, 'vol.nii'))
        aff = img.affine.copy()
        aff[:2, :] *= -1  # RAS -> LPS
        data = np.asanyarray(img.dataobj) * 1.0
        slope, inter = img.header.get_slope_inter()
        data = data * (slope if slope is not None and np.isfinite(slope) else 1.0) + (inter if inter is not None and np.isfinite(inter) else 0.0)
        corners = []
        for i in (0, data.shape[0] - 1):
            for j in (0, data.shape[1] - 1):
                for k in (0, data.shape[2] - 1):
                    c = {'world': (aff @ [i, j, k, 1])[:3].tolist()}
                    if with_values:
                        c['value'] = float(data[i, j, k])
                    corners.append(c)
        return {'corners': corners, 'voxelSizes': [float(v) for v in img.header.get_zooms()[:3]], 'version': 'dcm2niix v1.0.20220720 (Debian 12)'}


def series_reference(folder):
    files = sorted(glob.glob(os.path.join(folder, '*.dcm')))
    dss = [pydicom.dcmread(f) for f in files]
    iop = np.array([float(v) for v in dss[0].ImageOrientationPatient])
    row, col = iop[:3] / np.linalg.norm(iop[:3]), iop[3:] / np.linalg.norm(iop[3:])
    normal = np.cross(row, col)
    order = sorted(range(len(dss)), key=lambda i: float(np.array(dss[i].ImagePositionPatient, dtype=float) @ normal))
    vol = np.stack([apply_modality_lut(dss[i].pixel_array, dss[i]) for i in order])
    pos = [np.array(dss[i].ImagePositionPatient, dtype=float) for i in order]
    steps = [float((pos[k + 1] - pos[k]) @ normal) for k in range(len(pos) - 1)]
    ps = [float(v) for v in dss[0].PixelSpacing]
    lo, hi = vol.min(), vol.max()
    dtype = next((n for n, a, b in INT_TYPES if lo >= a and hi <= b), 'float64')
    ref = {
        'folder': os.path.relpath(folder, FIX), 'fileOrder': [os.path.basename(files[i]) for i in order],
        'size': [int(dss[0].Columns), int(dss[0].Rows), len(dss)], 'dtype': dtype, 'values': summary(vol),
        'pydicom': {'origin': pos[0].tolist(), 'spacing': [ps[1], ps[0], float(np.mean(steps))],
                    'direction': np.stack([row, col, normal], axis=1).ravel().tolist()},
    }
    # Independent check of the geometry with dcm2niix -> NIfTI -> nibabel (RAS -> LPS).
    ref['dcm2niix'] = dcm2niix_corners(files)
    return ref


def main():
    rels = [os.path.relpath(p, FIX) for p in sorted(glob.glob(os.path.join(FIX, '*.dcm')) + glob.glob(os.path.join(FIX, 'generated', '*.dcm')))]
    files = []
    for rel in rels:
        if rel in EXPECTED_ERRORS:
            files.append({'file': rel, 'error': EXPECTED_ERRORS[rel]})
            continue
        entry = reference_for(rel)
        if rel in DCM2NIIX_FILES:
            # Values are not compared: dcm2niix cannot store per-frame rescales in one NIfTI.
            entry['dcm2niix'] = dcm2niix_corners([os.path.join(FIX, rel)], with_values=False)
        files.append(entry)
    series = [series_reference(os.path.join(FIX, 'series-oblique'))]
    with open(os.path.join(FIX, 'reference.json'), 'w') as fh:
        json.dump({'generator': 'scripts/reference/dicom/compute-reference.py', 'pydicom': pydicom.__version__, 'files': files, 'series': series}, fh, indent=1)
        fh.write('\n')


if __name__ == '__main__':
    main()
