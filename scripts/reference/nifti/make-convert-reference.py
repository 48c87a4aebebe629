#!/usr/bin/python3
"""Fixtures and dcm2niix reference outputs for `medinfer convert` tests (test/cli/inspect-convert.test.ts).

    /usr/bin/python3 scripts/reference/nifti/make-convert-reference.py

1. Writes a small sagittal MR series with pydicom into test/fixtures/convert/mr-sagittal/: uint16
   (12 bits stored), no rescale, file names shuffled against slice order, and *fake* patient
   identifiers (used to test that they never leak without --show-phi).
2. Runs dcm2niix on that series, on the oblique CT series the DICOM reader's fixtures hold
   (test/fixtures/dicom/series-oblique, shuffled names) and on CT_small.dcm, and commits the NIfTI
   it writes to test/fixtures/convert/dcm2niix/ (the tests compare in world space, no Python).
"""
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'convert')
MR_STORAGE = '1.2.840.10008.5.1.4.1.1.4'
PREFIX = '1.2.826.0.1.3680043.10.1234.77.'


def write_mr_series(folder):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    rows, cols, n = 20, 16, 9
    series_uid = PREFIX + '1'
    perm = np.random.default_rng(3).permutation(n)
    y, x = np.mgrid[0:rows, 0:cols]
    for k in range(n):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = MR_STORAGE
        meta.MediaStorageSOPInstanceUID = PREFIX + f'2.{k}'
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = PREFIX + '9'
        ds = Dataset()
        ds.file_meta = meta
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID, ds.SOPInstanceUID = MR_STORAGE, meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID, ds.PatientBirthDate = 'Doe^Jane', 'PHI-SECRET-42', '19700101'
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = PREFIX + '3', series_uid, PREFIX + '4'
        ds.Modality, ds.SeriesNumber, ds.InstanceNumber = 'MR', 5, k + 1
        ds.StudyDate, ds.SeriesDate, ds.AcquisitionTime = '20240101', '20240101', '120000'
        # Sagittal: rows run anterior->posterior (+y), columns head->feet (-z); slices step along +x (left).
        ds.ImageOrientationPatient = ['0', '1', '0', '0', '0', '-1']
        ds.ImagePositionPatient = [f'{-12.0 + 3.3 * k:.4f}', '-40.5', '62.25']
        ds.PixelSpacing = ['1.1', '0.9']  # row spacing (along j), column spacing (along i)
        ds.SliceThickness = '3.3'
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        img = ((x * 97 + y * 131 + k * 509) % 4096).astype(np.uint16)
        ds.PixelData = img.tobytes()
        ds.save_as(os.path.join(folder, f'slice-{perm[k]:02d}.dcm'), write_like_original=False)


def dcm2niix(src, name, single=False):
    dest = os.path.join(OUT, 'dcm2niix')
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        args = ['dcm2niix', '-z', 'y', '-b', 'n', '-f', name, '-o', tmp]
        if single:
            args += ['-s', 'y']
        subprocess.run(args + [src], check=True, stdout=subprocess.DEVNULL)
        made = [f for f in os.listdir(tmp) if f.endswith('.nii.gz')]
        assert made == [f'{name}.nii.gz'], made
        shutil.copy(os.path.join(tmp, made[0]), os.path.join(dest, made[0]))


def main():
    write_mr_series(os.path.join(OUT, 'mr-sagittal'))
    dcm2niix(os.path.join(OUT, 'mr-sagittal'), 'mr-sagittal')
    dcm2niix(os.path.join(ROOT, 'test', 'fixtures', 'dicom', 'series-oblique'), 'series-oblique')
    dcm2niix(os.path.join(ROOT, 'test', 'fixtures', 'dicom', 'CT_small.dcm'), 'ct-small', single=True)
    version = subprocess.run(['dcm2niix', '-v'], capture_output=True, text=True).stdout.strip().splitlines()
    with open(os.path.join(OUT, 'dcm2niix', 'VERSION.txt'), 'w') as f:
        f.write((version[-1] if version else 'dcm2niix') + '\n')
    print('convert fixtures written to', OUT)


if __name__ == '__main__':
    main()
