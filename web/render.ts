/** Canvas drawing for the demo: a greyscale slice, label overlay colours and boxes. */
import type { Volume } from '../src/browser.js';

export const LABEL_COLOURS: Record<number, [number, number, number]> = { 1: [255, 40, 40], 2: [40, 220, 60], 3: [60, 120, 255], 4: [255, 230, 0] };

export interface Overlay {
  readonly labels?: Volume;
  readonly boxes?: readonly { min: readonly number[]; max: readonly number[]; label: string; score: number }[];
}

function windowOf(v: Volume): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  // Components / frames beyond the first are ignored for display.
  const n = v.geometry.size[0] * v.geometry.size[1] * v.geometry.size[2];
  for (let p = 0; p < n; p++) {
    const x = v.data[p * v.components]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi > lo ? hi : lo + 1];
}

export function drawSlice(canvas: HTMLCanvasElement, image: Volume, k: number, overlay: Overlay = {}): void {
  const [w, h] = [image.geometry.size[0], image.geometry.size[1]];
  const [lo, hi] = windowOf(image);
  const pixels = new ImageData(w, h);
  const rgb = image.components >= 3;
  for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
    const p = i + w * (j + h * k);
    const o = 4 * (i + w * j);
    for (let c = 0; c < 3; c++) {
      const raw = image.data[p * image.components + (rgb ? c : 0)]!;
      pixels.data[o + c] = Math.round(((raw - lo) / (hi - lo)) * 255);
    }
    pixels.data[o + 3] = 255;
    const label = overlay.labels ? overlay.labels.data[p]! : 0;
    const colour = LABEL_COLOURS[label];
    if (label > 0 && colour) for (let c = 0; c < 3; c++) pixels.data[o + c] = Math.round(0.45 * pixels.data[o + c]! + 0.55 * colour[c]!);
  }
  const scratch = new OffscreenCanvas(w, h);
  scratch.getContext('2d')!.putImageData(pixels, 0, 0);
  const ctx = canvas.getContext('2d')!;
  const scale = Math.min(canvas.width / w, canvas.height / h);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, w * scale, h * scale);
  ctx.lineWidth = 2;
  ctx.font = '12px sans-serif';
  for (const b of overlay.boxes ?? []) {
    if (image.geometry.size[2] > 1 && (k < Math.floor(b.min[2] ?? 0) || k > Math.ceil(b.max[2] ?? 0))) continue;
    ctx.strokeStyle = '#ff3b3b';
    ctx.strokeRect(b.min[0]! * scale, b.min[1]! * scale, (b.max[0]! - b.min[0]!) * scale, (b.max[1]! - b.min[1]!) * scale);
    ctx.fillStyle = '#ff3b3b';
    ctx.fillText(`${b.label} ${b.score.toFixed(2)}`, b.min[0]! * scale, Math.max(12, b.min[1]! * scale - 3));
  }
}
