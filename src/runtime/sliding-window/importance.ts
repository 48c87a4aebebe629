/**
 * Blending weights for one window (roi-sized, row-major over the spatial axes, last fastest).
 * - constant: all ones.
 * - gaussian, MONAI: separable exp(-x^2 / (2 sigma^2)) on coordinates centred at (n-1)/2,
 *   sigma = sigmaScale * roi, then clamped below at max(min, 1e-3) (compute_importance_map).
 * - gaussian, nnU-Net: a delta at n // 2 smoothed by scipy's gaussian_filter (truncate 4),
 *   divided by its max, times valueScaling (10 in the predictor); zeros replaced by the smallest
 *   non-zero value. nnU-Net keeps it in float16; we keep float32 (more precise, documented).
 */
import type { WindowPlacement } from './placement.js';

export type BlendMode = 'constant' | 'gaussian';

function monaiAxis(n: number, sigma: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = i - (n - 1) / 2;
    out[i] = Math.exp((x * x) / (-2 * sigma * sigma));
  }
  return out;
}

function nnunetAxis(n: number, sigma: number): Float64Array {
  const out = new Float64Array(n);
  const centre = Math.floor(n / 2);
  const radius = Math.floor(4 * sigma + 0.5);
  for (let i = 0; i < n; i++) {
    const t = i - centre;
    out[i] = Math.abs(t) <= radius ? Math.exp((-0.5 * t * t) / (sigma * sigma)) : 0;
  }
  return out;
}

export function createImportanceMap(roi: readonly number[], mode: BlendMode, placement: WindowPlacement, sigmaScale = 0.125, valueScaling = 10): Float32Array {
  const n = roi.reduce((a, b) => a * b, 1);
  const map = new Float32Array(n);
  if (mode === 'constant') return map.fill(1);
  const axes = roi.map((r) => (placement === 'monai' ? monaiAxis(r, r * sigmaScale) : nnunetAxis(r, r * sigmaScale)));
  // Row by row: the product over the leading axes once per row, then times the last axis
  // profile (the same float64 products in the same order as per element).
  const last = axes[axes.length - 1]!;
  const rowLength = roi[roi.length - 1]!;
  const outer = roi.slice(0, -1);
  const rows = n / rowLength;
  let max = 0;
  for (let r = 0; r < rows; r++) {
    let w0 = 1;
    for (let d = 0, rest = r, span = rows; d < outer.length; d++) {
      span /= outer[d]!;
      w0 *= axes[d]![Math.floor(rest / span)]!;
      rest %= span;
    }
    const base = r * rowLength;
    for (let x = 0; x < rowLength; x++) {
      const w = w0 * last[x]!;
      map[base + x] = w;
      if (w > max) max = w;
    }
  }
  if (placement === 'monai') {
    let min = Infinity;
    for (let i = 0; i < n; i++) if (map[i]! < min) min = map[i]!;
    const floor = Math.max(min, 1e-3);
    for (let i = 0; i < n; i++) if (map[i]! < floor) map[i] = floor;
    return map;
  }
  let minNonZero = Infinity;
  for (let i = 0; i < n; i++) {
    const v = (map[i]! / max) * valueScaling;
    map[i] = v;
    if (v > 0 && v < minNonZero) minNonZero = v;
  }
  for (let i = 0; i < n; i++) if (map[i] === 0) map[i] = minNonZero;
  return map;
}

/**
 * When the blend map is a product of per-axis profiles (constant; Gaussian unless clamped, as
 * MONAI clamps its corners), returns them: a[z] * b[y] * c[x] = map[z, y, x] within float32
 * rounding, checked on every element. The weight sum over covering windows then factorises too.
 */
export function separableFactors(weights: Float32Array, roi: readonly number[]): [Float64Array, Float64Array, Float64Array] | undefined {
  const [r0, r1, r2] = roi as [number, number, number];
  let peak = 0;
  for (let i = 1; i < weights.length; i++) if (weights[i]! > weights[peak]!) peak = i;
  const mz = Math.floor(peak / (r1 * r2));
  const my = Math.floor(peak / r2) % r1;
  const mx = peak % r2;
  const top = weights[peak]!;
  if (!(top > 0)) return undefined;
  const a = Float64Array.from({ length: r0 }, (_, z) => weights[(z * r1 + my) * r2 + mx]!);
  const b = Float64Array.from({ length: r1 }, (_, y) => weights[(mz * r1 + y) * r2 + mx]! / top);
  const c = Float64Array.from({ length: r2 }, (_, x) => weights[(mz * r1 + my) * r2 + x]! / top);
  for (let z = 0, i = 0; z < r0; z++)
    for (let y = 0; y < r1; y++) {
      const ab = a[z]! * b[y]!;
      for (let x = 0; x < r2; x++, i++) {
        const w = weights[i]!;
        if (Math.abs(w - ab * c[x]!) > 1e-6 * w) return undefined;
      }
    }
  return [a, b, c];
}

/** A window's blend weights and, when they factorise, their per-axis profiles. */
export interface BlendMap {
  readonly weights: Float32Array;
  readonly factors: readonly [Float64Array, Float64Array, Float64Array] | undefined;
}

const recentMaps: { key: string; map: BlendMap }[] = [];

/**
 * The blend map of a 3D-padded roi, built once and reused by later runs with the same settings
 * (nnU-Net caches its Gaussian the same way): a 128^3 map is 8 MB and ~50 ms to build and
 * check. Two maps are kept; the arrays are never handed to callers, so nothing can change them.
 */
export function cachedBlendMap(roi: readonly number[], mode: BlendMode, placement: WindowPlacement, sigmaScale: number): BlendMap {
  const key = `${roi.join('x')}|${mode}|${placement}|${sigmaScale}`;
  const hit = recentMaps.findIndex((m) => m.key === key);
  if (hit >= 0) {
    const [entry] = recentMaps.splice(hit, 1);
    recentMaps.unshift(entry!);
    return entry!.map;
  }
  const weights = createImportanceMap(roi, mode, placement, sigmaScale);
  const map = { weights, factors: separableFactors(weights, roi) };
  recentMaps.unshift({ key, map });
  recentMaps.length = Math.min(recentMaps.length, 2);
  return map;
}
