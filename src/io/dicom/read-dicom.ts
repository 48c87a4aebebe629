/**
 * readDicom: one DICOM file (bytes) -> Volume. Single-frame images give size [columns, rows, 1];
 * multi-frame objects are placed by their own frame positions (enhanced per-frame functional
 * groups, RT Dose grid offsets): one spatial stack -> 3D, repeated positions -> 4D (see
 * series-parts.ts). i runs along a row (columns, PixelSpacing[1]), j down the columns (rows,
 * PixelSpacing[0]).
 */
import type { Volume } from '../../core/volume.js';
import { InputError } from '../../core/errors.js';
import { maxInflatedBytesFor, parseDicomBytes, readString, type ParsedDicom } from './parse-header.js';
import { TAG } from './tags.js';
import type { TypedArray } from '../../core/dtype.js';
import { decodeImage } from './decode-image.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { isTiledVolumeFile } from './tiled-volume.js';
import { readTiledVolume } from './read-tiled-volume.js';
import { assembleSeries } from './series-assemble.js';
import { sliceHeaderOf } from './slice-header.js';
import { describeNonImageDataSet, isKnownNonImage } from './non-image.js';

export async function readDicom(bytes: Uint8Array, options?: DicomReadOptions): Promise<Volume> {
  const opts = resolveReadOptions(options);
  return readParsedDicom(parseDicomBytes(bytes, opts.name, { maxInflatedBytes: maxInflatedBytesFor(opts.maxVoxels) }), opts);
}

/**
 * readDicom on an already parsed file (series members reuse their header parse). The frames of a
 * multi-frame file go through the same volume planning as a series of files (series-parts.ts):
 * a spatial stack is 3D, repeated positions make volumes (4D), echoes / image components are
 * separate parts (selected with options.part), frames without positions are volumes of one slice.
 */
export async function readParsedDicom(parsed: ParsedDicom, opts: ResolvedReadOptions): Promise<Volume> {
  // Files that tile all slices of a volume into one frame (Siemens mosaic, UIH grid) are one
  // volume each and are unpacked here (series-parts.ts sends every such file back here, one by
  // one, to join them into 4D): planned as frames they would be one tiled slice.
  if (isTiledVolumeFile(parsed.dataSet)) return readTiledVolume(parsed, opts);
  try {
    return await assembleSeries([sliceHeaderOf(parsed, opts.maxVoxels)], opts);
  } catch (err) {
    // A report, raw data (Philips ExamCards, series raw data), presentation state ... given alone:
    // its header check fails on a missing Rows; say it is not an image, as folder reads do.
    // Only without Rows or for a non-image SOP class (MR spectroscopy has Rows): an image file cut
    // before its Pixel Data stays a DecodeError.
    const ds = parsed.dataSet;
    const nonImage = ds.elements[TAG.rows] === undefined || isKnownNonImage(ds) ? describeNonImageDataSet(ds) : undefined;
    if (nonImage !== undefined) {
      throw new InputError(`${parsed.name}: ${nonImage}`, { file: parsed.name, cause: 'not-an-image' }, { cause: err });
    }
    // A DICOM Segmentation with several segments holds one frame per segment and slice: not one
    // image. Say what it is and how to read it rather than only that its frames do not stack.
    if (err instanceof InputError && readString(parsed.dataSet, TAG.sopClassUid) === SEGMENTATION_STORAGE) {
      throw new InputError(
        `${parsed.name}: is a DICOM Segmentation whose frames are segment planes, not one image (${err.message.replace(`${parsed.name}: `, '')}): ` +
          `read its labels with readDicomSegLabels(bytes, source)`,
        { file: parsed.name, cause: 'segmentation-object' },
        { cause: err },
      );
    }
    throw err;
  }
}

/** Segmentation Storage: frames are (segment x source slice) bit planes, not slices of one image. */
const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** Stored frames of one object, decoded without geometry or modality LUT (decodeDicomFrames). */
export interface DicomFrames {
  /** frames x rows x columns x samples, column fastest; the stored values. */
  readonly data: TypedArray;
  readonly columns: number;
  readonly rows: number;
  readonly frames: number;
  readonly samplesPerPixel: number;
}

/**
 * The frames of one file as stored, for objects whose frames are not slices of an image (a DICOM
 * Segmentation holds one frame per segment and source slice: readDicomSegLabels maps them back
 * onto the source grid). Every codec and check of readDicom applies.
 */
export async function decodeDicomFrames(bytes: Uint8Array, options?: DicomReadOptions): Promise<DicomFrames> {
  const opts = resolveReadOptions(options);
  const image = await decodeImage(parseDicomBytes(bytes, opts.name, { maxInflatedBytes: maxInflatedBytesFor(opts.maxVoxels) }), opts);
  return { data: image.raw, columns: image.pm.columns, rows: image.pm.rows, frames: image.pm.frames, samplesPerPixel: image.pm.samplesPerPixel };
}
