/**
 * Demo-only picture helpers on top of the batch runner's overlay renderer (render-overlay.ts):
 * BraTS label colours, coronal reformats, a deformed grid for registration, and upscaling so
 * small phantoms are visible. Pixel (i, j) of slice k is drawn at column i, row j.
 */
import type { Volume } from '../../core/volume.js';
import { blendHeat, blendLabels, renderSlice, type RgbImage } from '../batch/render-overlay.js';

/** BraTS convention as the report captions name it: 1 necrotic core red, 2 edema green, 4 enhancing yellow. */
const BRATS_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = { 1: [230, 40, 40], 2: [40, 200, 60], 3: [60, 120, 255], 4: [255, 220, 0] };

export function bratsColour(label: number): readonly [number, number, number] {
  return BRATS_COLOURS[label] ?? [200, 200, 200];
}

/** Draws a regular grid deformed by a voxel displacement (di, dj) per pixel. */
export function drawDeformedGrid(img: RgbImage, displacementVoxels: (i: number, j: number) => [number, number], step = 8): RgbImage {
  for (let j = 0; j < img.height; j++)
    for (let i = 0; i < img.width; i++) {
      const [di, dj] = displacementVoxels(i, j);
      const gi = i + di;
      const gj = j + dj;
      const onLine = Math.abs(gi / step - Math.round(gi / step)) < 0.08 || Math.abs(gj / step - Math.round(gj / step)) < 0.08;
      if (onLine) img.data.set([80, 200, 255], 3 * (j * img.width + i));
    }
  return img;
}

/** Nearest-neighbour upscaling. */
export function upscale(img: RgbImage, factor: number): RgbImage {
  if (factor <= 1) return img;
  const w = img.width * factor;
  const h = img.height * factor;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const src = 3 * (Math.floor(y / factor) * img.width + Math.floor(x / factor));
      data.set(img.data.subarray(src, src + 3), 3 * (y * w + x));
    }
  return { data, width: w, height: h };
}

/** A coronal plane (i across, k up) of a volume as a single-slice volume, for pictures. */
export function coronalPlane(v: Volume, j: number): Volume {
  const [ni, nj, nk] = v.geometry.size;
  const data = new Float32Array(ni * nk);
  for (let k = 0; k < nk; k++) for (let i = 0; i < ni; i++) data[(nk - 1 - k) * ni + i] = v.data[(i + ni * (j + nj * k)) * v.components]!;
  return {
    geometry: { size: [ni, nk, 1], spacing: [v.geometry.spacing[0], v.geometry.spacing[2], 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    type: 'float32',
    components: 1,
    frames: 1,
    data,
    meta: {},
  };
}

/** Slice k of `base` with a BraTS-coloured label map on top. */
export function sliceWithLabels(base: Volume, labels: Volume, k: number): RgbImage {
  const img = renderSlice(base, k);
  blendLabels(img, labels.data, k * img.width * img.height, bratsColour);
  return img;
}

/** Slice 0 of `base` with a heat map (e.g. occlusion sensitivity) on top. */
export function sliceWithHeat(base: Volume, heat: ArrayLike<number>): RgbImage {
  const img = renderSlice(base, 0);
  blendHeat(img, heat, 0);
  return img;
}
