/**
 * readDicom: one DICOM file (bytes) -> Volume. Single-frame images give size [columns, rows, 1];
 * multi-frame objects stack their frames along k in stored order, placed by their own positions
 * (enhanced per-frame functional groups, RT Dose grid offsets). i runs along a row (columns,
 * PixelSpacing[1]), j down the columns (rows, PixelSpacing[0]).
 */
import { createVolume, type Volume, type VolumeMeta } from '../../core/volume.js';
import { DecodeError, InputError, ShapeError } from '../../core/errors.js';
import type { GeometryInit } from '../../core/geometry.js';
import { maxInflatedBytesFor, parseDicomBytes, readNumbers, type ParsedDicom } from './parse-header.js';
import { decodeImage, type DecodedImage } from './decode-image.js';
import { readFrameAttributes, type FrameAttributes } from './frame-geometry.js';
import { computeStackGeometry } from './stack-geometry.js';
import { applyRescale } from './modality-lut.js';
import { applyModalityLutTable, readModalityLutTable, type ModalityLutTable } from './modality-lut-sequence.js';
import { getStoredValueRange } from './pixel-module.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { invertDicomMonochrome1 } from './monochrome.js';
import { readImageMeta } from './image-meta.js';
import { TAG } from './tags.js';
import type { DataSet } from './dataset.js';

export async function readDicom(bytes: Uint8Array, options?: DicomReadOptions): Promise<Volume> {
  const opts = resolveReadOptions(options);
  return readParsedDicom(parseDicomBytes(bytes, opts.name, { maxInflatedBytes: maxInflatedBytesFor(opts.maxVoxels) }), opts);
}

/** readDicom on an already parsed file (series members reuse their header parse). */
export async function readParsedDicom(parsed: ParsedDicom, opts: ResolvedReadOptions): Promise<Volume> {
  const image = await decodeImage(parsed, opts);
  const frames = readFrameAttributes(parsed.dataSet, image.pm.frames);
  const { geometry, warnings } = singleFileGeometry(parsed.dataSet, image, frames, parsed.name);
  const meta = readImageMeta(parsed.dataSet, parsed.transferSyntaxUid, parsed.name);
  return finishVolume(image, frames, geometry, warnings, meta, opts, readModalityLutTable(parsed.dataSet, parsed.name));
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

function singleFileGeometry(ds: DataSet, image: DecodedImage, frames: readonly FrameAttributes[], file: string): { geometry: GeometryInit; warnings: string[] } {
  const { pm } = image;
  const size: [number, number] = [pm.columns, pm.rows];
  const placed = frames.every((f) => f.position !== undefined && f.orientation !== undefined);
  if (placed) {
    const fallback = frames[0]?.pixelSpacing === undefined ? readSpacingPair(ds, TAG.imagerPixelSpacing) : undefined;
    const extra = frames.some((f) => f.pixelSpacing === undefined)
      ? [`PixelSpacing missing: in-plane spacing ${fallback === undefined ? '1 mm' : 'from ImagerPixelSpacing'}`]
      : [];
    const slices = frames.map((f, idx) => ({ position: f.position!, orientation: f.orientation!, pixelSpacing: f.pixelSpacing ?? fallback ?? ([1, 1] as const), label: `frame ${idx + 1}` }));
    try {
      const stack = computeStackGeometry(slices, size, file, frames[0]?.sliceThickness);
      return { geometry: stack.geometry, warnings: [...extra, ...stack.warnings] };
    } catch (err) {
      // Frames that are not a spatial stack (cine at one position, multi-plane localisers) are
      // still one image: the first frame places the grid, k counts frames, and the reason is kept.
      if (!(err instanceof InputError) || pm.frames < 2) throw err;
      const first = computeStackGeometry(slices.slice(0, 1), size, file, 1);
      const geometry = { ...first.geometry, size: [size[0], size[1], pm.frames] };
      return { geometry, warnings: [`frames do not form a spatial stack (${err.message.replace(`${file}: `, '')}): axis k is the frame index, placed by frame 1`] };
    }
  }
  // No patient position / orientation (secondary capture, projection X-ray): pixel grid only.
  const rowCol = frames[0]?.pixelSpacing ?? readSpacingPair(ds, TAG.imagerPixelSpacing);
  const warnings = [
    rowCol === undefined
      ? 'no patient geometry (ImagePositionPatient / ImageOrientationPatient / PixelSpacing): identity direction, 1 mm spacing'
      : 'no patient position / orientation: identity direction, origin 0; spacing from pixel spacing attributes',
  ];
  if (pm.frames > 1) warnings.push(`${pm.frames} frames without positions: axis k is the frame index (spacing 1)`);
  return {
    geometry: { size: [size[0], size[1], pm.frames], spacing: [rowCol?.[1] ?? 1, rowCol?.[0] ?? 1, 1] },
    warnings,
  };
}

function readSpacingPair(ds: DataSet, tag: string): readonly [number, number] | undefined {
  const v = readNumbers(ds, tag);
  return v !== undefined && v.length >= 2 && v[0]! > 0 && v[1]! > 0 ? [v[0]!, v[1]!] : undefined;
}
