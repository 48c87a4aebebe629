/**
 * Label-map statistics gathered plane by plane, for a label map that is never held whole (written
 * to a file as the sliding window finishes it, pipelines/segmentation-sink.ts): voxel counts per
 * label -> volumes in ml, and the slice along the third voxel axis with the most labelled voxels
 * (the CLI's overlay). Fed a whole map at once they give exactly what they give fed in planes:
 * counts are integers (exact in float64 in any order) and a slice's area is its own.
 */
import { ShapeError } from '../../core/errors.js';
import { countBytes } from '../../core/count-bytes.js';
import type { Geometry } from '../../core/geometry.js';

export interface LabelVolume {
  readonly label: number;
  readonly voxels: number;
  /** Physical volume in millilitres (voxel count x spacing product in mm^3 / 1000). */
  readonly ml: number;
}

/** Volumes of the labels counted in `histogram` (index = label), background 0 excluded, sorted by label. */
export function volumesFromHistogram(histogram: Float64Array, geometry: Geometry): LabelVolume[] {
  const voxelMl = (geometry.spacing[0] * geometry.spacing[1] * geometry.spacing[2]) / 1000;
  const out: LabelVolume[] = [];
  for (let l = 1; l < histogram.length; l++) if (histogram[l]! > 0) out.push({ label: l, voxels: histogram[l]!, ml: histogram[l]! * voxelMl });
  return out;
}

/** Voxel counts per label over every plane added. */
export class LabelTally {
  private histogram: Float64Array | undefined;
  private counted = 0;

  add(labels: Uint8Array | Uint16Array): void {
    this.histogram ??= new Float64Array(labels instanceof Uint8Array ? 256 : 65536);
    if (labels instanceof Uint8Array) countBytes(labels, this.histogram);
    else countUint16(labels, this.histogram);
    this.counted += labels.length;
  }

  /** Volumes in ml; every voxel of `geometry` must have been added once. */
  volumes(geometry: Geometry): LabelVolume[] {
    const n = geometry.size[0] * geometry.size[1] * geometry.size[2];
    if (this.counted !== n) throw new ShapeError(`label map has ${this.counted} voxels, geometry needs ${n}`, { expected: n, actual: this.counted });
    return volumesFromHistogram(this.histogram ?? new Float64Array(1), geometry);
  }
}

export function countUint16(labels: Uint16Array, histogram: Float64Array): void {
  for (let v = 0; v < labels.length; v++) histogram[labels[v]!]!++;
}

/** The slice along the third voxel axis (k) with the most non-zero labels, and its labels. */
export interface LargestSlice {
  /** k of the slice: the first of equal areas; the middle slice when no voxel is labelled. */
  readonly index: number;
  /** Labelled (non-zero) voxels in it. */
  readonly area: number;
  /** Its labels, i fastest (size[0] x size[1]). */
  readonly labels: Uint8Array | Uint16Array;
}

/** Follows the largest slice over planes added in order of k (each a multiple of size[0] * size[1] voxels). */
export class LargestSliceTracker {
  private readonly plane: number;
  private best: LargestSlice | undefined;
  private next = 0;

  constructor(private readonly size: readonly [number, number, number]) {
    this.plane = size[0] * size[1];
  }

  /** Planes k0 .. of the label map; they must follow the planes added before. */
  add(planes: Uint8Array | Uint16Array, k0: number): void {
    if (k0 !== this.next || planes.length % this.plane !== 0)
      throw new ShapeError(`label planes must arrive in order: got ${planes.length / this.plane} planes at ${k0}, expected plane ${this.next}`, {
        expected: this.next,
        actual: k0,
      });
    for (let p = 0; p < planes.length; p += this.plane) {
      let area = 0;
      for (let v = p; v < p + this.plane; v++) if (planes[v] !== 0) area++;
      // Strictly larger: the first of equal slices stays.
      if (area > (this.best?.area ?? 0)) this.best = { index: this.next, area, labels: planes.slice(p, p + this.plane) };
      this.next++;
    }
  }

  result(emptyType: 'uint8' | 'uint16' = 'uint8'): LargestSlice {
    if (this.next !== this.size[2]) throw new ShapeError(`${this.next} of ${this.size[2]} label slices arrived`, { expected: this.size[2], actual: this.next });
    if (this.best !== undefined) return this.best;
    const labels = emptyType === 'uint8' ? new Uint8Array(this.plane) : new Uint16Array(this.plane);
    return { index: Math.floor(this.size[2] / 2), area: 0, labels };
  }
}

/** The largest slice of a whole label map. */
export function findLargestSlice(labels: Uint8Array | Uint16Array, size: readonly [number, number, number]): LargestSlice {
  const tracker = new LargestSliceTracker(size);
  tracker.add(labels, 0);
  return tracker.result(labels instanceof Uint8Array ? 'uint8' : 'uint16');
}
