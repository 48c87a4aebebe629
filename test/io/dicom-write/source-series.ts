/**
 * A small deterministic CT series for the writer tests: 10 x 7 pixels (70 bits per SEG frame, so
 * frames do not start on byte boundaries), 6 slices, oblique orientation, files in a shuffled
 * order, ISO_IR 100 patient name with a non-ASCII letter.
 */
import { encodePart10 } from '../../../src/io/dicom-write/encode.js';

export const COLUMNS = 10;
export const ROWS = 7;
export const SLICES = 6;
export const STUDY_UID = '1.2.826.0.1.3680043.10.543.1';
export const SERIES_UID = '1.2.826.0.1.3680043.10.543.1.2';
export const FOR_UID = '1.2.826.0.1.3680043.10.543.1.3';
export const PATIENT_NAME = 'Müller^Anna';
export const PATIENT_ID = 'PID-7731';

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const a = (20 * Math.PI) / 180;
const b = (10 * Math.PI) / 180;
/** Row and column cosines: rotated 20 deg about z, then tilted 10 deg about the row. */
const ROW = [Math.cos(a), Math.sin(a), 0] as const;
const COL0 = [-Math.sin(a), Math.cos(a), 0] as const;
const COL = [COL0[0] * Math.cos(b), COL0[1] * Math.cos(b), Math.sin(b)] as const;
const NORMAL = [ROW[1] * COL[2] - ROW[2] * COL[1], ROW[2] * COL[0] - ROW[0] * COL[2], ROW[0] * COL[1] - ROW[1] * COL[0]] as const;
export const STEP_MM = 2.5;
export const ORIGIN = [-30.25, 12.5, 101.75] as const;

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function slicePosition(k: number): [number, number, number] {
  return [ORIGIN[0] + NORMAL[0] * STEP_MM * k, ORIGIN[1] + NORMAL[1] * STEP_MM * k, ORIGIN[2] + NORMAL[2] * STEP_MM * k];
}

/**
 * Patient (LPS) mm of the voxel centre (column c, row r, slice k; fractional allowed) straight from
 * the tags this file writes (PS3.3 C.7.6.2.1.1: position + row cosine x column spacing x c + column
 * cosine x row spacing x r), independent of the SDK's reader and geometry code.
 */
export function patientPosition(c: number, r: number, k: number): [number, number, number] {
  const p = slicePosition(k);
  return [0, 1, 2].map((a) => p[a]! + ROW[a]! * 0.75 * c + COL[a]! * 0.8 * r) as [number, number, number];
}

export function sopUid(k: number): string {
  return `${SERIES_UID}.${k + 1}`;
}

/** Files in a shuffled order (k = 3, 0, 5, 1, 4, 2), named so that name order is not slice order either. */
export function makeSourceSeries(): { name: string; bytes: Uint8Array }[] {
  const order = [3, 0, 5, 1, 4, 2];
  return order.map((k, n) => {
    const pixels = new Int16Array(COLUMNS * ROWS);
    for (let p = 0; p < pixels.length; p++) pixels[p] = ((p * 7 + k * 13) % 200) - 50;
    const bytes = encodePart10({
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      SOPClassUID: CT_IMAGE,
      SOPInstanceUID: sopUid(k),
      StudyDate: '20240102',
      StudyTime: '101500',
      AccessionNumber: 'ACC42',
      Modality: 'CT',
      Manufacturer: 'test',
      ReferringPhysicianName: latin1('Doe^Jöhn'),
      PatientName: latin1(PATIENT_NAME),
      PatientID: PATIENT_ID,
      PatientBirthDate: '19700101',
      PatientSex: 'F',
      SliceThickness: 2.5,
      StudyInstanceUID: STUDY_UID,
      SeriesInstanceUID: SERIES_UID,
      StudyID: 'S1',
      SeriesNumber: 4,
      InstanceNumber: n + 1,
      ImagePositionPatient: slicePosition(k),
      ImageOrientationPatient: [...ROW, ...COL],
      FrameOfReferenceUID: FOR_UID,
      PositionReferenceIndicator: null,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ROWS,
      Columns: COLUMNS,
      PixelSpacing: [0.8, 0.75],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 1,
      PixelData: new Uint8Array(pixels.buffer),
    });
    return { name: `img-${String(n).padStart(2, '0')}.dcm`, bytes };
  });
}

/** One chest radiograph (CR) without patient geometry: ImagerPixelSpacing only, as CR often is. */
export function makeRadiograph(): { name: string; bytes: Uint8Array } {
  const pixels = new Uint16Array(16 * 12).map((_, p) => p * 3);
  const bytes = encodePart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1',
    SOPInstanceUID: `${SERIES_UID}.90.1`,
    StudyDate: '20240102',
    StudyTime: '101500',
    AccessionNumber: 'ACC42',
    Modality: 'CR',
    Manufacturer: 'test',
    ReferringPhysicianName: null,
    PatientName: 'Roe^Jane',
    PatientID: PATIENT_ID,
    PatientBirthDate: null,
    PatientSex: 'F',
    ImagerPixelSpacing: [0.2, 0.25],
    StudyInstanceUID: STUDY_UID,
    SeriesInstanceUID: `${SERIES_UID}.90`,
    StudyID: 'S1',
    SeriesNumber: 90,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 12,
    Columns: 16,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelData: new Uint8Array(pixels.buffer),
  });
  return { name: 'cxr.dcm', bytes };
}
