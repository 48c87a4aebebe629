/**
 * United Imaging (UIH) grid images (ImageType ...\VFRAME): one stored frame holds all slices of a
 * 2D multi-slice acquisition as tiles, like a Siemens mosaic, but the geometry is in UIH private
 * attributes of the "Image Private Header" block (group 0065):
 *  - (0065,xx50) NumberOfImagesInGrid (DS): slice count n;
 *  - (0065,xx51) a sequence with one item per slice, each with its own ImagePositionPatient
 *    (centre of the tile's first pixel, LPS mm), in tile order;
 *  - (0065,xx04) tile size as text, e.g. "64*64" (a cross-check only).
 * The file has no top-level ImagePositionPatient. Layout as dcm2niix's nii_demosaic reads UIH:
 * ceil(sqrt(n)) tile columns and ceil(n / columns) tile rows (20 slices: 5 x 4 - unlike Siemens,
 * which would use 5 x 5), tiles filled row by row. Each slice is placed by its own position, so
 * the slice direction and spacing come from the positions (first to last), never from
 * SliceThickness / SpacingBetweenSlices; a grid that cannot be laid out or placed is refused.
 */
import { InputError } from '../../core/errors.js';
import { allocateTypedArray, voxelTypeOf } from '../../core/dtype.js';
import type { GeometryInit, Vec3 } from '../../core/geometry.js';
import type { DataSet } from './dataset.js';
import type { DecodedImage } from './decode-image.js';
import { readFrameAttributes, type FrameAttributes } from './frame-geometry.js';
import { readNumber, readNumbers, readString, sequenceItems, type ParsedDicom } from './parse-header.js';
import { computeStackGeometry } from './stack-geometry.js';
import { TAG } from './tags.js';

const UIH_GROUP = '0065';
const UIH_CREATOR = 'Image Private Header';
/** Element numbers within the creator's block (low byte). */
const GRID_COUNT = 0x50;
const GRID_SLICES = 0x51;
const GRID_TILE = 0x04;

/** Tag key of element `low` in the block reserved by `creator` in `group`, or undefined when no such block. */
function privateTagKey(ds: DataSet, group: string, creator: string, low: number): string | undefined {
  // Private creators sit at (gggg,0010)-(gggg,00FF); block bb owns (gggg,bb00)-(gggg,bbFF).
  for (let block = 0x10; block <= 0xff; block++) {
    const hex = block.toString(16).padStart(2, '0');
    if (readString(ds, `x${group}00${hex}`) === creator) return `x${group}${hex}${low.toString(16).padStart(2, '0')}`;
  }
  return undefined;
}

function gridCount(ds: DataSet): number | undefined {
  const key = privateTagKey(ds, UIH_GROUP, UIH_CREATOR, GRID_COUNT);
  return key === undefined ? undefined : readNumber(ds, key);
}

/** UIH by Manufacturer, or by the VFRAME image type where de-identification removed the Manufacturer. */
function isUihImage(ds: DataSet): boolean {
  if (/^(UIH|UNITED IMAGING)/i.test(readString(ds, TAG.manufacturer) ?? '')) return true;
  return (readString(ds, TAG.imageType) ?? '')
    .toUpperCase()
    .split('\\')
    .some((v) => v.trim() === 'VFRAME');
}

/** True for a UIH file whose one frame tiles several slices (NumberOfImagesInGrid > 1). */
export function isUihGrid(ds: DataSet): boolean {
  if (!isUihImage(ds)) return false;
  const n = gridCount(ds);
  return n !== undefined && n > 1;
}

export interface UnpackedGrid {
  /** Pixel module and samples of the slices (rows x columns of one tile, frames = slices). */
  readonly image: Pick<DecodedImage, 'pm' | 'raw' | 'outputPhotometric'>;
  /** One entry per slice (position, orientation, spacing, rescale). */
  readonly frames: FrameAttributes[];
  readonly geometry: GeometryInit;
  readonly warnings: string[];
}

/** Cuts the decoded grid frame into slices and places each one by its own position. */
export function unpackUihGrid(parsed: ParsedDicom, image: DecodedImage): UnpackedGrid {
  const { dataSet: ds, name: file } = parsed;
  const { pm } = image;
  const n = gridCount(ds)!;
  if (!Number.isInteger(n)) throw new InputError(`${file}: UIH grid slice count (0065,1050) is ${n}, not a whole number`, { file, cause: 'uih-grid' });
  if (pm.frames !== 1 || pm.samplesPerPixel !== 1) {
    throw new InputError(`${file}: UIH grid with ${pm.frames} frames x ${pm.samplesPerPixel} samples (expected one grayscale frame)`, {
      file,
      cause: 'uih-grid',
    });
  }
  const layout = gridLayout(ds, n, pm.columns, pm.rows, file);
  const top = readFrameAttributes(ds, 1)[0]!;
  const frames = slicePlacements(ds, n, top, file);
  const stack = computeStackGeometry(
    frames.map((f, k) => ({ position: f.position!, orientation: f.orientation!, pixelSpacing: f.pixelSpacing!, label: `grid slice ${k + 1}` })),
    [layout.tileColumns, layout.tileRows],
    file,
    top.sliceThickness,
  );
  const raw = cutTiles(image.raw, pm.columns, layout, n);
  return {
    image: { pm: { ...pm, rows: layout.tileRows, columns: layout.tileColumns, frames: n }, raw, outputPhotometric: image.outputPhotometric },
    frames,
    geometry: stack.geometry,
    warnings: stack.warnings,
  };
}

interface GridLayout {
  readonly gridColumns: number;
  readonly tileColumns: number;
  readonly tileRows: number;
}

function gridLayout(ds: DataSet, n: number, columns: number, rows: number, file: string): GridLayout {
  const gridColumns = Math.ceil(Math.sqrt(n));
  const gridRows = Math.ceil(n / gridColumns);
  if (columns % gridColumns !== 0 || rows % gridRows !== 0) {
    throw new InputError(`${file}: UIH grid of ${n} slices (${gridColumns} x ${gridRows} tiles) does not divide the ${columns} x ${rows} frame`, {
      file,
      cause: 'uih-grid',
    });
  }
  const tileColumns = columns / gridColumns;
  const tileRows = rows / gridRows;
  // The tile size text names both sizes but not which is which: any other pair means another layout.
  const tileKey = privateTagKey(ds, UIH_GROUP, UIH_CREATOR, GRID_TILE);
  const text = tileKey === undefined ? undefined : readString(ds, tileKey);
  const stated = text?.split('*').map((v) => Number(v.trim()));
  if (stated !== undefined && stated.length === 2 && stated.every(Number.isFinite)) {
    const [a, b] = stated as [number, number];
    if (!((a === tileRows && b === tileColumns) || (a === tileColumns && b === tileRows))) {
      throw new InputError(
        `${file}: UIH grid tile size "${text}" disagrees with ${n} slices in a ${columns} x ${rows} frame (${tileColumns} x ${tileRows} tiles)`,
        { file, cause: 'uih-grid' },
      );
    }
  }
  return { gridColumns, tileColumns, tileRows };
}

/** Per-slice attributes: the sequence item's position (and orientation when it has one), the rest from the file. */
function slicePlacements(ds: DataSet, n: number, top: FrameAttributes, file: string): FrameAttributes[] {
  const seqKey = privateTagKey(ds, UIH_GROUP, UIH_CREATOR, GRID_SLICES);
  const items = seqKey === undefined ? [] : sequenceItems(ds, seqKey);
  if (items.length !== n) {
    throw new InputError(`${file}: UIH grid of ${n} slices has ${items.length} per-slice position items (0065,1051)`, { file, cause: 'uih-grid' });
  }
  if (top.pixelSpacing === undefined) throw new InputError(`${file}: UIH grid without PixelSpacing`, { file, cause: 'uih-grid' });
  return items.map((item, k) => {
    const p = readNumbers(item, TAG.imagePositionPatient);
    const o = readNumbers(item, TAG.imageOrientationPatient) ?? top.orientation;
    if (p === undefined || p.length < 3 || o === undefined || o.length < 6) {
      throw new InputError(`${file}: UIH grid slice ${k + 1} has no ImagePositionPatient / ImageOrientationPatient`, { file, cause: 'no-position' });
    }
    const position: Vec3 = [p[0]!, p[1]!, p[2]!];
    return { ...top, position, orientation: o.slice(0, 6) };
  });
}

/** Slice m is tile (m mod gridColumns, floor(m / gridColumns)); output is slice-major, column fastest. */
function cutTiles(raw: DecodedImage['raw'], columns: number, layout: GridLayout, n: number): DecodedImage['raw'] {
  const { gridColumns, tileColumns, tileRows } = layout;
  const out = allocateTypedArray(voxelTypeOf(raw), n * tileRows * tileColumns);
  let at = 0;
  for (let m = 0; m < n; m++) {
    const x0 = (m % gridColumns) * tileColumns;
    const y0 = Math.floor(m / gridColumns) * tileRows;
    for (let y = 0; y < tileRows; y++) {
      const from = (y0 + y) * columns + x0;
      out.set(raw.subarray(from, from + tileColumns) as never, at);
      at += tileColumns;
    }
  }
  return out;
}
