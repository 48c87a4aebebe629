/**
 * Siemens mosaic MR (several slices tiled into one frame) is detected and refused: unpacking it
 * correctly needs the private CSA header (slice normal, per-slice positions), which this reader
 * does not parse. Returning the tiled frame as one "slice" would give wrong geometry.
 */
import { UnsupportedError } from '../../core/errors.js';
import type { DataSet } from './dataset.js';
import { readString } from './parse-header.js';
import { TAG } from './tags.js';

export function isMosaic(ds: DataSet): boolean {
  const imageType = readString(ds, TAG.imageType)?.toUpperCase() ?? '';
  if (imageType.split('\\').some((v) => v.trim() === 'MOSAIC')) return true;
  // (0019,100A) NumberOfImagesInMosaic is only written for mosaics.
  return ds.elements[TAG.siemensMosaicImageCount] !== undefined;
}

export function rejectMosaic(ds: DataSet, file: string): void {
  if (isMosaic(ds)) {
    throw new UnsupportedError(`${file}: Siemens mosaic images are not supported (slices tiled into one frame); convert with dcm2niix first`, { file, cause: 'mosaic' });
  }
}
