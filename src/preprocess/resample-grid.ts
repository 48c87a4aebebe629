/**
 * Resamples a volume onto a new grid given the axis-aligned transform from new-grid index to
 * source index. Shared by orient, crop/pad, resample, resize and the inverse mapping.
 */
import { allocateTypedArray, type TypedArray } from '../core/dtype.js';
import { voxelCount, type Geometry, type Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { buildLinearTable, buildNearestTable, linearCoordinates, type AxisTable, type EdgePolicy } from './axis-tables.js';
import { deriveGeometry } from './index-transform.js';
import { channelCount, checkOutputSize, createPlanarVolume, toPlanar } from './planar.js';
import { sampleGrid } from './sample-grid.js';
import { sampleTrilinearSeparable } from './separable-trilinear.js';
import type { IndexTransform } from './types.js';

export interface ResampleGridOptions {
  readonly linear: boolean;
  readonly edge: EdgePolicy;
  readonly fill?: number;
  /** Output grid geometry; derived from the transform when absent. */
  readonly geometry?: Geometry;
  /** Per-axis tables overriding the ones computed from the transform (e.g. torch 'nearest'). */
  readonly tables?: readonly [AxisTable, AxisTable, AxisTable];
}

export function sourceStrides(size: Vec3): Vec3 {
  return [1, size[0], size[0] * size[1]];
}

export function buildTransformTables(t: IndexTransform, srcSize: Vec3, outSize: Vec3, linear: boolean, edge: EdgePolicy): [AxisTable, AxisTable, AxisTable] {
  const strides = sourceStrides(srcSize);
  const make = (a: number): AxisTable => {
    const src = t.axes[a]!;
    const coords = linearCoordinates(outSize[a]!, t.scale[a]!, t.offset[a]!);
    return linear ? buildLinearTable(coords, srcSize[src]!, strides[src]!, edge) : buildNearestTable(coords, srcSize[src]!, strides[src]!, edge);
  };
  return [make(0), make(1), make(2)];
}

/**
 * Linear output is float32 (interpolated values); nearest keeps the source type so label maps
 * stay integers.
 */
export function resampleGrid(volume: Volume, t: IndexTransform, outSize: Vec3, options: ResampleGridOptions): Volume {
  const channels = channelCount(volume);
  checkOutputSize('resample', outSize, channels);
  const v = toPlanar(volume);
  const tables = options.tables ?? buildTransformTables(t, v.geometry.size, outSize, options.linear, options.edge);
  const geometry = options.geometry ?? deriveGeometry(v.geometry, t, outSize);
  // Linear without axis permutation factorises per axis: the SIMD kernels, result in their arena.
  const separable = options.linear && options.tables === undefined && t.axes.every((a, i) => a === i);
  const fast = separable ? sampleTrilinearSeparable({ src: v.data, srcSize: v.geometry.size, channels, outSize, tables, fill: options.fill ?? 0 }) : null;
  if (fast !== null) return createPlanarVolume(geometry, fast, channels, v.meta);
  const n = outSize[0] * outSize[1] * outSize[2] * channels;
  const out: TypedArray = options.linear ? new Float32Array(n) : allocateTypedArray(v.type, n);
  sampleGrid({ src: v.data, srcVoxels: voxelCount(v.geometry), channels, outSize, tables, linear: options.linear, fill: options.fill ?? 0 }, out);
  return createPlanarVolume(geometry, out, channels, v.meta);
}
