/**
 * The last step of every DICOM read (single file, series, tiled volume): modality LUT or rescale,
 * MONOCHROME1 option and metadata on the decoded samples. Its own module so that the series
 * assembler, the mosaic joiner and readDicom share it without importing each other.
 */
import { createVolume, type Volume, type VolumeMeta } from '../../core/volume.js';
import { DecodeError, ShapeError } from '../../core/errors.js';
import type { GeometryInit } from '../../core/geometry.js';
import type { DecodedImage } from './decode-image.js';
import type { FrameAttributes } from './frame-geometry.js';
import { applyRescale } from './modality-lut.js';
import { applyModalityLutTable, type ModalityLutTable } from './modality-lut-sequence.js';
import { getStoredValueRange } from './pixel-module.js';
import { resolveRescales } from './philips-scaling.js';
import type { ResolvedReadOptions } from './options.js';
import { invertDicomMonochrome1 } from './monochrome.js';

/** Modality LUT, MONOCHROME1 option and metadata: shared by readDicom and readDicomSeries. */
export function finishVolume(
  image: Pick<DecodedImage, 'pm' | 'raw' | 'outputPhotometric'> & { readonly maskedSamples?: number },
  frames: readonly Pick<FrameAttributes, 'rescale' | 'philipsScaleSlope'>[],
  geometry: GeometryInit,
  warnings: string[],
  meta: VolumeMeta,
  opts: ResolvedReadOptions,
  lutTable?: ModalityLutTable,
  /** Volumes (4D) in the samples, frame-major after the 3D block. Default 1. */
  volumes = 1,
): Volume {
  const { pm, raw } = image;
  const plan = planFinish(image, frames, warnings, meta, opts, lutTable);
  const { table, uniform, rescales } = plan;
  const frameSize = pm.rows * pm.columns * pm.samplesPerPixel;
  const { data } =
    table !== undefined
      ? applyModalityLutTable(raw, table)
      : uniform !== undefined
        ? { data: raw }
        : applyRescale(raw, pm.rawType, rescales, frameSize, plan.storedRange);
  const volume = createVolumeOrFail({
    geometry,
    data,
    components: pm.samplesPerPixel,
    frames: volumes,
    meta: { ...plan.meta, warnings: [...plan.meta.warnings!, ...maskedWarning(image.maskedSamples ?? 0, pm.bitsStored)] },
  });
  return opts.invertMonochrome1 ? invertDicomMonochrome1(volume) : volume;
}

/**
 * What finishVolume does with the samples, decided from the headers alone, and the volume's meta
 * (without the warning about masked samples, which only the samples tell). `passThrough`: the
 * volume's samples are the stored samples unchanged (one linear map handed over as
 * storedValueScaling, no table, no MONOCHROME1 inversion), so a writer may stream them from the
 * files (series-stream.ts) without holding the volume.
 */
export function planFinish(
  image: Pick<DecodedImage, 'pm' | 'outputPhotometric'>,
  frames: readonly Pick<FrameAttributes, 'rescale' | 'philipsScaleSlope'>[],
  warnings: string[],
  meta: VolumeMeta,
  opts: ResolvedReadOptions,
  lutTable?: ModalityLutTable,
): {
  meta: VolumeMeta;
  table: ModalityLutTable | undefined;
  uniform: { slope: number; intercept: number } | undefined;
  rescales: readonly ({ slope: number; intercept: number } | undefined)[];
  storedRange: { min: number; max: number };
  passThrough: boolean;
} {
  const { pm } = image;
  // The output type only has to hold the values present (e.g. int16 for CT with intercept -1024,
  // where the full 16-bit stored range would force int32); the range mirrored by MONOCHROME1
  // inversion is the stored range (BitsStored), so it does not depend on content.
  const { min: lo, max: hi } = getStoredValueRange(pm);
  // Colour images have no modality LUT (PS3.3 C.11.1 applies to grayscale only).
  const grayLut = opts.applyModalityLut && pm.samplesPerPixel === 1;
  const table = grayLut ? lutTable : undefined;
  // As in pydicom, a Modality LUT Sequence takes precedence over slope / intercept.
  // Philips MR: precise (floating-point) values by default (philips-scaling.ts).
  const scaled = grayLut && table === undefined ? resolveRescales(frames, opts.philipsScaling, String(meta.source ?? 'memory')) : undefined;
  const rescales = scaled?.rescales ?? frames.map(() => undefined);
  // keepStoredValues: one linear map for every frame is handed over instead of applied (a NIfTI
  // writer stores it as scl_slope / scl_inter, as dcm2niix does): no pass over the samples, no
  // wider output type. Frames with different maps are applied as usual.
  const uniform = opts.keepStoredValues && table === undefined && pm.samplesPerPixel === 1 ? uniformRescale(rescales) : undefined;
  const first = rescales[0];
  const map = (v: number): number => (first === undefined ? v : v * first.slope + first.intercept);
  const valueRange = table !== undefined ? { min: 0, max: 2 ** table.bits - 1 } : { min: Math.min(map(lo), map(hi)), max: Math.max(map(lo), map(hi)) };
  const full: VolumeMeta = {
    ...meta,
    photometric: pm.photometric,
    colorSpace: pm.samplesPerPixel === 3 ? image.outputPhotometric : 'grayscale',
    bitsStored: pm.bitsStored,
    modalityLutApplied: uniform === undefined && (table !== undefined || rescales.some((r) => r !== undefined)),
    ...(uniform === undefined ? {} : { storedValueScaling: uniform }),
    ...(table === undefined ? {} : { modalityLut: 'table' }),
    ...(first === undefined ? {} : { rescale: { slope: first.slope, intercept: first.intercept } }),
    ...(scaled?.philips === undefined ? {} : { philipsScaling: scaled.philips.scaling, philipsScaleSlope: scaled.philips.scaleSlope }),
    valueRange,
    warnings: [...((meta.warnings as string[] | undefined) ?? []), ...warnings],
  };
  const passThrough = uniform !== undefined && !(opts.invertMonochrome1 && pm.photometric === 'MONOCHROME1');
  return { meta: full, table, uniform, rescales, storedRange: { min: lo, max: hi }, passThrough };
}

/** The warning finishVolume adds when samples had bits outside BitsStored (stored-bits.ts). */
export function maskedWarning(count: number, bitsStored: number): string[] {
  return count === 0
    ? []
    : [`${count} stored values had bits set outside BitsStored ${bitsStored}; cleared as PS3.5 8.1.1 requires (check PixelPaddingValue / overlays)`];
}

/** The map of a frame without a rescale (one object for all of them). */
const IDENTITY_RESCALE: Readonly<{ slope: number; intercept: number }> = { slope: 1, intercept: 0 };

/**
 * The one map value = stored * slope + intercept shared by every frame (identity when none has a
 * rescale), or undefined when frames differ.
 */
function uniformRescale(rescales: readonly ({ slope: number; intercept: number } | undefined)[]): { slope: number; intercept: number } | undefined {
  const first = rescales[0] ?? IDENTITY_RESCALE;
  // One shared identity for frames without a rescale: a 480-volume mosaic run has 19,200 frames.
  for (let k = 0; k < rescales.length; k++) {
    const x = rescales[k] ?? IDENTITY_RESCALE;
    if (x.slope !== first.slope || x.intercept !== first.intercept) return undefined;
  }
  return Number.isFinite(first.slope) && first.slope !== 0 && Number.isFinite(first.intercept) ? { slope: first.slope, intercept: first.intercept } : undefined;
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
