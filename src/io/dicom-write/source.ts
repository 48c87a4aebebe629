/**
 * What a derived object (SEG, SR) needs of its source series, read with the SDK's own header
 * parser (readSliceHeader) and ordered exactly as readDicomSeries orders the volume's k axis:
 * by position along the slice normal (series-assemble.ts). Patient / study attributes are kept
 * as text for copying into the derived objects (DICOM requires them there); they never go into
 * errors or logs.
 */
import { DecodeError, InputError, UnsupportedError } from '../../core/errors.js';
import type { Vec3 } from '../../core/geometry.js';
import type { DataSet } from '../dicom/dataset.js';
import { computeSliceNormal } from '../dicom/frame-geometry.js';
import { DEFAULT_MAX_VOXELS } from '../dicom/limits.js';
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
  /** ImagePositionPatient (mm, LPS): centre of the first transmitted pixel; undefined for projection images (CR / DX without patient geometry). */
  readonly position: Vec3 | undefined;
  /** ImageOrientationPatient: row cosine then column cosine (undefined with position). */
  readonly orientation: readonly number[] | undefined;
  /** File name as given (for errors; never a patient identifier). */
  readonly name: string;
}

export interface DicomSourceSeries {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  /** Undefined for images without a patient frame (projection radiographs): SEG and SCOORD3D then cannot be written. */
  readonly frameOfReferenceUid: string | undefined;
  readonly modality: string;
  readonly seriesNumber: number | undefined;
  /** Patient / study module values as Unicode text (decoded with the source's character set). */
  readonly attributes: Readonly<Partial<Record<CopiedKeyword, string>>>;
  readonly rows: number;
  readonly columns: number;
  /** PixelSpacing: [between rows, between columns] in mm (patient plane); undefined when not stated (ImagerPixelSpacing is not used). */
  readonly pixelSpacing: readonly [number, number] | undefined;
  /** SliceThickness when the source states it. */
  readonly sliceThickness: number | undefined;
  /**
   * One entry per slice, in the order of the volume's k axis (readDicomSeries order: along the
   * slice normal; a single file has one entry).
   */
  readonly instances: readonly DicomSourceInstance[];
}

/** Decodes a text value per SpecificCharacterSet; refuses character sets it cannot decode exactly. */
function textDecoderFor(ds: DataSet, file: string): (bytes: Uint8Array) => string {
  const charset = (readString(ds, 'x00080005') ?? '')
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const single = charset.length === 0 ? 'ISO_IR 6' : charset.length === 1 ? charset[0]! : 'multi';
  if (single === 'ISO_IR 6' || single === 'ISO_IR 100' || single === 'ISO 2022 IR 6' || single === 'ISO 2022 IR 100') {
    // Latin-1 decoding of ASCII / ISO 8859-1 bytes is exact.
    return (bytes) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
  }
  if (single === 'ISO_IR 192') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    return (bytes) => {
      try {
        return decoder.decode(bytes);
      } catch (err) {
        // The value itself may be a patient identifier: it stays out of the message.
        throw new DecodeError(
          `${file}: a patient / study text value is not valid UTF-8 although SpecificCharacterSet is ISO_IR 192`,
          { file, cause: 'character-set' },
          { cause: err },
        );
      }
    };
  }
  throw new UnsupportedError(`${file}: SpecificCharacterSet '${charset.join('\\')}' is not supported for derived objects (ISO_IR 6, 100 and 192 are)`, {
    file,
    cause: 'character-set',
  });
}

function readCopied(ds: DataSet, file: string): Partial<Record<CopiedKeyword, string>> {
  const decode = textDecoderFor(ds, file);
  const out: Partial<Record<CopiedKeyword, string>> = {};
  for (const [keyword, tag] of Object.entries(COPIED_KEYWORDS) as [CopiedKeyword, string][]) {
    const el = ds.elements[tag];
    if (el === undefined || el.length === 0) continue;
    const raw = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const text = decode(raw)
      .replace(/[\0 ]+$/, '')
      .replace(/^ +/, '');
    if (text !== '') out[keyword] = text;
  }
  return out;
}

function required(h: SliceHeader, value: string | undefined, what: string): string {
  if (value === undefined || value === '')
    throw new InputError(`${h.name}: source has no ${what}; derived objects cannot reference it`, { file: h.name, cause: 'missing-uid', field: what });
  return value;
}

/**
 * Describes a single-frame source series (the input a model ran on): the files must form one
 * series on one grid, as readDicomSeries requires. A single file may lack patient geometry
 * (projection radiographs); SEG and 3D coordinates then refuse it (requirePatientFrame).
 */
export function describeDicomSource(files: readonly DicomFileInput[]): DicomSourceSeries {
  checkFileInputs(files);
  if (files.length === 0) throw new InputError('describeDicomSource: no files given', { file: 'series', cause: 'empty-series' });
  const headers = files.map((f) => readSliceHeader(f, DEFAULT_MAX_VOXELS));
  const first = headers[0]!;
  const label = headers.length === 1 ? first.name : `${first.name} (+${headers.length - 1} files)`;
  for (const h of headers) {
    if (h.pm.frames > 1)
      throw new UnsupportedError(`${h.name}: multi-frame source objects are not supported for derived SEG / SR (single-frame images only)`, {
        file: h.name,
        cause: 'multi-frame-source',
      });
    if (headers.length > 1 && (h.frame.position === undefined || h.frame.orientation === undefined))
      throw new InputError(`${h.name}: no ImagePositionPatient / ImageOrientationPatient; slices cannot be ordered`, { file: h.name, cause: 'no-position' });
    if (h.seriesInstanceUid !== first.seriesInstanceUid)
      throw new InputError(`${label}: files belong to more than one series`, { file: label, cause: 'several-series' });
    if (h.pm.rows !== first.pm.rows || h.pm.columns !== first.pm.columns)
      throw new InputError(`${label}: ${h.name} has another image size`, { file: h.name, cause: 'mixed-size' });
  }
  let sorted = headers;
  if (headers.length > 1) {
    const normal = computeSliceNormal(first.frame.orientation!);
    const depth = (p: Vec3): number => p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
    sorted = [...headers].sort((a, b) => depth(a.frame.position!) - depth(b.frame.position!));
  }
  const ds = first.parsed.dataSet;
  // Only PixelSpacing: ImagerPixelSpacing is measured at the detector, so millimetres from it
  // would be off by the geometric magnification (PS3.3 10.7.1.3).
  const spacing = first.frame.pixelSpacing;
  return {
    studyInstanceUid: required(first, readString(ds, TAG.studyInstanceUid), 'StudyInstanceUID'),
    seriesInstanceUid: required(first, first.seriesInstanceUid, 'SeriesInstanceUID'),
    frameOfReferenceUid: first.frameOfReferenceUid,
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
      position: h.frame.position,
      orientation: h.frame.orientation,
      name: h.name,
    })),
  };
}

/** The source's placement, required by SEG and SCOORD3D; InputError naming the file otherwise. */
export function requirePatientFrame(
  source: DicomSourceSeries,
  what: string,
): { frameOfReferenceUid: string; pixelSpacing: readonly [number, number]; positions: Vec3[]; orientations: (readonly number[])[] } {
  const first = source.instances[0]!;
  const missing =
    source.frameOfReferenceUid === undefined
      ? 'FrameOfReferenceUID'
      : source.pixelSpacing === undefined
        ? 'PixelSpacing'
        : source.instances.some((i) => i.position === undefined || i.orientation === undefined)
          ? 'ImagePositionPatient / ImageOrientationPatient'
          : undefined;
  if (missing !== undefined)
    throw new InputError(`${first.name}: source has no ${missing}; ${what} needs the patient frame of reference`, {
      file: first.name,
      cause: 'no-patient-frame',
      field: missing,
    });
  return {
    frameOfReferenceUid: source.frameOfReferenceUid!,
    pixelSpacing: source.pixelSpacing!,
    positions: source.instances.map((i) => i.position!),
    orientations: source.instances.map((i) => i.orientation!),
  };
}
