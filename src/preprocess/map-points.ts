/**
 * mapPointsToInput / mapBoxesToInput: detections and landmarks found on the preprocessed grid,
 * back in the caller's input voxel indices and in LPS world millimetres.
 * Coordinates are given along the preprocessed volume's axes (i, j, k) unless `axes` says
 * otherwise (e.g. 'kji' for a detector reporting (z, y, x) of an NCDHW tensor). YOLO (cx, cy)
 * and MONAI boxes on an 'ijk' tensor are already in (i, j, k) order.
 * convention 'center': integer coordinates are voxel centres (MONAI, nnU-Net);
 * 'edge': pixel p spans [p, p + 1) (YOLO / torchvision boxes), so centres are at p + 0.5.
 */
import { indexToWorld, type Vec3 } from '../core/geometry.js';
import { UsageError } from '../core/errors.js';
import { composeRecords } from './compose-records.js';
import { applyTransform } from './index-transform.js';
import type { PreprocessRecord } from './types.js';

export interface MapOptions {
  readonly convention?: 'center' | 'edge';
  /** Axis letter of each given coordinate, e.g. 'ij', 'ijk', 'kji' (default 'ijk'). */
  readonly axes?: string;
}

export interface MappedPoint {
  /** Continuous input voxel index (i, j, k), same convention as the given point. */
  readonly index: Vec3;
  /** LPS world position in mm. */
  readonly world: Vec3;
}

export interface MappedBox {
  readonly index: { readonly min: Vec3; readonly max: Vec3 };
  /** Axis-aligned LPS bounds of the box corners, and the world position of the box centre. */
  readonly world: { readonly min: Vec3; readonly max: Vec3; readonly center: Vec3 };
}

function toVolumeOrder(coords: readonly number[], axes: string): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  if (coords.length > axes.length) throw new UsageError(`point has ${coords.length} coordinates but axes "${axes}" names ${axes.length}`, { field: 'axes' });
  coords.forEach((value, idx) => {
    const a = 'ijk'.indexOf(axes[idx]!);
    if (a < 0) throw new UsageError(`axes must use the letters i, j, k, got "${axes}"`, { field: 'axes' });
    out[a] = value;
  });
  return out;
}

export function mapPointsToInput(points: readonly (readonly number[])[], records: readonly PreprocessRecord[], options: MapOptions = {}): MappedPoint[] {
  const { transform, inputGeometry } = composeRecords(records);
  const shift = options.convention === 'edge' ? 0.5 : 0;
  const axes = options.axes ?? 'ijk';
  return points.map((p) => {
    const q = toVolumeOrder(p, axes).map((x) => x - shift);
    const centre = applyTransform(transform, q);
    const index: Vec3 = [centre[0] + shift, centre[1] + shift, centre[2] + shift];
    return { index, world: indexToWorld(inputGeometry, centre) };
  });
}

/** Boxes as [min..., max...]: 4 numbers (2D) or 6 (3D), ordered like `axes`. */
export function mapBoxesToInput(boxes: readonly (readonly number[])[], records: readonly PreprocessRecord[], options: MapOptions = {}): MappedBox[] {
  const { inputGeometry } = composeRecords(records);
  const shift = options.convention === 'edge' ? 0.5 : 0;
  return boxes.map((box) => {
    if (box.length !== 4 && box.length !== 6) throw new UsageError(`a box needs 4 or 6 numbers, got ${box.length}`, { field: 'boxes' });
    const d = box.length / 2;
    const [a, b] = mapPointsToInput([box.slice(0, d), box.slice(d)], records, options);
    const min: Vec3 = [Math.min(a!.index[0], b!.index[0]), Math.min(a!.index[1], b!.index[1]), Math.min(a!.index[2], b!.index[2])];
    const max: Vec3 = [Math.max(a!.index[0], b!.index[0]), Math.max(a!.index[1], b!.index[1]), Math.max(a!.index[2], b!.index[2])];
    const wmin = [Infinity, Infinity, Infinity];
    const wmax = [-Infinity, -Infinity, -Infinity];
    for (let c = 0; c < 8; c++) {
      const corner = [c & 1 ? max[0] : min[0], c & 2 ? max[1] : min[1], c & 4 ? max[2] : min[2]].map((x) => x - shift);
      const w = indexToWorld(inputGeometry, corner);
      for (let r = 0; r < 3; r++) {
        wmin[r] = Math.min(wmin[r]!, w[r]!);
        wmax[r] = Math.max(wmax[r]!, w[r]!);
      }
    }
    const center = indexToWorld(
      inputGeometry,
      [0, 1, 2].map((r) => (min[r]! + max[r]!) / 2 - shift),
    );
    return { index: { min, max }, world: { min: [wmin[0]!, wmin[1]!, wmin[2]!], max: [wmax[0]!, wmax[1]!, wmax[2]!], center } };
  });
}
