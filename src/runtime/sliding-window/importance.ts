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
