/**
 * The number dcm2niix gives a stack in its `_i<N>` file-name suffix (nii_dicom.cpp `imageNum`):
 * the InstanceNumber of the stack's first file - except for Siemens XA software writing classic
 * single-frame files with a SeriesTime, where dcm2niix stacks across series numbers (its issue
 * 394) and so numbers images SeriesNumber x 1000 + InstanceNumber. Only a name: the samples and
 * geometry of a stack never depend on it.
 */
import type { DataSet } from './dataset.js';
import { readNumbers, readString } from './parse-header.js';
import { TAG } from './tags.js';

const SOFTWARE_VERSIONS = 'x00181020';
const SERIES_TIME = 'x00080031';

export function stackImageNumber(ds: DataSet, instanceNumber: number, framesInFile: number): number {
  const siemens = /siemens/i.test(readString(ds, TAG.manufacturer) ?? '');
  const xa = /XA/.test(readString(ds, SOFTWARE_VERSIONS) ?? '');
  const seriesTime = (readString(ds, SERIES_TIME) ?? '').length > 1;
  const series = readNumbers(ds, TAG.seriesNumber)?.[0];
  if (siemens && xa && seriesTime && framesInFile === 1 && series !== undefined && Number.isSafeInteger(series)) return instanceNumber + series * 1000;
  return instanceNumber;
}
