/**
 * Box layouts (MONAI box_utils names): 2D 'xyxy' = [x1, y1, x2, y2], 'cxcywh' = [cx, cy, w, h];
 * 3D 'xyzxyz' = [x1, y1, z1, x2, y2, z2], 'cccwhd' = [cx, cy, cz, w, h, d]. Boxes are stored flat
 * (4 or 6 numbers per box). In voxel space x, y, z are continuous voxel indices along i, j, k with
 * voxel centres at integers (the convention MONAI's AffineBoxToWorldCoordinated applies the
 * affine to).
 */
import { InputError, ShapeError } from '../../core/errors.js';
import { affineFromGeometry, type Geometry } from '../../core/geometry.js';

export type BoxMode2D = 'xyxy' | 'cxcywh';
export type BoxMode3D = 'xyzxyz' | 'cccwhd';
export type BoxMode = BoxMode2D | BoxMode3D;

export function boxDims(mode: BoxMode): 2 | 3 {
  return mode === 'xyxy' || mode === 'cxcywh' ? 2 : 3;
}

function isCornerMode(mode: BoxMode): boolean {
  return mode === 'xyxy' || mode === 'xyzxyz';
}

/** Converts between the corner and centre layouts of the same dimensionality. */
export function convertBoxMode(boxes: ArrayLike<number>, from: BoxMode, to: BoxMode): Float64Array {
  const d = boxDims(from);
  if (boxDims(to) !== d) throw new ShapeError(`cannot convert ${d}D box mode '${from}' to '${to}'`, { from, to });
  const stride = 2 * d;
  if (boxes.length % stride !== 0) throw new ShapeError(`${boxes.length} numbers are not a whole number of ${stride}-value boxes`);
  const out = Float64Array.from(boxes);
  if (isCornerMode(from) === isCornerMode(to)) return out;
  for (let b = 0; b < boxes.length; b += stride) {
    for (let a = 0; a < d; a++) {
      const p = boxes[b + a]!;
      const q = boxes[b + d + a]!;
      if (isCornerMode(from)) {
        out[b + a] = (p + q) / 2;
        out[b + d + a] = q - p;
      } else {
        out[b + a] = p - q / 2;
        out[b + d + a] = p + q / 2;
      }
    }
  }
  return out;
}

/**
 * Checks corner boxes: finite coordinates and max >= min on every axis. Zero-size boxes are
 * valid (their IoU with anything is 0, so NMS never suppresses with or by them).
 */
export function validateCornerBoxes(boxes: ArrayLike<number>, dims: 2 | 3): void {
  const stride = 2 * dims;
  if (boxes.length % stride !== 0) throw new ShapeError(`${boxes.length} numbers are not a whole number of ${stride}-value boxes`);
  for (let b = 0; b < boxes.length; b += stride) {
    for (let a = 0; a < dims; a++) {
      const lo = boxes[b + a]!;
      const hi = boxes[b + dims + a]!;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new InputError(`box ${b / stride} has a non-finite coordinate`, { box: b / stride });
      if (hi < lo) throw new InputError(`box ${b / stride} has max < min on axis ${a} (${hi} < ${lo})`, { box: b / stride, axis: a });
    }
  }
}

/**
 * Maps voxel-space boxes (xyzxyz, or xyxy on slice k = 0) to LPS world mm. With an oblique
 * direction a voxel-aligned box is not world-aligned, so the result is the world-aligned box
 * enclosing all 8 transformed corners (equal to MONAI's two-corner min/max for axis-aligned grids).
 * Returns xyzxyz in mm; convert with convertBoxMode(..., 'xyzxyz', 'cccwhd') for centre form.
 */
export function mapBoxesToWorld(boxes: ArrayLike<number>, mode: BoxMode, geometry: Geometry): Float64Array {
  const d = boxDims(mode);
  const corners = isCornerMode(mode) ? Float64Array.from(boxes) : convertBoxMode(boxes, mode, d === 2 ? 'xyxy' : 'xyzxyz');
  validateCornerBoxes(corners, d);
  const stride = 2 * d;
  const n = corners.length / stride;
  const out = new Float64Array(n * 6);
  // World = origin + A index with A = D diag(spacing): per axis, the min / max over the 8 corners
  // is origin + sum over voxel axes of min / max(A[r][c] * lo_c, A[r][c] * hi_c).
  const a = affineFromGeometry(geometry);
  for (let b = 0; b < n; b++) {
    const base = b * stride;
    for (let r = 0; r < 3; r++) {
      let min = a[r * 4 + 3]!;
      let max = min;
      for (let c = 0; c < 3; c++) {
        const lo = c < d ? corners[base + c]! : 0;
        const hi = c < d ? corners[base + d + c]! : 0;
        const p = a[r * 4 + c]! * lo;
        const q = a[r * 4 + c]! * hi;
        min += p < q ? p : q;
        max += p < q ? q : p;
      }
      out[b * 6 + r] = min;
      out[b * 6 + 3 + r] = max;
    }
  }
  return out;
}
