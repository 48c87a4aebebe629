/**
 * Siemens mosaic MR: one stored frame holds N slices tiled ceil(sqrt(N)) x ceil(sqrt(N)), left to
 * right then top to bottom (unused tiles at the end are blank). Unpacked here into a 3D volume of
 * [columns / grid, rows / grid, N] with slices in tile order - the order Siemens numbers them, so
 * ascending, descending and interleaved acquisitions all come out in spatial order, and k runs
 * along the CSA SliceNormalVector (see mosaic-geometry.ts). As in dcm2niix, N is the CSA
 * NumberOfImagesInMosaic or the private (0019,xx0A) element; when both are present they must agree.
 * Anything that leaves N, the tile size or the slice direction unknown is a typed error: a tiled
 * frame returned as one slice would have silently wrong geometry.
 */
import { DecodeError, UnsupportedError } from '../../core/errors.js';
import { allocateTypedArray, type TypedArray } from '../../core/dtype.js';
import { arenaHolding } from '../../core/volume-kernels.js';
import type { GeometryInit } from '../../core/geometry.js';
import type { DataSet } from './dataset.js';
import type { DecodedImage } from './decode-image.js';
import type { FrameAttributes } from './frame-geometry.js';
import type { ParsedDicom } from './parse-header.js';
import { readNumber, readString } from './parse-header.js';
import type { PixelModule } from './pixel-module.js';
import { csaNumbers, findPrivateBlock, readSiemensCsa } from './siemens-csa.js';
import { readPhoenixSliceArray } from './siemens-phoenix.js';
import { mosaicGeometry, type MosaicLayout } from './mosaic-geometry.js';
import { TAG } from './tags.js';

const MR_HEADER_CREATOR = 'SIEMENS MR HEADER';
const CSA_CREATOR = 'SIEMENS CSA HEADER';

/**
 * True for a Siemens mosaic: ImageType contains MOSAIC, or the Siemens MR private block holds
 * NumberOfImagesInMosaic (0019,xx0A). Other vendors' (0019,100A) elements do not count.
 */
export function isMosaic(ds: DataSet): boolean {
  const imageType = readString(ds, TAG.imageType)?.toUpperCase() ?? '';
  if (imageType.split('\\').some((v) => v.trim() === 'MOSAIC')) return true;
  return readMosaicCountTag(ds) !== undefined;
}

/**
 * A mosaic whose layout only its Phoenix protocol can give: no (0019,xx0A) and no CSA image
 * header. Its CSA series header must then be read and kept (node-head-read.ts reads such a file
 * whole instead of leaving that value out of the head).
 */
export function mosaicNeedsProtocol(ds: DataSet): boolean {
  if (!isMosaic(ds) || readMosaicCountTag(ds) !== undefined) return false;
  const block = findPrivateBlock(ds, 0x0029, CSA_CREATOR);
  const image = block === undefined ? undefined : ds.elements[`x0029${((block << 8) | 0x10).toString(16).padStart(4, '0')}`];
  return image === undefined || image.length === 0;
}

/** (0019,xx0A) NumberOfImagesInMosaic when its block belongs to "SIEMENS MR HEADER". */
function readMosaicCountTag(ds: DataSet): number | undefined {
  const block = findPrivateBlock(ds, 0x0019, MR_HEADER_CREATOR);
  if (block === undefined) return undefined;
  const hex = block.toString(16).padStart(2, '0');
  const tag = `x0019${hex}0a`;
  if (ds.elements[tag] === undefined) return undefined;
  // Without any private creator (stripped), (0019,100A) is trusted only in a Siemens file.
  const named = ds.elements[`x001900${hex}`] !== undefined;
  if (!named && !/SIEMENS/i.test(readString(ds, TAG.manufacturer) ?? '')) return undefined;
  return ds.uint16(tag);
}

/** The CSA image header entries a mosaic layout reads (the only ones parsed to text); slice times last. */
const MOSAIC_CSA_NAMES = ['NumberOfImagesInMosaic', 'SliceNormalVector', 'MosaicRefAcqTimes'];
const MOSAIC_CSA_NAMES_NO_TIMES = MOSAIC_CSA_NAMES.slice(0, 2);

/**
 * `sliceTimes` false: MosaicRefAcqTimes is not read (sliceTimesMs undefined) - for the files of a
 * 4D run after its first, whose slice times nothing reads (the run's metadata is the first
 * file's: mosaic-series.ts), in each of hundreds of files.
 */
export function readMosaicLayout(ds: DataSet, pm: PixelModule, file: string, sliceTimes = true): MosaicLayout {
  if (pm.frames !== 1)
    throw new UnsupportedError(`${file}: Siemens mosaic with ${pm.frames} frames (expected one tiled frame)`, { file, cause: 'mosaic-frames' });
  if (pm.samplesPerPixel !== 1)
    throw new UnsupportedError(`${file}: Siemens mosaic with ${pm.samplesPerPixel} samples per pixel`, { file, cause: 'mosaic-samples' });
  const csa = readSiemensCsa(ds, 'image', file, sliceTimes ? MOSAIC_CSA_NAMES : MOSAIC_CSA_NAMES_NO_TIMES);
  const fromCsa = csaNumbers(csa, 'NumberOfImagesInMosaic')?.[0];
  const fromTag = readMosaicCountTag(ds);
  if (fromCsa !== undefined && fromTag !== undefined && fromCsa !== fromTag) {
    throw new DecodeError(`${file}: mosaic slice count disagrees: CSA NumberOfImagesInMosaic ${fromCsa}, (0019,100A) ${fromTag}`, {
      file,
      cause: 'mosaic-count',
    });
  }
  const csaNormal = csaNumbers(csa, 'SliceNormalVector');
  // Without the CSA image header's entries: the Phoenix protocol's slice array (siemens-phoenix.ts).
  const protocol = (fromCsa ?? fromTag) === undefined || csaNormal === undefined ? readPhoenixSliceArray(ds, file) : undefined;
  const fromProtocol = protocol !== undefined && protocol.concatenations === 1 ? protocol : undefined;
  const images = fromCsa ?? fromTag ?? fromProtocol?.slices;
  if (images === undefined)
    throw new DecodeError(
      `${file}: Siemens mosaic without NumberOfImagesInMosaic (CSA header, (0019,100A) or a one-concatenation Phoenix sSliceArray.lSize): slice count unknown`,
      { file, cause: 'mosaic-count' },
    );
  const grid = Math.ceil(Math.sqrt(images));
  if (!Number.isInteger(images) || images < 1 || pm.columns % grid !== 0 || pm.rows % grid !== 0) {
    throw new DecodeError(`${file}: mosaic of ${images} slices does not tile a ${pm.columns}x${pm.rows} frame`, { file, cause: 'mosaic-count', images });
  }
  const normal = csaNormal !== undefined && csaNormal.length >= 3 ? csaNormal : fromProtocol?.numberingNormal;
  if (images > 1 && (normal === undefined || normal.length < 3)) {
    throw new DecodeError(`${file}: Siemens mosaic without CSA SliceNormalVector or Phoenix sNormal: slice direction unknown`, {
      file,
      cause: 'mosaic-slice-normal',
    });
  }
  const times = sliceTimes ? csaNumbers(csa, 'MosaicRefAcqTimes') : undefined;
  return {
    images,
    grid,
    tileColumns: pm.columns / grid,
    tileRows: pm.rows / grid,
    sliceNormal: images > 1 ? [normal![0]!, normal![1]!, normal![2]!] : undefined,
    fromProtocol: (fromCsa ?? fromTag) === undefined || normal !== csaNormal,
    sliceTimesMs: times !== undefined && times.length >= images ? times.slice(0, images) : undefined,
  };
}

/**
 * Tiles of one frame -> slices, k-th slice = k-th tile in row-major tile order. With `target` the
 * slices are written into target.out from element target.offset on (a 4D run's buffer: no
 * per-volume array) and a view of them is returned.
 */
export function unpackMosaicTiles(
  raw: TypedArray,
  pm: PixelModule,
  layout: MosaicLayout,
  target?: { readonly out: TypedArray; readonly offset: number },
): TypedArray {
  const { tileColumns: tc, tileRows: tr, images } = layout;
  const length = tc * tr * images;
  const out = target?.out ?? allocateTypedArray(pm.rawType, length);
  const at = target?.offset ?? 0;
  const outByte = out.byteOffset + at * out.BYTES_PER_ELEMENT;
  const bytes = raw.BYTES_PER_ELEMENT;
  const arena = arenaHolding(raw);
  const inBounds = raw.length >= pm.columns * pm.rows && out.length >= at + length;
  if (arena !== undefined && arenaHolding(out) === arena && out.BYTES_PER_ELEMENT === bytes && (tc * bytes) % 4 === 0 && inBounds) {
    // Frame and output in one kernel memory (streamed runs, mosaic-series.ts): each tile's rows
    // by memory.copy, several times faster than the JS loops below (BENCHMARKS.md, convert). Only
    // within both views: the kernel would copy across the neighbouring blocks of its memory.
    const rowBytes = tc * bytes;
    for (let s = 0; s < images; s++) {
      const from = raw.byteOffset + (Math.floor(s / layout.grid) * tr * pm.columns + (s % layout.grid) * tc) * bytes;
      arena.kernels.copyRows(outByte + s * tr * rowBytes, from, tr, rowBytes / 4, rowBytes, pm.columns * bytes);
    }
  } else if (
    raw.BYTES_PER_ELEMENT === 2 &&
    out.BYTES_PER_ELEMENT === 2 &&
    tc % 2 === 0 &&
    pm.columns % 2 === 0 &&
    raw.byteOffset % 4 === 0 &&
    outByte % 4 === 0
  ) {
    // Mosaics are 16-bit with even tile widths: two samples per 32-bit word halve the loop
    // (the same bits whatever the signedness; tile rows start on even samples).
    const words = tc >> 1;
    const starts = tileRowStarts(layout, pm.columns >> 1, words);
    copyRows32(new Uint32Array(raw.buffer, raw.byteOffset, raw.length >> 1), new Uint32Array(out.buffer, outByte, length >> 1), starts, words);
  } else if (raw.BYTES_PER_ELEMENT === 2 && out.BYTES_PER_ELEMENT === 2) {
    // One Uint16 view of each side keeps the copy loop monomorphic.
    copyRows16(
      new Uint16Array(raw.buffer, raw.byteOffset, raw.length),
      new Uint16Array(out.buffer, outByte, length),
      tileRowStarts(layout, pm.columns, tc),
      tc,
    );
  } else {
    copyRows(raw, out.subarray(at, at + length), tileRowStarts(layout, pm.columns, tc), tc);
  }
  return target === undefined ? out : out.subarray(at, at + length);
}

/**
 * Where each output row starts in the tiled frame: output row s * tileRows + y is row y of slice s,
 * the s-th tile in row-major tile order. `columns` and `tileWidth` are in the elements of the
 * arrays copied (samples, or 32-bit words of two samples). One table shared by the copy loops below.
 */
function tileRowStarts(layout: MosaicLayout, columns: number, tileWidth: number): Int32Array {
  const { grid, tileRows: tr, images } = layout;
  const starts = new Int32Array(images * tr);
  for (let s = 0; s < images; s++) {
    const top = Math.floor(s / grid) * tr;
    const left = (s % grid) * tileWidth;
    for (let y = 0; y < tr; y++) starts[s * tr + y] = (top + y) * columns + left;
  }
  return starts;
}

// Output rows are contiguous, `width` elements each. One loop per array type keeps each
// monomorphic (a shared loop over TypedArray would see three element kinds); tile rows are short
// (64-128 samples), so a plain loop beats a subarray view + set per row.
function copyRows16(raw: Uint16Array, out: Uint16Array, starts: Int32Array, width: number): void {
  for (let r = 0; r < starts.length; r++) {
    const from = starts[r]!;
    const to = r * width;
    for (let x = 0; x < width; x++) out[to + x] = raw[from + x]!;
  }
}

function copyRows32(raw: Uint32Array, out: Uint32Array, starts: Int32Array, width: number): void {
  for (let r = 0; r < starts.length; r++) {
    const from = starts[r]!;
    const to = r * width;
    for (let x = 0; x < width; x++) out[to + x] = raw[from + x]!;
  }
}

function copyRows(raw: TypedArray, out: TypedArray, starts: Int32Array, width: number): void {
  for (let r = 0; r < starts.length; r++) {
    const from = starts[r]!;
    const to = r * width;
    for (let x = 0; x < width; x++) out[to + x] = raw[from + x]!;
  }
}

/** Everything about one mosaic file but its samples: read from the header alone. */
export interface MosaicPlan {
  readonly layout: MosaicLayout;
  /** Pixel module of the unpacked slices: tile rows / columns, one frame per slice. */
  readonly pm: PixelModule;
  readonly geometry: GeometryInit;
  readonly warnings: string[];
  /** mosaic: { images, grid }, sliceTimes (s, from MosaicRefAcqTimes) when present. */
  readonly meta: Record<string, unknown>;
}

/**
 * Layout, geometry and metadata of a mosaic file from its header (`pm`: the stored, tiled frame).
 * `sliceTimes` false: no sliceTimes in meta (readMosaicLayout).
 */
export function planMosaic(ds: DataSet, pm: PixelModule, frame: FrameAttributes, file: string, sliceTimes = true): MosaicPlan {
  const layout = readMosaicLayout(ds, pm, file, sliceTimes);
  const { geometry, warnings } = mosaicGeometry(ds, frame, pm, layout, file);
  if (layout.fromProtocol)
    warnings.push('no CSA image header entries: mosaic slice count and slice direction from the Phoenix protocol (sSliceArray.lSize, sNormal)');
  const meta: Record<string, unknown> = { mosaic: { images: layout.images, grid: layout.grid } };
  const times = checkSliceTimes(layout.sliceTimesMs, readNumber(ds, TAG.repetitionTime), warnings);
  // MosaicRefAcqTimes are ms; BIDS SliceTiming (and meta here) are seconds.
  if (times !== undefined) meta['sliceTimes'] = times.map((t) => t / 1000);
  return { layout, pm: { ...pm, rows: layout.tileRows, columns: layout.tileColumns, frames: layout.images }, geometry, warnings, meta };
}

export interface UnpackedMosaic {
  readonly image: DecodedImage;
  /** One entry per slice (the file's attributes repeated: rescale applies to every slice). */
  readonly frames: readonly FrameAttributes[];
  readonly geometry: GeometryInit;
  readonly warnings: string[];
  /** mosaic: { images, grid }, sliceTimes (s, from MosaicRefAcqTimes) when present. */
  readonly meta: Record<string, unknown>;
}

/** Decoded mosaic frame -> slices, geometry and metadata (used by readParsedDicom). */
export function unpackMosaic(parsed: ParsedDicom, image: DecodedImage, frame: FrameAttributes): UnpackedMosaic {
  const plan = planMosaic(parsed.dataSet, image.pm, frame, parsed.name);
  const raw = unpackMosaicTiles(image.raw, image.pm, plan.layout);
  return {
    image: { ...image, pm: plan.pm, raw },
    frames: new Array<FrameAttributes>(plan.layout.images).fill(frame),
    geometry: plan.geometry,
    warnings: plan.warnings,
    meta: plan.meta,
  };
}

/**
 * Siemens writes impossible MosaicRefAcqTimes in some volumes (first volume of multiband runs:
 * times beyond the TR; values wrapped past midnight). Slice times must lie in [0, TR]; otherwise
 * they are left out with a warning rather than reported wrong (dcm2niix borrows the next volume's).
 */
function checkSliceTimes(times: readonly number[] | undefined, trMs: number | undefined, warnings: string[]): readonly number[] | undefined {
  if (times === undefined || trMs === undefined || !(trMs > 0)) return times;
  const bad = times.filter((t) => t < 0 || t > trMs);
  if (bad.length === 0) return times;
  warnings.push(`CSA MosaicRefAcqTimes outside 0..${trMs} ms (RepetitionTime), e.g. ${bad[0]!.toFixed(1)} ms: slice times not reported`);
  return undefined;
}
