/**
 * Non-image DICOM objects that sit in series folders: structured reports (e.g. Siemens Phoenix ZIP
 * reports), presentation states, raw data (Philips stores ExamCards and series raw data as Raw
 * Data Storage with private content), RT structure sets / plans, encapsulated documents. They have
 * no Pixel Data, so their header check fails on a missing Rows or Pixel Data element; a folder
 * reader skips them (with a reason) instead of reporting an error. A file that does carry Pixel
 * Data is an image whatever its SOP class, and its error stands.
 */
import type { DataSet } from './dataset.js';
import { parseDicomBytes, readString } from './parse-header.js';
import { TAG } from './tags.js';

const KINDS: readonly [prefix: string, kind: string][] = [
  ['1.2.840.10008.5.1.4.1.1.88.', 'structured report'],
  ['1.2.840.10008.5.1.4.1.1.11.', 'presentation state'],
  ['1.2.840.10008.5.1.4.1.1.66', 'raw data / registration'],
  ['1.2.840.10008.5.1.4.1.1.481.', 'radiotherapy object'],
  ['1.2.840.10008.5.1.4.1.1.104.', 'encapsulated document'],
  ['1.2.840.10008.5.1.4.1.1.9.', 'waveform'],
  ['1.2.840.10008.5.1.4.1.1.4.2', 'MR spectroscopy'],
  ['1.2.840.10008.5.1.4.1.1.59', 'key object selection'],
  ['1.3.12.2.1107.5.9.1', 'Siemens CSA non-image'],
  ['1.3.46.670589.11.0.0.12.', 'Philips private non-image'],
];

export const NON_IMAGE_REASON = 'no pixel data (not an image)';

function hasPixelData(ds: DataSet): boolean {
  return ds.elements[TAG.pixelData] !== undefined || ds.elements[TAG.floatPixelData] !== undefined || ds.elements[TAG.doubleFloatPixelData] !== undefined;
}

/**
 * Why a DICOM file that failed as an image is not an image at all, or undefined when it is (or
 * may be) an image, or is not DICOM: then its error is real.
 */
export function describeNonImage(bytes: Uint8Array, name: string): string | undefined {
  let ds: DataSet;
  try {
    ds = parseDicomBytes(bytes, name).dataSet;
  } catch {
    return undefined;
  }
  return describeNonImageDataSet(ds);
}

/**
 * Whether a data set without pixel data belongs to a SOP class listed above (MR spectroscopy
 * carries Rows / Columns but Spectroscopy Data instead of Pixel Data): not an image, whatever else
 * its header holds.
 */
export function isKnownNonImage(ds: DataSet): boolean {
  const uid = readString(ds, TAG.sopClassUid) ?? '';
  return !hasPixelData(ds) && KINDS.some(([prefix]) => uid.startsWith(prefix));
}

/** describeNonImage on an already parsed data set (readDicom's single-file path). */
export function describeNonImageDataSet(ds: DataSet): string | undefined {
  if (hasPixelData(ds)) return undefined;
  const uid = readString(ds, TAG.sopClassUid) ?? '';
  const kind = KINDS.find(([prefix]) => uid.startsWith(prefix))?.[1];
  return kind === undefined ? NON_IMAGE_REASON : `${NON_IMAGE_REASON}: ${kind}`;
}
