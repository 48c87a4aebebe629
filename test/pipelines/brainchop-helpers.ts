/** Shared by the brainchop pipeline tests: the real T1, label comparison, mapping labels between grids. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Geometry } from '../../src/core/geometry.js';
import type { Volume } from '../../src/core/volume.js';
import { readNiftiSync } from '../../src/io/nifti/read-nifti.js';
import { composeAffine3x4, indexToWorldAffine, invertAffine3x4 } from '../../src/preprocess/conform-grid.js';
import { resliceToInputGrid } from '../../src/preprocess/reslice-records.js';
import type { PreprocessRecord } from '../../src/preprocess/types.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
/** brainchop's demo T1 (MIT), already conformed: 256^3 uint8 LIA 1 mm (models/brainchop/SOURCES.md). */
export const T1_PATH = join(ROOT, 'models', 'brainchop', 'sample', 't1_crop.nii.gz');

export function readT1(): Volume {
  return readNiftiSync(readFileSync(T1_PATH));
}

/** Dice of one label between two maps on the same grid (1 when absent from both). */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>, label: number): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let p = 0; p < a.length; p++) {
    const x = a[p] === label;
    const y = b[p] === label;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

export function equalFraction(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let p = 0; p < a.length; p++) if (a[p] === b[p]) same++;
  return same / a.length;
}

/** Labels sampled (nearest) at the world positions of `target`'s voxels. */
export function labelsOnGrid(labels: Volume, target: Geometry): Volume {
  const outToIn = composeAffine3x4(invertAffine3x4(indexToWorldAffine(target)), indexToWorldAffine(labels.geometry));
  const record: PreprocessRecord = { op: 'conform', params: {}, inputGeometry: target, outputGeometry: labels.geometry, transform: null, reslice: outToIn };
  return resliceToInputGrid(labels, [record], { interpolation: 'nearest' });
}
