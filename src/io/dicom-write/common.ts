/**
 * Modules every derived object shares: SOP Common, Patient + General Study (copied from the
 * source so the object files into the same patient and study), General Series, and Enhanced
 * General Equipment naming medinfer. Also the UID policy (uids.ts) as options.
 * Text is written as UTF-8 with SpecificCharacterSet ISO_IR 192: copied values were decoded
 * with the source's own character set (source.ts), so names survive exactly.
 */
import { UsageError } from '../../core/errors.js';
import { SDK_VERSION } from '../../version.js';
import type { DicomItem } from './encode.js';
import type { CopiedKeyword, DicomSourceSeries } from './source.js';
import { createRandomUid, deriveUid, DEFAULT_UID_ROOT } from './uids.js';

export interface AlgorithmIdentity {
  /** The model id (SegmentAlgorithmName / Device Observer Name). */
  readonly name: string;
  /** The model's sha256 (AlgorithmVersion). */
  readonly version: string;
}

export interface InstanceUidOptions {
  /** UID root for new UIDs (default '2.25', see uids.ts). */
  readonly uidRoot?: string;
  /** Explicit Series and SOP Instance UIDs (e.g. to replace an earlier object). */
  readonly instanceUids?: { readonly series: string; readonly sop: string };
  /**
   * Derive the UIDs from the inputs instead of drawing random ones, so writing the same result
   * again gives the same UIDs (a PACS then replaces, not duplicates): true uses the source series
   * UID, the object kind and the algorithm name + version; a string is mixed in as well (e.g. a
   * hash of the input files or of the result).
   */
  readonly deterministicUids?: boolean | string;
  /** Content / series / instance creation date and time (default: now). */
  readonly now?: Date;
}

export interface ResolvedUids {
  readonly series: string;
  readonly sop: string;
  /** Another UID of this object (dimension organisation, tracking UIDs): derived from the SOP UID. */
  derive(purpose: string): string;
}

export function resolveInstanceUids(options: InstanceUidOptions, source: DicomSourceSeries, kind: 'seg' | 'sr', algorithm: AlgorithmIdentity): ResolvedUids {
  const root = options.uidRoot ?? DEFAULT_UID_ROOT;
  let series: string;
  let sop: string;
  if (options.instanceUids !== undefined) {
    series = options.instanceUids.series;
    sop = options.instanceUids.sop;
  } else if (options.deterministicUids !== undefined && options.deterministicUids !== false) {
    const extra = typeof options.deterministicUids === 'string' ? options.deterministicUids : '';
    const seed = `medinfer/${kind}/${source.seriesInstanceUid}/${algorithm.name}/${algorithm.version}/${extra}`;
    series = deriveUid(`${seed}/series`, root);
    sop = deriveUid(`${seed}/sop`, root);
  } else {
    series = createRandomUid(root);
    sop = createRandomUid(root);
  }
  return { series, sop, derive: (purpose) => deriveUid(`${sop}/${purpose}`, root) };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** DA and TM of a moment, in UTC (the writer has no better notion of the site's local time). */
export function dicomDateTime(now: Date): { date: string; time: string } {
  return {
    date: `${now.getUTCFullYear()}${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}`,
    time: `${pad2(now.getUTCHours())}${pad2(now.getUTCMinutes())}${pad2(now.getUTCSeconds())}`,
  };
}

/**
 * Patient and General Study attributes copied from the source, in the order written, with their
 * type in those modules: type 2 is written empty (null) when the source lacks it, type 3 is left out.
 */
type CopiedAttributes = Readonly<Partial<Record<CopiedKeyword, 2 | 3>>>;
const PATIENT_MODULE: CopiedAttributes = {
  PatientName: 2,
  PatientID: 2,
  IssuerOfPatientID: 3,
  PatientBirthDate: 2,
  PatientSex: 2,
  PatientAge: 3,
  PatientSize: 3,
  PatientWeight: 3,
};
const STUDY_MODULE: CopiedAttributes = { StudyDate: 2, StudyTime: 2, ReferringPhysicianName: 2, StudyID: 2, AccessionNumber: 2, StudyDescription: 3 };

function copyFromSource(attributes: DicomSourceSeries['attributes'], module: CopiedAttributes): DicomItem {
  const item: Record<string, string | null | undefined> = {};
  for (const [keyword, type] of Object.entries(module) as [CopiedKeyword, 2 | 3][])
    item[keyword] = type === 2 ? (attributes[keyword] ?? null) : attributes[keyword];
  return item;
}

export function commonModules(
  source: DicomSourceSeries,
  uids: ResolvedUids,
  series: { sopClassUid: string; modality: string; seriesNumber: number; seriesDescription: string; now?: Date },
): DicomItem {
  const a = source.attributes;
  const { date, time } = dicomDateTime(series.now ?? new Date());
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: series.sopClassUid,
    SOPInstanceUID: uids.sop,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ...copyFromSource(a, PATIENT_MODULE),
    // General Study module.
    StudyInstanceUID: source.studyInstanceUid,
    ...copyFromSource(a, STUDY_MODULE),
    // General Series module.
    Modality: series.modality,
    SeriesInstanceUID: uids.series,
    SeriesNumber: series.seriesNumber,
    SeriesDescription: series.seriesDescription.slice(0, 64),
    SeriesDate: date,
    SeriesTime: time,
    ContentDate: date,
    ContentTime: time,
  };
}

export function equipmentModule(algorithm: AlgorithmIdentity): DicomItem {
  return {
    Manufacturer: 'medinfer',
    ManufacturerModelName: algorithm.name.slice(0, 64),
    DeviceSerialNumber: SDK_VERSION,
    SoftwareVersions: [`medinfer ${SDK_VERSION}`, algorithm.version.slice(0, 64)],
  };
}

/**
 * A person name for a PN element in DICOM's 'Family^Given^Middle^Prefix^Suffix' form (one
 * alphabetic group, at most 5 components, 64 characters, no backslash or control characters).
 * 'Doe^Jane' is right; 'Jane Doe' would put the whole name in the family component and is
 * refused, since viewers would show it wrongly. The name itself is not echoed in the error.
 */
export function checkPersonName(name: string, field: string): string {
  const components = name.split('^');
  // eslint-disable-next-line no-control-regex
  const bad = name.length > 64 || components.length > 5 || /[\\=\u0000-\u001f]/.test(name) || (components.length === 1 && /\s/.test(name.trim()));
  if (bad)
    throw new UsageError(`${field} must be a DICOM person name 'Family^Given' (at most 5 '^'-separated components, 64 characters, no '\\' or '=')`, { field });
  return name;
}
