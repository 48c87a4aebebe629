/**
 * Mapping results back through a general regridding (conform of an oblique / differently
 * oriented input). A plan's records split at its last reslicing record: the records after it
 * are axis-aligned (crops, ...) and invert with the existing separable machinery onto the
 * reslice grid (the conformed 256^3 grid); from there `resliceToInputGrid` samples the result at
 * every input voxel through the composed index map - nearest for labels (labels stay labels,
 * as niivue would draw them back), trilinear for probabilities. Input voxels outside the
 * regridded volume get `fill` (background).
 */
import { ShapeError } from '../core/errors.js';
import { allocateTypedArray } from '../core/dtype.js';
import { voxelCount, type Geometry } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import { composeAffine3x4, invertAffine3x4, type Affine3x4 } from './conform-grid.js';
import type { IndexTransform, PreprocessRecord } from './types.js';

export interface SplitRecords {
  /** Records up to and including the last reslicing one (empty when none reslices). */
  readonly outer: readonly PreprocessRecord[];
  /** Axis-aligned records after it (all records when none reslices). */
  readonly inner: readonly PreprocessRecord[];
}

export function splitAtReslice(records: readonly PreprocessRecord[]): SplitRecords {
  let last = -1;
  records.forEach((r, idx) => {
    if (r.reslice !== undefined) last = idx;
  });
  return { outer: records.slice(0, last + 1), inner: records.slice(last + 1) };
}

function affineOfTransform(t: IndexTransform): Affine3x4 {
  const m = new Array<number>(12).fill(0);
  // in[axes[a]] = scale[a] * out[a] + offset[a]
  for (let a = 0; a < 3; a++) {
    m[t.axes[a]! * 4 + a] = t.scale[a]!;
    m[t.axes[a]! * 4 + 3] = t.offset[a]!;
  }
  return m;
}

/** Output (last record's grid) index -> input index of `records`, as one 3x4 map. */
export function composeRecordAffine(records: readonly PreprocessRecord[]): Affine3x4 {
  let m: Affine3x4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0];
  for (const r of records) {
    const step = r.reslice ?? (r.transform === null ? null : affineOfTransform(r.transform));
    if (step !== null) m = composeAffine3x4(m, step);
  }
  return m;
}

export interface ResliceOptions {
  readonly interpolation: 'nearest' | 'linear';
  readonly fill?: number;
}

/**
 * `result` lies on the grid the `outer` records end on; returns it on their first input's grid.
 * Nearest keeps the type; linear gives float32. Channels are planar frames.
 */
export function resliceToInputGrid(result: Volume, outer: readonly PreprocessRecord[], options: ResliceOptions): Volume {
  const first = outer[0];
  const last = outer[outer.length - 1];
  if (first === undefined || last === undefined) throw new ShapeError('resliceToInputGrid: no records', { field: 'records' });
  const grid = last.outputGeometry.size;
  if (!result.geometry.size.every((n, a) => n === grid[a])) {
    throw new ShapeError(`resliceToInputGrid: result grid [${result.geometry.size.join('x')}] is not the resliced grid [${grid.join('x')}]`, {
      expected: [...grid],
      actual: [...result.geometry.size],
    });
  }
  const target: Geometry = first.inputGeometry;
  const m = invertAffine3x4(composeRecordAffine(outer)); // input index -> result index
  const [d0, d1, d2] = result.geometry.size;
  const [n0, n1, n2] = target.size;
  const channels = result.frames * result.components;
  if (result.components !== 1) throw new ShapeError('resliceToInputGrid: expects planar channels', { actual: result.components });
  const linear = options.interpolation === 'linear';
  const src = result.data;
  const fill = options.fill ?? 0;
  const srcVoxels = d0 * d1 * d2;
  const outVoxels = voxelCount(target);
  const out = linear ? new Float32Array(outVoxels * channels) : allocateTypedArray(result.type, outVoxels * channels);
  let o = 0;
  for (let k = 0; k < n2; k++) {
    for (let j = 0; j < n1; j++) {
      const bx = j * m[1]! + k * m[2]! + m[3]!;
      const by = j * m[5]! + k * m[6]! + m[7]!;
      const bz = j * m[9]! + k * m[10]! + m[11]!;
      for (let i = 0; i < n0; i++, o++) {
        const x = i * m[0]! + bx,
          y = i * m[4]! + by,
          z = i * m[8]! + bz;
        if (!linear) {
          const xi = Math.round(x),
            yi = Math.round(y),
            zi = Math.round(z);
          const inside = xi >= 0 && yi >= 0 && zi >= 0 && xi < d0 && yi < d1 && zi < d2;
          const s = xi + d0 * (yi + d1 * zi);
          for (let c = 0; c < channels; c++) out[o + c * outVoxels] = inside ? src[s + c * srcVoxels]! : fill;
          continue;
        }
        // Clamp to the grid's edge within half a voxel (the model grid covers that far).
        const cx = Math.min(Math.max(x, 0), d0 - 1),
          cy = Math.min(Math.max(y, 0), d1 - 1),
          cz = Math.min(Math.max(z, 0), d2 - 1);
        if (Math.abs(cx - x) > 0.5 || Math.abs(cy - y) > 0.5 || Math.abs(cz - z) > 0.5) {
          for (let c = 0; c < channels; c++) out[o + c * outVoxels] = fill;
          continue;
        }
        const x0 = Math.floor(cx),
          y0 = Math.floor(cy),
          z0 = Math.floor(cz);
        const x1 = Math.min(x0 + 1, d0 - 1),
          y1 = Math.min(y0 + 1, d1 - 1),
          z1 = Math.min(z0 + 1, d2 - 1);
        const wx = cx - x0,
          wy = cy - y0,
          wz = cz - z0;
        for (let c = 0; c < channels; c++) {
          const b = c * srcVoxels;
          const at = (xx: number, yy: number, zz: number): number => src[b + xx + d0 * (yy + d1 * zz)]!;
          const c00 = at(x0, y0, z0) + (at(x1, y0, z0) - at(x0, y0, z0)) * wx;
          const c10 = at(x0, y1, z0) + (at(x1, y1, z0) - at(x0, y1, z0)) * wx;
          const c01 = at(x0, y0, z1) + (at(x1, y0, z1) - at(x0, y0, z1)) * wx;
          const c11 = at(x0, y1, z1) + (at(x1, y1, z1) - at(x0, y1, z1)) * wx;
          const c0 = c00 + (c10 - c00) * wy;
          const c1 = c01 + (c11 - c01) * wy;
          out[o + c * outVoxels] = c0 + (c1 - c0) * wz;
        }
      }
    }
  }
  return createVolume({ geometry: target, data: out, frames: channels, meta: { ...result.meta } });
}
