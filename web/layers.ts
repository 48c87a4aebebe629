/**
 * What the demo hands the viewer, built from SDK results without any WebGL: the label colour
 * table of a model, detection boxes as a label volume of box outlines, and a display copy of an
 * input. Pure functions (no DOM), so Node tests check them against the volumes they come from.
 */
import { createVolume, type LabelSpec, type Volume } from '../src/index.js';

export type Rgb = readonly [number, number, number];

/**
 * The fixed palette for labels whose manifest entry has no `color`: value 1 red, 2 green, 3 blue,
 * 4 yellow (the colours the demo has always used), then a 12-colour categorical cycle (Tableau's
 * "Tableau 20" darker half). Value v > 16 reuses colour ((v - 1) mod 16): a 100-structure atlas
 * then repeats colours, and the table and hover readout name the structure.
 */
export const LABEL_PALETTE: readonly Rgb[] = [
  [255, 40, 40],
  [40, 220, 60],
  [60, 120, 255],
  [255, 230, 0],
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
  [174, 199, 232],
  [255, 187, 120],
];

export interface LabelColour {
  readonly value: number;
  readonly name: string;
  readonly rgb: Rgb;
}

function parseHex(hex: string): Rgb | undefined {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}

export function paletteColour(value: number): Rgb {
  return LABEL_PALETTE[(value - 1) % LABEL_PALETTE.length]!;
}

/**
 * The colour of every non-background label of a model: the manifest's `color` where given (the
 * model's own convention, e.g. BraTS), else the palette by value. Value 0 is background (never
 * drawn). String labels take their position as value, as the SDK's segmentation does.
 */
export function labelColours(labels: readonly LabelSpec[]): LabelColour[] {
  const out: LabelColour[] = [];
  labels.forEach((l, i) => {
    const value = typeof l === 'string' ? i : (l.value ?? i);
    if (value === 0) return;
    const name = typeof l === 'string' ? l : l.name;
    const own = typeof l === 'string' || !l.color ? undefined : parseHex(l.color);
    out.push({ value, name, rgb: own ?? paletteColour(value) });
  });
  return out;
}

/** Colours of detection classes: box outlines carry value classIndex + 1. */
export function classColours(labels: readonly LabelSpec[]): LabelColour[] {
  return labels.map((l, i) => ({ value: i + 1, name: typeof l === 'string' ? l : l.name, rgb: paletteColour(i + 1) }));
}

/** NiiVue's label colour map ({R, G, B, A, I, labels}): background transparent, labels opaque. */
export function niivueLabelMap(colours: readonly LabelColour[]): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[]; labels: string[] } {
  const all = [{ value: 0, name: 'background', rgb: [0, 0, 0] as Rgb }, ...colours];
  return {
    R: all.map((c) => c.rgb[0]),
    G: all.map((c) => c.rgb[1]),
    B: all.map((c) => c.rgb[2]),
    A: all.map((c) => (c.value === 0 ? 0 : 255)),
    I: all.map((c) => c.value),
    labels: all.map((c) => c.name),
  };
}

export interface BoxInput {
  /** Voxel-centre index coordinates of the input volume (the SDK's `box.index`). */
  readonly min: readonly number[];
  readonly max: readonly number[];
  readonly classIndex: number;
}

/**
 * Boxes as outlines in a uint8 label volume on the image's own grid (value classIndex + 1), so
 * the viewer places them with the image's geometry in every plane and in 3D. A 2D image gets the
 * rectangle's perimeter; a 3D box its six faces, so any slice through the box shows its outline.
 * Corners are rounded to the nearest voxel and clamped to the image; a box entirely outside the
 * image draws nothing. Where boxes overlap, the later (lower-scoring, as the SDK sorts) one wins.
 */
export function boxOutlineVolume(reference: Volume, boxes: readonly BoxInput[]): Volume<'uint8'> {
  const [ni, nj, nk] = reference.geometry.size;
  const data = new Uint8Array(ni * nj * nk);
  const size = [ni, nj, nk];
  for (const box of boxes) {
    const lo = [0, 1, 2].map((a) => Math.max(0, Math.round(box.min[a] ?? 0)));
    const hi = [0, 1, 2].map((a) => Math.min(size[a]! - 1, Math.round(box.max[a] ?? 0)));
    if (lo.some((l, a) => l > hi[a]!)) continue;
    const value = Math.min(255, box.classIndex + 1);
    const flat = nk === 1;
    for (let k = lo[2]!; k <= hi[2]!; k++)
      for (let j = lo[1]!; j <= hi[1]!; j++)
        for (let i = lo[0]!; i <= hi[0]!; i++) {
          const edge = i === lo[0] || i === hi[0] || j === lo[1] || j === hi[1] || (!flat && (k === lo[2] || k === hi[2]));
          if (edge) data[i + ni * (j + nj * k)] = value;
        }
  }
  return createVolume({ geometry: reference.geometry, data, meta: { source: 'boxes' } });
}

/**
 * The volume the viewer shows for an input: itself when it has one component and one frame, else
 * the first component of the first frame (colour and vector images are shown as grey: the
 * viewer's layers are scalar; a 4D series shows its first frame).
 */
export function displayVolume(v: Volume): Volume {
  if (v.components === 1 && v.frames === 1) return v;
  const n = v.geometry.size[0] * v.geometry.size[1] * v.geometry.size[2];
  const data = new Float32Array(n);
  for (let p = 0; p < n; p++) data[p] = v.data[p * v.components]!;
  return createVolume({ geometry: v.geometry, data, meta: v.meta });
}

/**
 * Colour map of the Jacobian determinant layer, over the range [0, 2] (index 128 = J 1): blue
 * where tissue is compressed (J -> 0), red where it expands (J -> 2), transparent where volume
 * is kept (J = 1), so the image shows through where nothing happens. J <= 0 (folding) is
 * saturated blue; the result table gives the folding percentage.
 */
export const JACOBIAN_COLORMAP = {
  name: 'medinfer-jacobian',
  range: [0, 2] as const,
  map: { R: [0, 90, 255, 255, 255], G: [0, 90, 255, 90, 0], B: [255, 255, 255, 90, 0], A: [255, 140, 0, 140, 255], I: [0, 96, 128, 160, 255] },
};

/**
 * The input with every voxel outside a mask set to 0 (a brain-mask model's "masked brain"), for
 * models that return a mask but no masked image (`maskInput` makes one in the SDK itself). The
 * SDK returns labels on the input's own grid, so the two must share it: anything else is refused
 * rather than drawn misaligned.
 */
export function maskedByLabels(image: Volume, labels: Volume): Volume {
  const shown = displayVolume(image);
  const same = shown.geometry.size.every((n, a) => n === labels.geometry.size[a]);
  if (!same) throw new Error(`mask grid ${labels.geometry.size.join('x')} differs from the image's ${shown.geometry.size.join('x')}`);
  const data = new Float32Array(shown.data.length);
  for (let p = 0; p < data.length; p++) data[p] = labels.data[p] ? shown.data[p]! : 0;
  return createVolume({ geometry: shown.geometry, data, meta: { ...shown.meta, source: 'masked' } });
}
