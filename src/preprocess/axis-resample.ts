/**
 * One-axis resampling by spline order, for nnU-Net's anisotropic ("separate z") scheme: the
 * in-plane axes use the data order (3 for images, 1 for logits) and the low-resolution axis
 * order 0, each exactly like scipy.ndimage.map_coordinates(mode='nearest'): order 0 takes
 * floor(x + 0.5), order 1 blends the two neighbours of the clamped coordinate.
 */
import { buildLinearTable, buildNearestTable, linearCoordinates, type AxisTable } from './axis-tables.js';
import { type AxisPassArgs, type AxisPassResult, axisPassSize, resampleCubicAxis } from './cubic-spline.js';
import { IDENTITY_TRANSFORM } from './index-transform.js';
import { sourceStrides } from './resample-grid.js';
import { sampleGrid } from './sample-grid.js';

export type SplineOrder = 0 | 1 | 3;

export function resampleAxisByOrder(...[src, size, channels, axis, m, scale, offset, order]: [...AxisPassArgs, order: SplineOrder]): AxisPassResult {
  if (order === 3) return resampleCubicAxis(src, size, channels, axis, m, scale, offset);
  const outSize = axisPassSize(size, axis, m);
  const strides = sourceStrides(size);
  const tables = [0, 1, 2].map((a): AxisTable => {
    const coords = a === axis ? linearCoordinates(m, scale, offset) : linearCoordinates(size[a]!, IDENTITY_TRANSFORM.scale[a]!, 0);
    return order === 1 ? buildLinearTable(coords, size[a]!, strides[a]!, 'border') : buildNearestTable(coords, size[a]!, strides[a]!, 'border');
  });
  const out = new Float32Array(outSize[0] * outSize[1] * outSize[2] * channels);
  sampleGrid(
    { src, srcVoxels: size[0] * size[1] * size[2], channels, outSize, tables: [tables[0]!, tables[1]!, tables[2]!], linear: order === 1, fill: 0 },
    out,
  );
  return { data: out, size: outSize };
}

/**
 * nnU-Net's choice of the separately resampled axis: anisotropic when max / min spacing > 3
 * (old spacing first, then new); the axis is the single one with the largest spacing, none when
 * two or three axes share it.
 */
export function findSeparateAxis(oldSpacing: readonly number[], newSpacing: readonly number[], separateZ: boolean | 'auto'): 0 | 1 | 2 | null {
  if (separateZ === false) return null;
  const lowres = (s: readonly number[]): number[] => {
    const max = Math.max(...s);
    return s.map((x, a) => (x === max ? a : -1)).filter((a) => a >= 0);
  };
  const anisotropic = (s: readonly number[]): boolean => Math.max(...s) / Math.min(...s) > 3;
  let axes: number[] = [];
  if (separateZ === true || anisotropic(oldSpacing)) axes = lowres(oldSpacing);
  else if (anisotropic(newSpacing)) axes = lowres(newSpacing);
  return axes.length === 1 ? (axes[0] as 0 | 1 | 2) : null;
}
