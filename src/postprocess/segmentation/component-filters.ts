/**
 * Component clean-up on label maps, per label ("independent", like MONAI
 * KeepLargestConnectedComponent(independent=True) and RemoveSmallObjects): voxels connect only to
 * voxels of the same label, so touching structures of different labels never merge.
 */
import { UsageError } from '../../core/errors.js';
import { createVolume, type Volume } from '../../core/volume.js';
import type { VoxelType } from '../../core/dtype.js';
import { checkConnectivity, labelComponentRuns, type ComponentRuns, type Connectivity } from './connected-components.js';

export interface KeepLargestOptions {
  /** Labels to filter (default: every non-zero label present). Other labels are left untouched. */
  labels?: readonly number[];
  /** Default 26 (MONAI's connectivity=None = full connectivity). */
  connectivity?: Connectivity;
}

function checkSingleComponent(volume: Volume): void {
  if (volume.components !== 1 || volume.frames !== 1)
    throw new UsageError(`component filters need a single-component 3D label map, got ${volume.components} components x ${volume.frames} frames`);
}

/**
 * Keeps, for each selected label, only its largest connected component (ties: the component
 * whose first voxel comes first in memory order). Returns a new volume of the same type.
 */
export function keepLargestComponent<T extends VoxelType>(volume: Volume<T>, options: KeepLargestOptions = {}): Volume<T> {
  checkSingleComponent(volume);
  const connectivity = checkConnectivity(options.connectivity ?? 26);
  const cc = labelComponentRuns(volume.data, volume.geometry.size, { connectivity, by: 'value' });
  const applied = options.labels ? new Set(options.labels) : null;
  const best = new Map<number, number>();
  for (let c = 1; c <= cc.count; c++) {
    const v = cc.values[c]!;
    const current = best.get(v);
    if (current === undefined || cc.sizes[c]! > cc.sizes[current]!) best.set(v, c);
  }
  const remove = new Uint8Array(cc.count + 1);
  for (let c = 1; c <= cc.count; c++) {
    const v = cc.values[c]!;
    if ((applied === null || applied.has(v)) && best.get(v) !== c) remove[c] = 1;
  }
  return eraseComponents(volume, cc, remove);
}

/**
 * brainchop's postprocess (BWLabeler.bwlabel with binarize and onlyLargestClusterPerClass, then
 * labels *= mask): the non-zero voxels are taken as one mask, its largest connected component
 * keeps its labels and every other voxel becomes 0. Ties: the later component wins, as in
 * brainchop. Returns a new volume of the same type; a map with no foreground is returned as is.
 */
export function keepLargestForegroundComponent<T extends VoxelType>(volume: Volume<T>, connectivity: Connectivity = 26): Volume<T> {
  checkSingleComponent(volume);
  const cc = labelComponentRuns(volume.data, volume.geometry.size, { connectivity: checkConnectivity(connectivity), by: 'foreground' });
  if (cc.count <= 1) return volume;
  let best = 1;
  for (let c = 2; c <= cc.count; c++) if (cc.sizes[c]! >= cc.sizes[best]!) best = c;
  const remove = new Uint8Array(cc.count + 1).fill(1);
  remove[0] = 0;
  remove[best] = 0;
  return eraseComponents(volume, cc, remove);
}

export interface RemoveSmallOptions {
  /** Components with fewer voxels than this are removed (skimage remove_small_objects: size < min). */
  minVoxels: number;
  connectivity?: Connectivity;
  labels?: readonly number[];
}

export function removeSmallComponents<T extends VoxelType>(volume: Volume<T>, options: RemoveSmallOptions): Volume<T> {
  checkSingleComponent(volume);
  if (!Number.isInteger(options.minVoxels) || options.minVoxels < 0)
    throw new UsageError(`minVoxels must be a non-negative integer, got ${options.minVoxels}`, { field: 'minVoxels', received: options.minVoxels });
  const connectivity = checkConnectivity(options.connectivity ?? 26);
  const cc = labelComponentRuns(volume.data, volume.geometry.size, { connectivity, by: 'value' });
  const applied = options.labels ? new Set(options.labels) : null;
  const remove = new Uint8Array(cc.count + 1);
  for (let c = 1; c <= cc.count; c++) {
    if ((applied === null || applied.has(cc.values[c]!)) && cc.sizes[c]! < options.minVoxels) remove[c] = 1;
  }
  return eraseComponents(volume, cc, remove);
}

/** A copy of the volume with the voxels of every component marked in `remove` set to 0, run by run. */
function eraseComponents<T extends VoxelType>(volume: Volume<T>, cc: ComponentRuns, remove: Uint8Array): Volume<T> {
  const data = volume.data.slice() as Volume<T>['data'];
  const { rowFirst, start, end, runLabel, rowLength } = cc;
  for (let row = 0; row + 1 < rowFirst.length; row++) {
    const base = row * rowLength;
    for (let r = rowFirst[row]!; r < rowFirst[row + 1]!; r++) {
      if (remove[runLabel[r]!] !== 1) continue;
      const a = base + start[r]!;
      const b = base + end[r]!;
      // Native fill only pays off for long runs; typical runs are a few voxels.
      if (b - a > 32) data.fill(0, a, b);
      else for (let p = a; p < b; p++) data[p] = 0;
    }
  }
  return createVolume<T>({ geometry: volume.geometry, data, meta: { ...volume.meta } });
}
