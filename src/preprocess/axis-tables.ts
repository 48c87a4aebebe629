/**
 * Per-axis lookup tables for separable sampling. A 3D linear or nearest resampling whose
 * transform is axis-aligned factorises per axis, so source offsets and weights are computed once
 * per output row / column / slice (O(m0 + m1 + m2) work) instead of once per voxel.
 */

/** off0 < 0 marks "outside the source": the kernel writes the fill value there. */
export interface AxisTable {
  readonly off0: Int32Array;
  readonly off1: Int32Array;
  /** Weight of off1 (linear); 0 for nearest. */
  readonly weight: Float32Array;
}

/**
 * 'border': coordinates are clamped to [0, n-1] (MONAI padding_mode="border", torch's clamp,
 * scipy mode="nearest"). 'fill': a coordinate more than half a voxel outside gets the fill value.
 */
export type EdgePolicy = 'border' | 'fill';

/** Source coordinates `scale * t + offset` for t = 0..m-1, in float64 (sub-voxel precision). */
export function linearCoordinates(m: number, scale: number, offset: number): Float64Array {
  const x = new Float64Array(m);
  for (let t = 0; t < m; t++) x[t] = scale * t + offset;
  return x;
}

export function buildLinearTable(coords: Float64Array, n: number, stride: number, edge: EdgePolicy): AxisTable {
  const m = coords.length;
  const off0 = new Int32Array(m);
  const off1 = new Int32Array(m);
  const weight = new Float32Array(m);
  for (let t = 0; t < m; t++) {
    let x = coords[t]!;
    if (edge === 'fill' && (x < -0.5 || x > n - 0.5)) {
      off0[t] = -1;
      continue;
    }
    if (x < 0) x = 0;
    else if (x > n - 1) x = n - 1;
    let i0 = Math.floor(x);
    if (i0 >= n - 1) i0 = n - 1;
    const i1 = i0 < n - 1 ? i0 + 1 : i0;
    off0[t] = i0 * stride;
    off1[t] = i1 * stride;
    weight[t] = x - i0;
  }
  return { off0, off1, weight };
}

/**
 * Nearest neighbour with ties rounded up (floor(x + 0.5)); exact for integer transforms. MONAI's
 * grid_sample rounds half to even after float32 coordinate arithmetic, so on exact ties (e.g.
 * every other voxel of a 2x upsampling) label maps may differ from MONAI's by one voxel shift.
 */
export function buildNearestTable(coords: Float64Array, n: number, stride: number, edge: EdgePolicy): AxisTable {
  const m = coords.length;
  const off0 = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    const x = coords[t]!;
    if (edge === 'fill' && (x < -0.5 || x >= n - 0.5)) {
      off0[t] = -1;
      continue;
    }
    let i = Math.floor(x + 0.5);
    if (i < 0) i = 0;
    else if (i > n - 1) i = n - 1;
    off0[t] = i * stride;
  }
  return { off0, off1: off0, weight: new Float32Array(m) };
}

/** Table from explicit source indices (-1 = outside), e.g. torch 'nearest' or integer crops. */
export function buildIndexTable(indices: Int32Array, stride: number): AxisTable {
  const off0 = new Int32Array(indices.length);
  for (let t = 0; t < indices.length; t++) off0[t] = indices[t]! < 0 ? -1 : indices[t]! * stride;
  return { off0, off1: off0, weight: new Float32Array(indices.length) };
}

/**
 * The outputs [lo, hi) of a table that read the source, when they form one run with only
 * "outside" entries (off0 < 0) before and after it, as axis-aligned tables do; else null.
 */
export function readingSpan(off0: Int32Array): { lo: number; hi: number } | null {
  let lo = 0;
  while (lo < off0.length && off0[lo]! < 0) lo++;
  let hi = off0.length;
  while (hi > lo && off0[hi - 1]! < 0) hi--;
  for (let t = lo; t < hi; t++) if (off0[t]! < 0) return null;
  return { lo, hi };
}
