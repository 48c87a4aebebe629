/**
 * Acquisition parameters a DICOM header states, under their BIDS names and in BIDS units
 * (seconds for times, degrees, mm, tesla), for `medinfer convert`'s sidecar (cli/convert/sidecar.ts).
 * Only values the header holds are set - nothing is derived or defaulted - and nothing that
 * identifies a patient, an institution or a date: the PS3.15 profile's attributes are never read
 * here (free-text labels only through DicomReadOptions.seriesLabels, image-meta.ts).
 * Classic objects carry them at the top level; enhanced MR objects in functional groups
 * (per-frame first, then shared: PS3.3 C.8.13.5), which is where dcm2niix also reads them.
 * Values are those of the first file / frame of a part; per-part values (EchoTime, EchoNumber of
 * each echo) are set again from the part's own frames (series-assemble.ts partMeta).
 */
import type { DataSet } from './dataset.js';
import { firstItem, readNumber, readNumeric, readString } from './parse-header.js';
import { TAG } from './tags.js';
import { manufacturerIs } from './vendor-frame-keys.js';
import { readSiemensBandwidthPerPixelPhaseEncode } from './siemens-bandwidth.js';

/** BIDS sidecar fields a header states (BIDS units). */
export interface AcquisitionMeta {
  Modality?: string;
  MagneticFieldStrength?: number;
  Manufacturer?: string;
  ManufacturersModelName?: string;
  ImageType?: string[];
  SeriesNumber?: number;
  MRAcquisitionType?: string;
  SliceThickness?: number;
  SpacingBetweenSlices?: number;
  EchoTime?: number;
  RepetitionTime?: number;
  InversionTime?: number;
  FlipAngle?: number;
  /** Set per part (part-acquisition.ts), where dcm2niix writes it. */
  EchoNumber?: number;
  /** Hz per pixel along phase encoding (Siemens only: siemens-bandwidth.ts). */
  BandwidthPerPixelPhaseEncode?: number;
}

const T = {
  magneticFieldStrength: 'x00180087',
  modelName: 'x00081090',
  mrAcquisitionType: 'x00180023',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  echoTime: 'x00180081',
  repetitionTime: 'x00180080',
  inversionTime: 'x00180082',
  flipAngle: 'x00181314',
  // Enhanced MR functional groups and their attributes.
  pixelMeasures: 'x00289110',
  mrTiming: 'x00189112',
  mrEcho: 'x00189114',
  effectiveEchoTime: 'x00189082',
  mrModifier: 'x00189115',
  inversionTimes: 'x00189079',
  geGroupDelay: 'x0043107c',
} as const;

const XRAY_MODALITIES = new Set(['CT', 'CR', 'DX', 'XA', 'RF', 'MG', 'IO', 'PX']);

/** ms -> s without binary noise in the printed value (123.5 ms -> 0.1235, not 0.12350000000000001). */
export const msToSeconds = (ms: number): number => Number((ms / 1000).toPrecision(12));

/** The functional-group items of an enhanced object for one macro: the first frame's, then the shared one. */
function groupItems(ds: DataSet, macro: string): DataSet[] {
  const out: DataSet[] = [];
  for (const holder of [firstItem(ds, TAG.perFrameFunctionalGroups), firstItem(ds, TAG.sharedFunctionalGroups)]) {
    const item = holder === undefined ? undefined : firstItem(holder, macro);
    if (item !== undefined) out.push(item);
  }
  return out;
}

/** The first stated value: top level, then the enhanced macro's items. */
function stated(ds: DataSet, tag: string, macro?: string, inMacro = tag): number | undefined {
  const top = readNumeric(ds, tag);
  if (top !== undefined || macro === undefined) return top;
  for (const item of groupItems(ds, macro)) {
    const v = readNumeric(item, inMacro);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Sets `key` only when the value is stated (exactOptionalPropertyTypes: no undefined members). */
function put<K extends keyof AcquisitionMeta>(meta: AcquisitionMeta, key: K, value: AcquisitionMeta[K] | undefined): void {
  if (value !== undefined) meta[key] = value;
}

export function readAcquisitionMeta(ds: DataSet): AcquisitionMeta {
  const meta: AcquisitionMeta = {};
  put(meta, 'Modality', readString(ds, TAG.modality));
  const field = readNumeric(ds, T.magneticFieldStrength);
  // Some writers put 15000 (gauss) for 1.5 T; a value above 30 is not tesla and is left out.
  put(meta, 'MagneticFieldStrength', field !== undefined && field > 0 && field <= 30 ? field : undefined);
  put(meta, 'Manufacturer', readString(ds, TAG.manufacturer));
  put(meta, 'ManufacturersModelName', readString(ds, T.modelName));
  const imageType = readString(ds, TAG.imageType);
  put(
    meta,
    'ImageType',
    imageType?.split('\\').map((v) => v.trim()),
  );
  const seriesNumber = readNumber(ds, TAG.seriesNumber);
  put(meta, 'SeriesNumber', seriesNumber !== undefined && Number.isSafeInteger(seriesNumber) ? seriesNumber : undefined);
  put(meta, 'MRAcquisitionType', readString(ds, T.mrAcquisitionType));
  // X-ray modalities: a series' slices often differ in thickness, so the first file's value is not the
  // series' (dcm2niix leaves both out for them too).
  if (!XRAY_MODALITIES.has(meta.Modality ?? '')) {
    put(meta, 'SliceThickness', positive(stated(ds, T.sliceThickness, T.pixelMeasures)));
    put(meta, 'SpacingBetweenSlices', positive(stated(ds, T.spacingBetweenSlices, T.pixelMeasures)));
  }
  const te = stated(ds, T.echoTime, T.mrEcho, T.effectiveEchoTime);
  put(meta, 'EchoTime', te !== undefined && te > 0 ? msToSeconds(te) : undefined);
  const tr = stated(ds, T.repetitionTime, T.mrTiming);
  // GE epiRT: volumes are RepetitionTime + (0043,107C) "delay after slice group" (s) apart (dcm2niix adds it too).
  const groupDelay = manufacturerIs(ds, 'GE') ? readNumeric(ds, T.geGroupDelay) : undefined;
  const volumeTr = tr === undefined ? undefined : tr + (groupDelay !== undefined && groupDelay > 0 ? groupDelay * 1000 : 0);
  put(meta, 'RepetitionTime', volumeTr !== undefined && volumeTr > 0 ? msToSeconds(volumeTr) : undefined);
  const ti = stated(ds, T.inversionTime, T.mrModifier, T.inversionTimes);
  put(meta, 'InversionTime', ti !== undefined && ti > 0 ? msToSeconds(ti) : undefined);
  put(meta, 'FlipAngle', positive(stated(ds, T.flipAngle, T.mrTiming)));
  put(meta, 'BandwidthPerPixelPhaseEncode', readSiemensBandwidthPerPixelPhaseEncode(ds));
  return meta;
}

/** Zero is how several writers say "not recorded" for these attributes. */
const positive = (v: number | undefined): number | undefined => (v !== undefined && v > 0 ? v : undefined);
