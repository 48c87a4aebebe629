/**
 * The DICOM JSON model (PS3.18 F.2) as QIDO-RS and STOW-RS return it, read into small typed
 * results. Only the attributes the SDK needs are lifted out; `attributes` keeps the whole
 * dataset for callers who want more (it may hold patient attributes: never log it).
 */
import { DecodeError } from '../../core/errors.js';

export interface DicomJsonValue {
  readonly vr?: string;
  readonly Value?: readonly unknown[];
  readonly BulkDataURI?: string;
  readonly InlineBinary?: string;
}
export type DicomJsonDataset = Readonly<Record<string, DicomJsonValue>>;

export interface StudyResult {
  readonly studyInstanceUid: string;
  readonly studyDate?: string;
  readonly modalitiesInStudy: readonly string[];
  readonly numberOfSeries?: number;
  readonly attributes: DicomJsonDataset;
}

export interface SeriesResult {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly modality?: string;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
  readonly numberOfInstances?: number;
  readonly attributes: DicomJsonDataset;
}

export interface InstanceResult {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid?: string;
  readonly instanceNumber?: number;
  readonly attributes: DicomJsonDataset;
}

export const JSON_TAG = {
  studyDate: '00080020',
  modalitiesInStudy: '00080061',
  modality: '00080060',
  sopClassUid: '00080016',
  sopInstanceUid: '00080018',
  seriesDescription: '0008103E',
  studyInstanceUid: '0020000D',
  seriesInstanceUid: '0020000E',
  seriesNumber: '00200011',
  instanceNumber: '00200013',
  numberOfStudySeries: '00201206',
  numberOfSeriesInstances: '00201209',
  failedSopSequence: '00081198',
  referencedSopSequence: '00081199',
  referencedSopClassUid: '00081150',
  referencedSopInstanceUid: '00081155',
  failureReason: '00081197',
  warningReason: '00081196',
} as const;

export function jsonValues(ds: DicomJsonDataset, tag: string): readonly unknown[] {
  return ds[tag]?.Value ?? [];
}

export function jsonString(ds: DicomJsonDataset, tag: string): string | undefined {
  const v = jsonValues(ds, tag)[0];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function jsonNumber(ds: DicomJsonDataset, tag: string): number | undefined {
  const v = jsonValues(ds, tag)[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A JSON array of datasets (QIDO-RS answer), else DecodeError naming `where`. */
export function parseDatasetArray(text: string, where: string): DicomJsonDataset[] {
  let json: unknown;
  try {
    json = text.trim() === '' ? [] : JSON.parse(text);
  } catch {
    throw new DecodeError(`${where}: response is not JSON`, { file: where, cause: 'json' });
  }
  if (!Array.isArray(json) || !json.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) {
    throw new DecodeError(`${where}: expected a JSON array of DICOM datasets`, { file: where, cause: 'json' });
  }
  return json as DicomJsonDataset[];
}

function required(ds: DicomJsonDataset, tag: string, name: string, where: string): string {
  const v = jsonString(ds, tag);
  if (v === undefined) throw new DecodeError(`${where}: a result has no ${name}`, { file: where, cause: 'missing-attribute', attribute: name });
  return v;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function toStudy(ds: DicomJsonDataset, where: string): StudyResult {
  return {
    studyInstanceUid: required(ds, JSON_TAG.studyInstanceUid, 'StudyInstanceUID', where),
    ...optional('studyDate', jsonString(ds, JSON_TAG.studyDate)),
    modalitiesInStudy: jsonValues(ds, JSON_TAG.modalitiesInStudy).filter((v): v is string => typeof v === 'string'),
    ...optional('numberOfSeries', jsonNumber(ds, JSON_TAG.numberOfStudySeries)),
    attributes: ds,
  };
}

export function toSeries(ds: DicomJsonDataset, where: string, study?: string): SeriesResult {
  return {
    // Some servers leave the study UID out of series-level answers of a study-scoped query.
    studyInstanceUid: jsonString(ds, JSON_TAG.studyInstanceUid) ?? study ?? required(ds, JSON_TAG.studyInstanceUid, 'StudyInstanceUID', where),
    seriesInstanceUid: required(ds, JSON_TAG.seriesInstanceUid, 'SeriesInstanceUID', where),
    ...optional('modality', jsonString(ds, JSON_TAG.modality)),
    ...optional('seriesNumber', jsonNumber(ds, JSON_TAG.seriesNumber)),
    ...optional('seriesDescription', jsonString(ds, JSON_TAG.seriesDescription)),
    ...optional('numberOfInstances', jsonNumber(ds, JSON_TAG.numberOfSeriesInstances)),
    attributes: ds,
  };
}

export function toInstance(ds: DicomJsonDataset, where: string, study?: string, series?: string): InstanceResult {
  return {
    studyInstanceUid: jsonString(ds, JSON_TAG.studyInstanceUid) ?? study ?? required(ds, JSON_TAG.studyInstanceUid, 'StudyInstanceUID', where),
    seriesInstanceUid: jsonString(ds, JSON_TAG.seriesInstanceUid) ?? series ?? required(ds, JSON_TAG.seriesInstanceUid, 'SeriesInstanceUID', where),
    sopInstanceUid: required(ds, JSON_TAG.sopInstanceUid, 'SOPInstanceUID', where),
    ...optional('sopClassUid', jsonString(ds, JSON_TAG.sopClassUid)),
    ...optional('instanceNumber', jsonNumber(ds, JSON_TAG.instanceNumber)),
    attributes: ds,
  };
}
