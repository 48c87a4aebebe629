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
import type { PreprocessRecord } from './types.js';

export interface InvertOptions {
  readonly interpolation: 'nearest' | 'linear';
  /** Value for input voxels the model grid does not cover (default 0). */
  readonly fill?: number;
}

export function invertToInputGrid(output: Volume, records: readonly PreprocessRecord[], options: InvertOptions): Volume {
  const composed = composeRecords(records);
  const expected = composed.outputGeometry.size;
  const got = output.geometry.size;
  if (got[0] !== expected[0] || got[1] !== expected[1] || got[2] !== expected[2]) {
    throw new ShapeError(`invertToInputGrid: output grid [${got.join('x')}] is not the preprocessed grid [${expected.join('x')}]`, { expected: [...expected], actual: [...got] });
  }
  const inverse = invertTransform(composed.transform);
  return resampleGrid(output, inverse, composed.inputGeometry.size, {
    linear: options.interpolation === 'linear',
    edge: 'fill',
    fill: options.fill ?? 0,
    geometry: composed.inputGeometry,
  });
}
