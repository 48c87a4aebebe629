/**
 * What a derived object (SEG, SR) needs of its source series, read with the SDK's own header
 * parser (readSliceHeader) and ordered exactly as readDicomSeries orders the volume's k axis:
 * by position along the slice normal (series-assemble.ts). Patient / study attributes are kept
 * as text for copying into the derived objects (DICOM requires them there); they never go into
 * errors or logs.
 */
import { InputError, UnsupportedError } from '../../core/errors.js';
import type { Vec3 } from '../../core/geometry.js';
import type { DataSet } from '../dicom/dataset.js';
import { computeSliceNormal } from '../dicom/frame-geometry.js';
import { DEFAULT_MAX_VOXELS } from '../dicom/pixel-module.js';
import { readString } from '../dicom/parse-header.js';
import { checkFileInputs, readSliceHeader, type DicomFileInput, type SliceHeader } from '../dicom/slice-header.js';
import { TAG } from '../dicom/tags.js';

/** Patient, General Study and Patient Study attributes copied into derived objects. */
export const COPIED_KEYWORDS = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  IssuerOfPatientID: 'x00100021',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  PatientAge: 'x00101010',
  PatientSize: 'x00101020',
  PatientWeight: 'x00101030',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  AccessionNumber: 'x00080050',
  ReferringPhysicianName: 'x00080090',
  StudyID: 'x00200010',
  StudyDescription: 'x00081030',
} as const;
export type CopiedKeyword = keyof typeof COPIED_KEYWORDS;

export interface DicomSourceInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** ImagePositionPatient (mm, LPS): centre of the first transmitted pixel. */
  readonly position: Vec3;
  /** ImageOrientationPatient: row cosine then column cosine. */
  readonly orientation: readonly number[];
  /** File name as given (for errors; never a patient identifier). */
  readonly name: string;
}

export interface DicomSourceSeries {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly modality: string;
  readonly seriesNumber: number | undefined;
  /** Patient / study module values as Unicode text (decoded with the source's character set). */
  readonly attributes: Readonly<Partial<Record<CopiedKeyword, string>>>;
  readonly rows: number;
  readonly columns: number;
  /** PixelSpacing: [between rows, between columns] in mm. */
  readonly pixelSpacing: readonly [number, number];
  /** SliceThickness when the source states it. */
  readonly sliceThickness: number | undefined;
  /** One entry per slice, in the order of the volume's k axis (readDicomSeries order). */
  readonly instances: readonly DicomSourceInstance[];
}

/** Decodes a text value per SpecificCharacterSet; refuses character sets it cannot decode exactly. */
function textDecoderFor(ds: DataSet, file: string): (bytes: Uint8Array) => string {
  const charset = (readString(ds, 'x00080005') ?? '').split('\\').map((s) => s.trim()).filter((s) => s !== '');
  const single = charset.length === 0 ? 'ISO_IR 6' : charset.length === 1 ? charset[0]! : 'multi';
  if (single === 'ISO_IR 6' || single === 'ISO_IR 100' || single === 'ISO 2022 IR 6' || single === 'ISO 2022 IR 100') {
    // Latin-1 decoding of ASCII / ISO 8859-1 bytes is exact.
    return (bytes) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
  }
  if (single === 'ISO_IR 192') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    return (bytes) => decoder.decode(bytes);
  }
  throw new UnsupportedError(`${file}: SpecificCharacterSet '${charset.join('\\')}' is not supported for derived objects (ISO_IR 6, 100 and 192 are)`, { file, cause: 'character-set' });
}

function readCopied(ds: DataSet, file: string): Partial<Record<CopiedKeyword, string>> {
  const decode = textDecoderFor(ds, file);
  const out: Partial<Record<CopiedKeyword, string>> = {};
  for (const [keyword, tag] of Object.entries(COPIED_KEYWORDS) as [CopiedKeyword, string][]) {
    const el = ds.elements[tag];
    if (el === undefined || el.length === 0) continue;
    const raw = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const text = decode(raw).replace(/[\0 ]+$/, '').replace(/^ +/, '');
    if (text !== '') out[keyword] = text;
  }
  return out;
}

function required(h: SliceHeader, value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new InputError(`${h.name}: source has no ${what}; derived objects cannot reference it`, { file: h.name, cause: 'missing-uid', field: what });
  return value;
}

/**
 * Describes a single-frame source series (the input a segmentation ran on). The files must form
 * one series on one grid, as readDicomSeries requires.
 */
export function describeDicomSource(files: readonly DicomFileInput[]): DicomSourceSeries {
  checkFileInputs(files);
  if (files.length === 0) throw new InputError('describeDicomSource: no files given', { file: 'series', cause: 'empty-series' });
  const headers = files.map((f) => readSliceHeader(f, DEFAULT_MAX_VOXELS));
  const first = headers[0]!;
  const label = headers.length === 1 ? first.name : `${first.name} (+${headers.length - 1} files)`;
  for (const h of headers) {
    if (h.pm.frames > 1) throw new UnsupportedError(`${h.name}: multi-frame source objects are not supported for derived SEG / SR (single-frame series only)`, { file: h.name, cause: 'multi-frame-source' });
    if (h.frame.position === undefined || h.frame.orientation === undefined) throw new InputError(`${h.name}: no ImagePositionPatient / ImageOrientationPatient; a derived object cannot be placed`, { file: h.name, cause: 'no-position' });
    if (h.seriesInstanceUid !== first.seriesInstanceUid) throw new InputError(`${label}: files belong to more than one series`, { file: label, cause: 'several-series' });
    if (h.pm.rows !== first.pm.rows || h.pm.columns !== first.pm.columns) throw new InputError(`${label}: ${h.name} has another image size`, { file: h.name, cause: 'mixed-size' });
  }
  const normal = computeSliceNormal(first.frame.orientation!);
  const depth = (p: Vec3): number => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  const sorted = [...headers].sort((a, b) => depth(a.frame.position!) - depth(b.frame.position!));
  const ds = first.parsed.dataSet;
  const spacing = first.frame.pixelSpacing;
  if (spacing === undefined) throw new InputError(`${first.name}: no PixelSpacing; a segmentation cannot state its pixel measures`, { file: first.name, cause: 'no-pixel-spacing' });
  return {
    studyInstanceUid: required(first, readString(ds, TAG.studyInstanceUid), 'StudyInstanceUID'),
    seriesInstanceUid: required(first, first.seriesInstanceUid, 'SeriesInstanceUID'),
    frameOfReferenceUid: required(first, first.frameOfReferenceUid, 'FrameOfReferenceUID'),
    modality: first.modality,
    seriesNumber: first.seriesNumber,
    attributes: readCopied(ds, first.name),
    rows: first.pm.rows,
    columns: first.pm.columns,
    pixelSpacing: spacing,
    sliceThickness: first.frame.sliceThickness,
    instances: sorted.map((h) => ({
      sopClassUid: required(h, readString(h.parsed.dataSet, TAG.sopClassUid), 'SOPClassUID'),
      sopInstanceUid: required(h, readString(h.parsed.dataSet, TAG.sopInstanceUid), 'SOPInstanceUID'),
      position: h.frame.position!,
      orientation: h.frame.orientation!,
      name: h.name,
    })),
  };
}
