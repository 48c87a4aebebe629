/**
 * readDicom: one DICOM file (bytes) -> Volume. Single-frame images give size [columns, rows, 1];
 * multi-frame objects are placed by their own frame positions (enhanced per-frame functional
 * groups, RT Dose grid offsets): one spatial stack -> 3D, repeated positions -> 4D (see
 * series-parts.ts). i runs along a row (columns, PixelSpacing[1]), j down the columns (rows,
 * PixelSpacing[0]).
 */
import { createVolume, type Volume, type VolumeMeta } from '../../core/volume.js';
import { DecodeError, ShapeError } from '../../core/errors.js';
import type { GeometryInit } from '../../core/geometry.js';
import { parseDicomBytes, type ParsedDicom } from './parse-header.js';
import type { DecodedImage } from './decode-image.js';
import type { FrameAttributes } from './frame-geometry.js';
import { applyRescale } from './modality-lut.js';
import { applyModalityLutTable, type ModalityLutTable } from './modality-lut-sequence.js';
import { getStoredValueRange } from './pixel-module.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { invertDicomMonochrome1 } from './monochrome.js';
import { assembleSeries } from './series-assemble.js';
import { sliceHeaderOf } from './slice-header.js';
import { rejectMosaic } from './mosaic.js';

export async function readDicom(bytes: Uint8Array, options?: DicomReadOptions): Promise<Volume> {
  const opts = resolveReadOptions(options);
  return readParsedDicom(parseDicomBytes(bytes, opts.name), opts);
}

/**
 * readDicom on an already parsed file (series members reuse their header parse). The frames of a
 * multi-frame file go through the same volume planning as a series of files (series-parts.ts):
 * a spatial stack is 3D, repeated positions make volumes (4D), echoes / image components are
 * separate parts (selected with options.part), frames without positions are volumes of one slice.
 */
export async function readParsedDicom(parsed: ParsedDicom, opts: ResolvedReadOptions): Promise<Volume> {
  // A Siemens mosaic must be unpacked before this point (series-parts.ts sends every mosaic file
  // here): planned as frames it would be one tiled slice, and the planner would send it back.
  rejectMosaic(parsed.dataSet, parsed.name);
  return assembleSeries([sliceHeaderOf(parsed, opts.maxVoxels)], opts);
}

/** Modality LUT, MONOCHROME1 option and metadata: shared by readDicom and readDicomSeries. */
export function finishVolume(
  image: Pick<DecodedImage, 'pm' | 'raw' | 'outputPhotometric'>,
  frames: readonly Pick<FrameAttributes, 'rescale'>[],
  geometry: GeometryInit,
  warnings: string[],
  meta: VolumeMeta,
  opts: ResolvedReadOptions,
  lutTable?: ModalityLutTable,
  /** Volumes (4D) in the samples, frame-major after the 3D block. Default 1. */
  volumes = 1,
): Volume {
  const { pm, raw } = image;
  const frameSize = pm.rows * pm.columns * pm.samplesPerPixel;
  // The output type only has to hold the values present (e.g. int16 for CT with intercept -1024,
  // where the full 16-bit stored range would force int32); the range mirrored by MONOCHROME1
  // inversion is the stored range (BitsStored), so it does not depend on content.
  const { min: lo, max: hi } = getStoredValueRange(pm);
  // Colour images have no modality LUT (PS3.3 C.11.1 applies to grayscale only).
  const grayLut = opts.applyModalityLut && pm.samplesPerPixel === 1;
  const table = grayLut ? lutTable : undefined;
  // As in pydicom, a Modality LUT Sequence takes precedence over slope / intercept.
  const rescales = grayLut && table === undefined ? frames.map((f) => f.rescale) : frames.map(() => undefined);
  const { data } = table !== undefined ? applyModalityLutTable(raw, table) : applyRescale(raw, pm.rawType, rescales, frameSize);
  const first = rescales[0];
  const map = (v: number): number => (first === undefined ? v : v * first.slope + first.intercept);
  const valueRange = table !== undefined ? { min: 0, max: 2 ** table.bits - 1 } : { min: Math.min(map(lo), map(hi)), max: Math.max(map(lo), map(hi)) };
  const volume = createVolumeOrFail({
    geometry,
    data,
    components: pm.samplesPerPixel,
    frames: volumes,
    meta: {
      ...meta,
      photometric: pm.photometric,
      colorSpace: pm.samplesPerPixel === 3 ? image.outputPhotometric : 'grayscale',
      bitsStored: pm.bitsStored,
      modalityLutApplied: table !== undefined || rescales.some((r) => r !== undefined),
      ...(table === undefined ? {} : { modalityLut: 'table' }),
      ...(first === undefined ? {} : { rescale: { slope: first.slope, intercept: first.intercept } }),
      valueRange,
      warnings: [...((meta.warnings as string[] | undefined) ?? []), ...warnings],
    },
  });
  return opts.invertMonochrome1 ? invertDicomMonochrome1(volume) : volume;
}

/** Geometry built from corrupt attributes (parallel IOP vectors, zero spacing) is a decode error of that file. */
function createVolumeOrFail(init: Parameters<typeof createVolume>[0]): Volume {
  try {
    return createVolume(init);
  } catch (err) {
    const file = String(init.meta?.source ?? 'memory');
    if (err instanceof ShapeError) throw new DecodeError(`${file}: invalid image geometry: ${err.message}`, { file, cause: 'geometry' }, { cause: err });
    throw err;
  }
}
