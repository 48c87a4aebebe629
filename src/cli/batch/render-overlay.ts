/**
 * PNG overlays for reviewers: one axial slice (voxel plane k; columns = i, rows = j, as stored)
 * of the input rendered to 8-bit grey, with boxes, label colours or a heat map on top. Display
 * window: the file's own window when it has one, else the slice's 0.5th-99.5th percentiles, so
 * CT in HU and 16-bit radiographs both come out readable.
 */
import type { Volume } from '../../core/volume.js';

export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

const PALETTE: readonly (readonly [number, number, number])[] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
];

export function labelColor(label: number): readonly [number, number, number] {
  return PALETTE[(label - 1 + PALETTE.length) % PALETTE.length]!;
}

function percentileWindow(values: Float64Array): [number, number] {
  const step = Math.max(1, Math.floor(values.length / 65536));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) sample.push(values[i]!);
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.005 * (sample.length - 1))] ?? 0;
  const hi = sample[Math.ceil(0.995 * (sample.length - 1))] ?? 1;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** Axial slice k (frame 0) as RGB; RGB inputs keep their colours. `window` overrides the display window. */
export function renderSlice(volume: Volume, k: number, window?: readonly [number, number]): RgbImage {
  const [width, height] = volume.geometry.size;
  const plane = width * height;
  const comps = volume.components;
  const out = new Uint8Array(plane * 3);
  const grey = new Float64Array(plane);
  const base = k * plane * comps;
  for (let p = 0; p < plane; p++) {
    if (comps >= 3) {
      const o = base + p * comps;
      grey[p] = 0.299 * volume.data[o]! + 0.587 * volume.data[o + 1]! + 0.114 * volume.data[o + 2]!;
    } else grey[p] = volume.data[base + p * comps]!;
  }
  const w = volume.meta.window;
  const [lo, hi] = window ?? (w && w.width > 0 ? [w.center - w.width / 2, w.center + w.width / 2] : percentileWindow(grey));
  const inverted = volume.meta.photometric === 'MONOCHROME1';
  for (let p = 0; p < plane; p++) {
    let g = Math.round(((grey[p]! - lo) / (hi - lo)) * 255);
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    if (inverted) g = 255 - g;
    if (comps >= 3 && volume.type === 'uint8') {
      const o = base + p * comps;
      out.set([volume.data[o]!, volume.data[o + 1]!, volume.data[o + 2]!], 3 * p);
    } else out.fill(g, 3 * p, 3 * p + 3);
  }
  return { data: out, width, height };
}

/** Rectangle outline in pixel indices (edge convention: [x0, x1) x [y0, y1)), 2 px, clipped. */
export function drawBox(img: RgbImage, x0: number, y0: number, x1: number, y1: number, color: readonly [number, number, number]): void {
  const l = Math.max(0, Math.floor(x0));
  const t = Math.max(0, Math.floor(y0));
  const r = Math.min(img.width - 1, Math.ceil(x1) - 1);
  const b = Math.min(img.height - 1, Math.ceil(y1) - 1);
  if (r < l || b < t) return;
  const put = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < img.width && y < img.height) img.data.set(color, 3 * (y * img.width + x));
  };
  for (let d = 0; d < 2; d++) {
    for (let x = l; x <= r; x++) {
      put(x, t + d);
      put(x, b - d);
    }
    for (let y = t; y <= b; y++) {
      put(l + d, y);
      put(r - d, y);
    }
  }
}

/** Blends label colours (alpha 0.45) where `labels` (one slice, plane-sized) is non-zero. */
export function blendLabels(
  img: RgbImage,
  labels: ArrayLike<number>,
  offset: number,
  color: (label: number) => readonly [number, number, number] = labelColor,
): void {
  const plane = img.width * img.height;
  for (let p = 0; p < plane; p++) {
    const l = labels[offset + p]!;
    if (l === 0) continue;
    const c = color(l);
    for (let ch = 0; ch < 3; ch++) img.data[3 * p + ch] = Math.round(0.55 * img.data[3 * p + ch]! + 0.45 * c[ch]!);
  }
}

/** Heat map of positive values (score drops) in red-yellow, scaled to the map's maximum. */
export function blendHeat(img: RgbImage, values: ArrayLike<number>, offset: number): void {
  const plane = img.width * img.height;
  let max = 0;
  for (let p = 0; p < plane; p++) max = Math.max(max, values[offset + p]!);
  if (!(max > 0)) return;
  for (let p = 0; p < plane; p++) {
    const v = Math.max(0, values[offset + p]!) / max;
    if (v < 0.05) continue;
    const a = 0.6 * v;
    const heat = [255, Math.round(255 * v), 0];
    for (let ch = 0; ch < 3; ch++) img.data[3 * p + ch] = Math.round((1 - a) * img.data[3 * p + ch]! + a * heat[ch]!);
  }
}
