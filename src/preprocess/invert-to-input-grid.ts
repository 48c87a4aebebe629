/**
 * invertToInputGrid: carries a model output that lies on the preprocessed grid (label map,
 * probabilities, logits; any channel count) back onto the caller's input grid: same size,
 * spacing, origin and direction. Label maps use 'nearest' (labels stay labels, type kept),
 * probabilities / logits 'linear' (MONAI Invertd with nearest_interp=false; nnU-Net resamples
 * logits linearly). Input voxels that the preprocessing cropped away (or that fall outside the
 * model grid) receive `fill` (default 0). The mapping is the exact inverse of the composed
 * axis-aligned index transforms, so it is separable and costs one pass over the input grid.
 */
import { ShapeError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { composeRecords } from './compose-records.js';
import { invertTransform } from './index-transform.js';
import { resampleGrid } from './resample-grid.js';
import { createVolume } from '../core/volume.js';
import type { IndexTransform } from './types.js';

function isIdentityOnto(t: IndexTransform, from: readonly number[], to: readonly number[]): boolean {
  return [0, 1, 2].every((a) => t.axes[a] === a && t.scale[a] === 1 && t.offset[a] === 0 && from[a] === to[a]);
}
import type { PreprocessRecord } from './types.js';

export interface InvertOptions {
  readonly interpolation: 'nearest' | 'linear';
  /** Value for input voxels the model grid does not cover (default 0). */
  readonly fill?: number;
}

/** Whether the records map the model grid voxel for voxel onto the input grid (no resampling, crop or pad). */
export function changesNoGeometry(records: readonly PreprocessRecord[]): boolean {
  const composed = composeRecords(records);
  return isIdentityOnto(invertTransform(composed.transform), composed.outputGeometry.size, composed.inputGeometry.size);
}

export function invertToInputGrid(output: Volume, records: readonly PreprocessRecord[], options: InvertOptions): Volume {
  const composed = composeRecords(records);
  const expected = composed.outputGeometry.size;
  const got = output.geometry.size;
  if (got[0] !== expected[0] || got[1] !== expected[1] || got[2] !== expected[2]) {
    throw new ShapeError(`invertToInputGrid: output grid [${got.join('x')}] is not the preprocessed grid [${expected.join('x')}]`, { expected: [...expected], actual: [...got] });
  }
  const inverse = invertTransform(composed.transform);
  const inputSize = composed.inputGeometry.size;
  if (isIdentityOnto(inverse, got, inputSize) && (options.interpolation === 'nearest' || output.data instanceof Float32Array)) {
    // The plan changed no geometry (intensity steps, axis order only): the output already lies
    // voxel for voxel on the input grid. Re-label it instead of copying (a GB on a large CT).
    return createVolume({ geometry: composed.inputGeometry, data: output.data, frames: output.frames, components: output.components, meta: output.meta });
  }
  const integerShift = output.data instanceof Float32Array && inverse.scale.every((s) => s === 1) && inverse.offset.every((o) => Number.isInteger(o));
  return resampleGrid(output, inverse, composed.inputGeometry.size, {
    // A pure crop / pad lands on source voxel centres: nearest is exact there and much cheaper.
    linear: options.interpolation === 'linear' && !integerShift,
    edge: 'fill',
    fill: options.fill ?? 0,
    geometry: composed.inputGeometry,
  });
}
