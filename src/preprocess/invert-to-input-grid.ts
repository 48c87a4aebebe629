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
import type { Geometry } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import { composeRecords } from './compose-records.js';
import { invertTransform } from './index-transform.js';
import { resampleGrid } from './resample-grid.js';
import type { IndexTransform, PreprocessRecord } from './types.js';

export interface InvertOptions {
  readonly interpolation: 'nearest' | 'linear';
  /** Value for input voxels the model grid does not cover (default 0). */
  readonly fill?: number;
}

/** The model-grid -> input-grid mapping of `records`, for an output on the preprocessed grid. */
export interface InverseMapping {
  /** Input-grid index -> model-grid index. */
  readonly inverse: IndexTransform;
  readonly inputGeometry: Geometry;
  /** The model grid maps voxel for voxel onto the input grid (no resampling, crop or pad). */
  readonly identity: boolean;
}

/** `outputSize` (when given) must be the preprocessed grid: a typed error naming `caller` otherwise. */
export function resolveInverseMapping(records: readonly PreprocessRecord[], outputSize: readonly number[] | undefined, caller: string): InverseMapping {
  const composed = composeRecords(records);
  const expected = composed.outputGeometry.size;
  if (outputSize !== undefined && (outputSize[0] !== expected[0] || outputSize[1] !== expected[1] || outputSize[2] !== expected[2])) {
    throw new ShapeError(`${caller}: output grid [${outputSize.join('x')}] is not the preprocessed grid [${expected.join('x')}]`, {
      expected: [...expected],
      actual: [...outputSize],
    });
  }
  const inverse = invertTransform(composed.transform);
  const to = composed.inputGeometry.size;
  const identity = [0, 1, 2].every((a) => inverse.axes[a] === a && inverse.scale[a] === 1 && inverse.offset[a] === 0 && expected[a] === to[a]);
  return { inverse, inputGeometry: composed.inputGeometry, identity };
}

/** Whether the records map the model grid voxel for voxel onto the input grid (no resampling, crop or pad). */
export function changesNoGeometry(records: readonly PreprocessRecord[]): boolean {
  return resolveInverseMapping(records, undefined, 'changesNoGeometry').identity;
}

export function invertToInputGrid(output: Volume, records: readonly PreprocessRecord[], options: InvertOptions): Volume {
  const { inverse, inputGeometry, identity } = resolveInverseMapping(records, output.geometry.size, 'invertToInputGrid');
  if (identity && (options.interpolation === 'nearest' || output.data instanceof Float32Array)) {
    // The plan changed no geometry (intensity steps, axis order only): the output already lies
    // voxel for voxel on the input grid. Re-label it instead of copying (a GB on a large CT).
    return createVolume({ geometry: inputGeometry, data: output.data, frames: output.frames, components: output.components, meta: output.meta });
  }
  const integerShift = output.data instanceof Float32Array && inverse.scale.every((s) => s === 1) && inverse.offset.every((o) => Number.isInteger(o));
  return resampleGrid(output, inverse, inputGeometry.size, {
    // A pure crop / pad lands on source voxel centres: nearest is exact there and much cheaper.
    linear: options.interpolation === 'linear' && !integerShift,
    edge: 'fill',
    fill: options.fill ?? 0,
    geometry: inputGeometry,
  });
}
