/**
 * Files that tile every slice of one volume into a single frame: Siemens mosaic (mosaic.ts) and
 * UIH grid / VFRAME (uih-grid.ts). Each such file is one whole 3D volume; a series of them is a
 * 4D run (fMRI, DWI), never slices to stack.
 */
import type { DataSet } from './dataset.js';
import { isMosaic } from './mosaic.js';
import { isUihGrid } from './uih-grid.js';

export function isTiledVolumeFile(ds: DataSet): boolean {
  return isMosaic(ds) || isUihGrid(ds);
}
