/**
 * Header summaries for `medinfer inspect` and logs, de-identified by default: every attribute of
 * the PS3.15 Basic Application Level Confidentiality Profile (patient, physician and operator
 * names, institution, accession number, descriptions, dates, UIDs other than the series and frame
 * of reference ones), private attributes and the Patient group are left out unless the caller
 * passes { showPhi: true } explicitly (phi-attributes.ts decides, from the profile's table).
 */
import { UsageError } from '../../core/errors.js';
import { STRING_VRS, type DataSet, type Element } from './dataset.js';
import { maxInflatedBytesFor, parseDicomBytes, readNumbers, readString, readUint16, type ParseDicomOptions } from './parse-header.js';
import { checkCodecDepth, listSupportedTransferSyntaxes, type TransferSyntaxInfo } from './transfer-syntax.js';
import { PHI_TAG, TAG } from './tags.js';
import { isIdentifyingTag } from './phi-attributes.js';
import { isMosaic } from './mosaic.js';

export interface DicomHeaderOptions {
  /** File label for errors and the summary. Default 'memory'. */
  name?: string;
  /**
   * Include identifying attributes (the confidentiality profile's, private ones, the Patient
   * group). Default false; only for a user looking at their own data. (`showPhi` is the same
   * switch under its earlier name.)
   */
  phi?: boolean;
  /** Same as `phi`. */
  showPhi?: boolean;
  /** Bounds what a deflated dataset may inflate to (see maxInflatedBytesFor). Default 2^28. */
  maxVoxels?: number;
}

export interface DicomHeaderSummary {
  file: string;
  transferSyntax: { uid: string; name: string; supported: boolean };
  sopClassUid?: string;
  modality: string;
  /** Present only with showPhi: true (a confidentiality-profile UID the SDK does not need). */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  rows?: number;
  columns?: number;
  frames: number;
  samplesPerPixel?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  photometric?: string;
  pixelSpacing?: number[];
  imagePositionPatient?: number[];
  imageOrientationPatient?: number[];
  sliceThickness?: number;
  rescale?: { slope: number; intercept: number };
  window?: { center: number; width: number };
  manufacturer?: string;
  mosaic: boolean;
  enhancedMultiFrame: boolean;
  hasPixelData: boolean;
  /** Present only with showPhi: true. */
  patient?: { name?: string; id?: string; birthDate?: string };
}

function check(options: DicomHeaderOptions | undefined): { name: string; showPhi: boolean; parse: ParseDicomOptions } {
  const name = options?.name ?? 'memory';
  if (typeof name !== 'string') throw new UsageError('option name must be a string', { field: 'name' });
  const showPhi = options?.phi ?? options?.showPhi ?? false;
  if (typeof showPhi !== 'boolean') throw new UsageError('option phi must be a boolean', { field: options?.phi !== undefined ? 'phi' : 'showPhi' });
  const maxVoxels = options?.maxVoxels;
  if (maxVoxels !== undefined && !(typeof maxVoxels === 'number' && maxVoxels >= 1))
    throw new UsageError(`option maxVoxels must be a number >= 1, got ${String(maxVoxels)}`, { field: 'maxVoxels' });
  return { name, showPhi, parse: maxVoxels === undefined ? {} : { maxInflatedBytes: maxInflatedBytesFor(maxVoxels) } };
}

function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

function isDecodableDepth(ts: TransferSyntaxInfo, bitsStored: number): boolean {
  try {
    checkCodecDepth(ts, bitsStored, '');
    return true;
  } catch {
    return false;
  }
}

export function summarizeDicomHeader(bytes: Uint8Array, options?: DicomHeaderOptions): DicomHeaderSummary {
  const { name, showPhi, parse } = check(options);
  const { dataSet: ds, transferSyntaxUid } = parseDicomBytes(bytes, name, parse);
  const ts = listSupportedTransferSyntaxes().find((t) => t.uid === transferSyntaxUid);
  const frames = Number(readString(ds, TAG.numberOfFrames) ?? '1');
  const out: DicomHeaderSummary = {
    file: name,
    transferSyntax: {
      uid: transferSyntaxUid,
      name: ts?.name ?? 'unknown',
      supported: ts !== undefined && isDecodableDepth(ts, readUint16(ds, TAG.bitsStored) ?? 8),
    },
    modality: readString(ds, TAG.modality) ?? 'OT',
    frames: Number.isFinite(frames) ? frames : 1,
    mosaic: isMosaic(ds),
    enhancedMultiFrame: ds.elements[TAG.perFrameFunctionalGroups] !== undefined,
    hasPixelData: ds.elements[TAG.pixelData] !== undefined,
  };
  assign(out, 'sopClassUid', readString(ds, TAG.sopClassUid));
  // Study Instance UID is a profile 'U' attribute the SDK does not need: only with showPhi.
  if (showPhi) assign(out, 'studyInstanceUid', readString(ds, TAG.studyInstanceUid));
  assign(out, 'seriesInstanceUid', readString(ds, TAG.seriesInstanceUid));
  assign(out, 'seriesNumber', readNumbers(ds, TAG.seriesNumber)?.[0]);
  assign(out, 'instanceNumber', readNumbers(ds, TAG.instanceNumber)?.[0]);
  assign(out, 'rows', readUint16(ds, TAG.rows));
  assign(out, 'columns', readUint16(ds, TAG.columns));
  assign(out, 'samplesPerPixel', readUint16(ds, TAG.samplesPerPixel));
  assign(out, 'bitsAllocated', readUint16(ds, TAG.bitsAllocated));
  assign(out, 'bitsStored', readUint16(ds, TAG.bitsStored));
  assign(out, 'pixelRepresentation', readUint16(ds, TAG.pixelRepresentation));
  assign(out, 'photometric', readString(ds, TAG.photometric));
  assign(out, 'pixelSpacing', readNumbers(ds, TAG.pixelSpacing));
  assign(out, 'imagePositionPatient', readNumbers(ds, TAG.imagePositionPatient));
  assign(out, 'imageOrientationPatient', readNumbers(ds, TAG.imageOrientationPatient));
  assign(out, 'sliceThickness', readNumbers(ds, TAG.sliceThickness)?.[0]);
  assign(out, 'manufacturer', readString(ds, TAG.manufacturer));
  const slope = readNumbers(ds, TAG.rescaleSlope)?.[0];
  const intercept = readNumbers(ds, TAG.rescaleIntercept)?.[0];
  if (slope !== undefined && intercept !== undefined) out.rescale = { slope, intercept };
  const center = readNumbers(ds, TAG.windowCenter)?.[0];
  const width = readNumbers(ds, TAG.windowWidth)?.[0];
  if (center !== undefined && width !== undefined) out.window = { center, width };
  if (showPhi) {
    const patient: { name?: string; id?: string; birthDate?: string } = {};
    assign(patient, 'name', readString(ds, PHI_TAG.patientName));
    assign(patient, 'id', readString(ds, PHI_TAG.patientId));
    assign(patient, 'birthDate', readString(ds, PHI_TAG.patientBirthDate));
    out.patient = patient;
  }
  return out;
}

export interface DicomTag {
  /** 'GGGG,EEEE' (upper-case hex). */
  tag: string;
  vr: string | undefined;
  length: number;
  /** Text value for string VRs and short numeric ones; '<N bytes>' for binary data; '<sequence of N items>'. */
  value: string;
}

/**
 * Top-level elements as text. Without showPhi, identifying attributes (isIdentifyingTag: the
 * confidentiality profile's table, private tags, the Patient group) are omitted entirely, not
 * blanked, so not even their presence or length is reported.
 */
export function readDicomTags(bytes: Uint8Array, options?: DicomHeaderOptions): DicomTag[] {
  const { name, showPhi, parse } = check(options);
  const { dataSet, meta } = parseDicomBytes(bytes, name, parse);
  const out: DicomTag[] = [];
  for (const ds of meta === undefined ? [dataSet] : [meta, dataSet]) {
    for (const key of Object.keys(ds.elements).sort()) {
      const el = ds.elements[key]!;
      if (!showPhi && isIdentifyingTag(key)) continue;
      out.push({ tag: `${key.slice(1, 5)},${key.slice(5, 9)}`.toUpperCase(), vr: el.vr, length: el.length, value: describeValue(ds, el, key) });
    }
  }
  return out;
}

const NUMERIC_VR: Readonly<Record<string, (ds: DataSet, tag: string, i: number) => number | undefined>> = {
  US: (ds, t, i) => ds.uint16(t, i),
  SS: (ds, t, i) => ds.int16(t, i),
  UL: (ds, t, i) => ds.uint32(t, i),
  SL: (ds, t, i) => ds.int32(t, i),
  FL: (ds, t, i) => ds.float(t, i),
  FD: (ds, t, i) => ds.double(t, i),
};
const WIDTH: Readonly<Record<string, number>> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8 };

function describeValue(ds: DataSet, el: Element, key: string): string {
  if (el.items !== undefined) return `<sequence of ${el.items.length} items>`;
  if (el.dataOffset + el.length > ds.byteArray.length) return '<truncated>';
  if (key === TAG.pixelData) return `<pixel data, ${el.encapsulatedPixelData === true ? `${el.fragments?.length ?? 0} fragments` : `${el.length} bytes`}>`;
  const vr = el.vr;
  if (vr !== undefined && NUMERIC_VR[vr] !== undefined) {
    const n = Math.min(16, Math.floor(el.length / WIDTH[vr]!));
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(NUMERIC_VR[vr]!(ds, key, i) ?? NaN);
    return values.join('\\') + (el.length / WIDTH[vr]! > n ? '\\...' : '');
  }
  if (vr === undefined ? el.length <= 256 : STRING_VRS.has(vr)) {
    const s = readString(ds, key) ?? '';
    // Implicit VR: only show it if it is printable text.
    if (vr !== undefined || /^[\x20-\x7e\\]*$/.test(s)) return s.length > 256 ? `${s.slice(0, 256)}...` : s;
  }
  return `<${el.length} bytes>`;
}
