/**
 * One file that tiles all slices of a volume into one frame (Siemens mosaic, UIH grid), read as
 * that 3D volume. Used by readDicom and by the mosaic joiner of a series (one file at a time).
 */
import type { Volume } from '../../core/volume.js';
import { decodeImage } from './decode-image.js';
import { finishVolume } from './finish-volume.js';
import { readFrameAttributes } from './frame-geometry.js';
import { readImageMeta } from './image-meta.js';
import { readModalityLutTable } from './modality-lut-sequence.js';
import { unpackMosaic } from './mosaic.js';
import type { ResolvedReadOptions } from './options.js';
import type { ParsedDicom } from './parse-header.js';
import { isUihGrid, unpackUihGrid } from './uih-grid.js';

/** Unpacks a tiled file into a 3D volume, each slice placed as dcm2niix places it (mosaic.ts, uih-grid.ts). */
export async function readTiledVolume(parsed: ParsedDicom, opts: ResolvedReadOptions): Promise<Volume> {
  const image = await decodeImage(parsed, opts);
  const lut = readModalityLutTable(parsed.dataSet, parsed.name);
  const meta = readImageMeta(parsed.dataSet, parsed.transferSyntaxUid, parsed.name, opts.seriesLabels);
  if (isUihGrid(parsed.dataSet)) {
    const grid = unpackUihGrid(parsed, image);
    return finishVolume(grid.image, grid.frames, grid.geometry, grid.warnings, meta, opts, lut);
  }
  const frame = readFrameAttributes(parsed.dataSet, image.pm.frames)[0]!;
  const m = unpackMosaic(parsed, image, frame);
  return finishVolume(m.image, m.frames, m.geometry, m.warnings, { ...meta, ...m.meta }, opts, lut);
}
