/**
 * The output grid of FreeSurfer's conform as niivue computes it (conformVox2Vox, a translation of
 * FastSurfer's conform.py / nibabel's MGH header logic): isotropic `voxelSize` mm, `size` voxels,
 * axes LIA (or RAS), and the input's centre - the world point of voxel index size / 2, not
 * (size - 1) / 2, which is FreeSurfer's c_ras convention - placed at output index size / 2.
 * Worked in LPS (the SDK's world): the LPS <-> RAS flip cancels in the index -> index matrix.
 *
 * Matrices here are 3x4 row-major affine maps between continuous voxel indices (voxel centres
 * at integers): [m0 m1 m2 m3; m4 m5 m6 m7; m8 m9 m10 m11].
 */
import { affineFromGeometry, createGeometry, type Geometry, type Mat3 } from '../core/geometry.js';
import { ShapeError } from '../core/errors.js';

/** LPS direction columns of the output axes ('LIA': +i Left, +j Inferior, +k Anterior). */
const DIRECTIONS: Readonly<Record<'LIA' | 'RAS', Mat3>> = {
  // Columns: i -> +x (L), j -> -z (I), k -> -y (A).
  LIA: [1, 0, 0, 0, 0, -1, 0, -1, 0],
  // Columns: i -> -x (R), j -> -y (A), k -> +z (S).
  RAS: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
};

export type Affine3x4 = readonly number[];

export interface ConformGrid {
  readonly geometry: Geometry;
  /** Output index -> input index. */
  readonly outToIn: Affine3x4;
}

/** Inverse of a 3x4 affine map (its 3x3 part must be invertible). */
export function invertAffine3x4(m: Affine3x4): Affine3x4 {
  const [a, b, c, tx, d, e, f, ty, g, h, i, tz] = m as [number, number, number, number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (!(Math.abs(det) > 1e-12)) throw new ShapeError('index transform is singular', { field: 'reslice' });
  const k = 1 / det;
  const r = [
    (e * i - f * h) * k,
    (c * h - b * i) * k,
    (b * f - c * e) * k,
    (f * g - d * i) * k,
    (a * i - c * g) * k,
    (c * d - a * f) * k,
    (d * h - e * g) * k,
    (b * g - a * h) * k,
    (a * e - b * d) * k,
  ];
  return [
    r[0]!,
    r[1]!,
    r[2]!,
    -(r[0]! * tx + r[1]! * ty + r[2]! * tz),
    r[3]!,
    r[4]!,
    r[5]!,
    -(r[3]! * tx + r[4]! * ty + r[5]! * tz),
    r[6]!,
    r[7]!,
    r[8]!,
    -(r[6]! * tx + r[7]! * ty + r[8]! * tz),
  ];
}

/** outer after inner: index -> inner -> outer (both 3x4). */
export function composeAffine3x4(outer: Affine3x4, inner: Affine3x4): Affine3x4 {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      let v = c === 3 ? outer[r * 4 + 3]! : 0;
      for (let k = 0; k < 3; k++) v += outer[r * 4 + k]! * inner[k * 4 + c]!;
      out.push(v);
    }
  }
  return out;
}

/** The 3x4 world (LPS mm) <- index map of a geometry. */
export function indexToWorldAffine(g: Geometry): Affine3x4 {
  return affineFromGeometry(g).slice(0, 12);
}

export function planConformGrid(input: Geometry, size: readonly number[], voxelSize: number, axcodes: 'LIA' | 'RAS'): ConformGrid {
  const a = indexToWorldAffine(input);
  const half = [input.size[0] / 2, input.size[1] / 2, input.size[2] / 2];
  const centre = [0, 1, 2].map((r) => a[r * 4]! * half[0]! + a[r * 4 + 1]! * half[1]! + a[r * 4 + 2]! * half[2]! + a[r * 4 + 3]!);
  const dir = DIRECTIONS[axcodes];
  const outHalf = [size[0]! / 2, size[1]! / 2, size[2]! / 2];
  // origin = centre - D * voxelSize * size / 2 (world of output index 0).
  const origin = [0, 1, 2].map((r) => centre[r]! - voxelSize * (dir[r * 3]! * outHalf[0]! + dir[r * 3 + 1]! * outHalf[1]! + dir[r * 3 + 2]! * outHalf[2]!));
  const geometry = createGeometry({ size: [size[0]!, size[1]!, size[2]!], spacing: [voxelSize, voxelSize, voxelSize], origin, direction: [...dir] });
  const outToIn = composeAffine3x4(invertAffine3x4(a), indexToWorldAffine(geometry));
  return { geometry, outToIn };
}

/** Whether a geometry already is the conformed grid's orientation and voxel size (axis-aligned within 1e-4). */
export function isConformedGrid(g: Geometry, size: readonly number[], voxelSize: number, axcodes: 'LIA' | 'RAS'): boolean {
  const dir = DIRECTIONS[axcodes];
  return (
    g.size.every((s, a) => s === size[a]) &&
    g.spacing.every((s) => Math.abs(s - voxelSize) <= 1e-4 * voxelSize) &&
    g.direction.every((v, idx) => Math.abs(v - dir[idx]!) <= 1e-4)
  );
}
