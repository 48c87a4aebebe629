/**
 * World geometry of an unpacked Siemens mosaic (LPS mm), as dcm2niix derives it:
 *  - i, j: ImageOrientationPatient row / column cosines, PixelSpacing;
 *  - origin: ImagePositionPatient refers to the first pixel of the whole tiled frame, whose
 *    centre coincides with the centre of every tile; so the first tile's first pixel lies
 *    (mosaic size - tile size) / 2 pixels further along the row and column directions;
 *  - k: +/- (row x column). The slices are stored in Siemens' own numbering, which runs along
 *    the CSA SliceNormalVector; its sign relative to row x column says which way (sagittal and
 *    head-first / feet-first series run against the cross product). Only the sign is used, after
 *    checking the vector is really normal to the image plane;
 *  - k spacing: SpacingBetweenSlices when > 0 (thickness + gap), else SliceThickness.
 */
import { DecodeError } from '../../core/errors.js';
import type { GeometryInit, Vec3 } from '../../core/geometry.js';
import type { DataSet } from './dataset.js';
import { computeSliceNormal, normalizeVec3, type FrameAttributes } from './frame-geometry.js';
import { readNumber } from './parse-header.js';
import type { PixelModule } from './pixel-module.js';
import { TAG } from './tags.js';

/** How the slices of a mosaic are tiled (read by mosaic.ts readMosaicLayout). */
export interface MosaicLayout {
  /** Slices in the mosaic (N). */
  readonly images: number;
  /** Tiles per row and per column: ceil(sqrt(N)). */
  readonly grid: number;
  readonly tileColumns: number;
  readonly tileRows: number;
  /** CSA SliceNormalVector (LPS), undefined when N = 1. */
  readonly sliceNormal: Vec3 | undefined;
  /** N or the slice normal came from the Phoenix protocol (siemens-phoenix.ts), not the CSA image header. */
  readonly fromProtocol: boolean;
  /** CSA MosaicRefAcqTimes: acquisition time of each slice in ms from the volume start. */
  readonly sliceTimesMs: readonly number[] | undefined;
}

/** |cos| between SliceNormalVector and row x column below this (about 2.6 deg) is refused. */
const MIN_NORMAL_COSINE = 0.999;

export function mosaicGeometry(
  ds: DataSet,
  frame: FrameAttributes,
  mosaic: PixelModule,
  layout: MosaicLayout,
  file: string,
): { geometry: GeometryInit; warnings: string[] } {
  const { position, orientation } = frame;
  if (position === undefined || orientation === undefined) {
    throw new DecodeError(`${file}: Siemens mosaic without ImagePositionPatient / ImageOrientationPatient: slices cannot be placed`, {
      file,
      cause: 'mosaic-geometry',
    });
  }
  const warnings: string[] = [];
  if (frame.pixelSpacing === undefined) warnings.push('PixelSpacing missing: in-plane spacing 1 mm');
  // PixelSpacing = [between rows (along j), between columns (along i)].
  const [rowStep, colStep] = frame.pixelSpacing ?? [1, 1];
  const row = normalizeVec3([orientation[0]!, orientation[1]!, orientation[2]!]);
  const col = normalizeVec3([orientation[3]!, orientation[4]!, orientation[5]!]);
  const cross = computeSliceNormal(orientation);
  const alongRow = (colStep * (mosaic.columns - layout.tileColumns)) / 2;
  const alongCol = (rowStep * (mosaic.rows - layout.tileRows)) / 2;
  const shift = (a: 0 | 1 | 2): number => position[a] + row[a] * alongRow + col[a] * alongCol;
  const origin: Vec3 = [shift(0), shift(1), shift(2)];

  let kDir: Vec3 = cross;
  if (layout.sliceNormal !== undefined) {
    const n = normalizeVec3(layout.sliceNormal);
    const cos = n[0] * cross[0] + n[1] * cross[1] + n[2] * cross[2];
    if (!(Math.abs(cos) >= MIN_NORMAL_COSINE)) {
      const source = layout.fromProtocol ? 'Phoenix sNormal' : 'CSA SliceNormalVector';
      const vector = layout.sliceNormal.map((v) => v.toFixed(5)).join(', ');
      throw new DecodeError(`${file}: ${source} [${vector}] is not normal to the image plane (cos ${cos.toFixed(4)})`, {
        file,
        cause: 'mosaic-slice-normal',
      });
    }
    // 0 - v rather than -v: no -0 components in the direction matrix.
    if (cos < 0) kDir = [0 - cross[0], 0 - cross[1], 0 - cross[2]];
  }

  const between = readNumber(ds, TAG.spacingBetweenSlices);
  const thickness = frame.sliceThickness;
  let kStep = 1;
  if (between !== undefined && between > 0) kStep = between;
  else if (thickness !== undefined && thickness > 0) kStep = thickness;
  else if (layout.images > 1) warnings.push('mosaic slice spacing unknown (no SpacingBetweenSlices / SliceThickness): 1 mm');
  return {
    geometry: {
      size: [layout.tileColumns, layout.tileRows, layout.images],
      spacing: [colStep, rowStep, kStep],
      origin,
      direction: [row[0], col[0], kDir[0], row[1], col[1], kDir[1], row[2], col[2], kDir[2]],
    },
    warnings,
  };
}
