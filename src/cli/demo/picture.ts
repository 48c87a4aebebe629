/**
 * Small RGB pictures for reports (Node): a greyscale slice with a display window, label overlays,
 * heat maps, boxes and deformation grids. Pixel (i, j) of slice k is drawn at column i, row j:
 * with LPS-axial volumes this is the radiological view (patient left on screen right).
 */
import type { Volume } from '../../core/volume.js';
import type { RasterPixels } from '../../io/raster/node-raster.js';

export const LABEL_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = { 1: [230, 40, 40], 2: [40, 200, 60], 3: [60, 120, 255], 4: [255, 220, 0] };

export interface Rgb extends RasterPixels {
  data: Uint8Array;
  channels: 3;
}

function windowOf(v: Volume, k: number): [number, number] {
  const [w, h] = v.geometry.size;
  const values: number[] = [];
  for (let p = 0; p < w * h; p += 7) values.push(v.data[(k * w * h + p) * v.components]!);
  values.sort((a, b) => a - b);
  const lo = values[Math.floor(values.length * 0.01)] ?? 0;
  const hi = values[Math.floor(values.length * 0.995)] ?? 1;
  return [lo, hi > lo ? hi : lo + 1];
}

export function sliceToRgb(v: Volume, k: number, window?: readonly [number, number]): Rgb {
  const [w, h] = v.geometry.size;
  const [lo, hi] = window ?? windowOf(v, k);
  const data = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) {
    const x = v.data[(k * w * h + p) * v.components]!;
    const g = Math.max(0, Math.min(255, Math.round(((x - lo) / (hi - lo)) * 255)));
    data[3 * p] = data[3 * p + 1] = data[3 * p + 2] = g;
  }
  return { data, width: w, height: h, channels: 3 };
}

export function overlayLabels(rgb: Rgb, labels: Volume, k: number, alpha = 0.5): Rgb {
  const n = rgb.width * rgb.height;
  for (let p = 0; p < n; p++) {
    const c = LABEL_COLOURS[labels.data[k * n + p]!];
    if (!c) continue;
    for (let ch = 0; ch < 3; ch++) rgb.data[3 * p + ch] = Math.round((1 - alpha) * rgb.data[3 * p + ch]! + alpha * c[ch]!);
  }
  return rgb;
}

/** Red-yellow heat map of positive values (e.g. an occlusion map) over the image. */
export function overlayHeat(rgb: Rgb, heat: ArrayLike<number>, offset = 0): Rgb {
  const n = rgb.width * rgb.height;
  let max = 0;
  for (let p = 0; p < n; p++) max = Math.max(max, heat[offset + p]!);
  if (max <= 0) return rgb;
  for (let p = 0; p < n; p++) {
    const t = Math.max(0, heat[offset + p]!) / max;
    const a = 0.6 * t;
    rgb.data[3 * p] = Math.round((1 - a) * rgb.data[3 * p]! + a * 255);
    rgb.data[3 * p + 1] = Math.round((1 - a) * rgb.data[3 * p + 1]! + a * 255 * t);
    rgb.data[3 * p + 2] = Math.round((1 - a) * rgb.data[3 * p + 2]!);
  }
  return rgb;
}

export function drawBox(rgb: Rgb, x0: number, y0: number, x1: number, y1: number, colour: readonly [number, number, number] = [255, 50, 50]): Rgb {
  const put = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= rgb.width || y >= rgb.height) return;
    rgb.data.set(colour, 3 * (y * rgb.width + x));
  };
  const [a, b, c, d] = [Math.round(x0), Math.round(y0), Math.round(x1) - 1, Math.round(y1) - 1];
  for (let x = a; x <= c; x++) (put(x, b), put(x, d));
  for (let y = b; y <= d; y++) (put(a, y), put(c, y));
  return rgb;
}

/** Draws a regular grid deformed by a voxel displacement (di, dj) per pixel of slice k. */
export function drawDeformedGrid(rgb: Rgb, displacementVoxels: (i: number, j: number) => [number, number], step = 8): Rgb {
  for (let j = 0; j < rgb.height; j++) for (let i = 0; i < rgb.width; i++) {
    const [di, dj] = displacementVoxels(i, j);
    const gi = i + di;
    const gj = j + dj;
    const onLine = Math.abs(gi / step - Math.round(gi / step)) < 0.08 || Math.abs(gj / step - Math.round(gj / step)) < 0.08;
    if (onLine) rgb.data.set([80, 200, 255], 3 * (j * rgb.width + i));
  }
  return rgb;
}

/** Nearest-neighbour upscaling so small phantoms are visible in the report. */
export function upscale(rgb: Rgb, factor: number): Rgb {
  if (factor <= 1) return rgb;
  const w = rgb.width * factor;
  const h = rgb.height * factor;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(rgb.data.subarray(3 * (Math.floor(y / factor) * rgb.width + Math.floor(x / factor)), 3 * (Math.floor(y / factor) * rgb.width + Math.floor(x / factor)) + 3), 3 * (y * w + x));
  return { data, width: w, height: h, channels: 3 };
}

/** A coronal plane (i across, k up) of a volume as a single-slice volume, for pictures. */
export function coronalPlane(v: Volume, j: number): Volume {
  const [ni, nj, nk] = v.geometry.size;
  const data = new Float32Array(ni * nk);
  for (let k = 0; k < nk; k++) for (let i = 0; i < ni; i++) data[(nk - 1 - k) * ni + i] = v.data[(i + ni * (j + nj * k)) * v.components]!;
  return { geometry: { size: [ni, nk, 1], spacing: [v.geometry.spacing[0], v.geometry.spacing[2], 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, type: 'float32', components: 1, frames: 1, data, meta: {} };
}
