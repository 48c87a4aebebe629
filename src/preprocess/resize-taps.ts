/**
 * Tap tables reproducing torch.nn.functional.interpolate's multi-tap modes, per axis:
 * - 'area' = adaptive_avg_pool: output t averages input [floor(t*n/m), ceil((t+1)*n/m)).
 * - plain bilinear (upsample_bilinear2d / trilinear3d, align_corners=False): two taps at the
 *   half-pixel source coordinate clamped to [0, n - 1], the same positions and float32 weights
 *   as axis-tables' buildLinearTable (resample-grid's path), used when an axis shrinks.
 * - antialiased bilinear (upsample_bilinear2d_aa, align_corners=False): triangle filter widened
 *   by the scale when downsampling (support = scale), centres at scale * (t + 0.5), truncating
 *   the window bounds like the C++ int64 casts, weights normalised to sum 1.
 */
import { createTapTable, type TapTable } from './filter-axis.js';

export type TapKind = 'area' | 'antialias' | 'bilinear';

/**
 * Tables already built, by kind and sizes: a pipeline resizes every image of a model from the same
 * size to the same size, and building the antialiased 2048 -> 224 table made ~0.6 MiB of JS heap
 * garbage per image (arrays of weights), enough with the other per-image garbage to promote into
 * the old generation and bring major collections every few images (BENCHMARKS.md, issue 26, DX).
 * Shared tables are never written after createTapTable (every reader copies or reads them).
 * Bounded: the oldest entry goes when a new one would exceed MAX_CACHED.
 */
const cache = new Map<string, TapTable>();
const MAX_CACHED = 32;

export function tapTableFor(kind: TapKind, n: number, m: number): TapTable {
  const key = `${kind}:${n}:${m}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const table = kind === 'area' ? buildAreaTaps(n, m) : kind === 'antialias' ? buildAntialiasTaps(n, m) : buildBilinearTaps(n, m);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, table);
  return table;
}

export function buildAreaTaps(n: number, m: number): TapTable {
  const lists = [];
  for (let t = 0; t < m; t++) {
    const start = Math.floor((t * n) / m);
    const end = Math.ceil(((t + 1) * n) / m);
    const count = end - start;
    lists.push({ first: start, weights: new Array<number>(count).fill(1 / count) });
  }
  return createTapTable(lists);
}

export function buildAntialiasTaps(n: number, m: number): TapTable {
  const scale = n / m;
  const support = scale >= 1 ? scale : 1;
  const invscale = scale >= 1 ? 1 / scale : 1;
  const lists = [];
  for (let t = 0; t < m; t++) {
    const center = scale * (t + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), n) - xmin;
    const weights: number[] = [];
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const x = Math.abs((j + xmin - center + 0.5) * invscale);
      const w = x < 1 ? 1 - x : 0;
      weights.push(w);
      total += w;
    }
    lists.push({ first: xmin, weights: weights.map((w) => (total !== 0 ? w / total : 0)) });
  }
  return createTapTable(lists);
}

export function buildBilinearTaps(n: number, m: number): TapTable {
  const scale = n / m;
  const lists = [];
  for (let t = 0; t < m; t++) {
    // Same coordinate arithmetic as linearCoordinates(m, scale, 0.5 * scale - 0.5).
    let x = scale * t + (0.5 * scale - 0.5);
    if (x < 0) x = 0;
    else if (x > n - 1) x = n - 1;
    const i0 = Math.min(Math.floor(x), n - 1);
    const w = Math.fround(x - i0);
    lists.push(i0 < n - 1 ? { first: i0, weights: [1 - w, w] } : { first: i0, weights: [1] });
  }
  return createTapTable(lists);
}

/** torch 'nearest' (legacy, not 'nearest-exact'): src = min(floor(t * float32(n / m)), n - 1). */
export function buildTorchNearestIndices(n: number, m: number): Int32Array {
  const idx = new Int32Array(m);
  const scale = Math.fround(n / m);
  for (let t = 0; t < m; t++) idx[t] = Math.min(Math.floor(Math.fround(t * scale)), n - 1);
  return idx;
}
