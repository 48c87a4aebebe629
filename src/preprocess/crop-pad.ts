/**
 * cropPad {mode, size?, k?, margin?, value?}: integer crops and constant pads (values copied
 * exactly, type kept). Conventions reproduced:
 * - 'center': MONAI CenterSpatialCrop / SpatialPad(method "symmetric"): crop start
 *   n//2 - size//2, pad before (size - n)//2; per axis, -1 keeps the axis.
 * - 'centerSquare': TorchXRayVision XRayCenterCrop: square of the shorter in-plane side (i, j),
 *   start = dim//2 - crop//2.
 * - 'divisible': MONAI DivisiblePad(k, method "symmetric"): pad to ceil(n / k) * k.
 * - 'foreground': MONAI CropForeground(select_fn x > 0 over all channels, margin,
 *   allow_smaller=False, k_divisible=k): box [min - margin, max + margin + 1), grown to a multiple
 *   of k about its start (start -= (new - old)//2); parts outside the image are padded with
 *   `value`. `allowSmaller` (MONAI allow_smaller=True, its default up to 1.4) clips the
 *   margin-grown box to the image before the k growth. With no foreground at all the volume is returned unchanged (MONAI would produce an
 *   empty array) and the record says so.
 */
import { InputError } from '../core/errors.js';
import { voxelCount, type Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { createScaleOffsetTransform, deriveGeometry } from './index-transform.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, checkOutputSize, createPlanarVolume, toPlanar } from './planar.js';
import { allocateTypedArray, type TypedArray } from '../core/dtype.js';
import { createRecord } from './record.js';
import type { CropPadParams, StepResult } from './types.js';

export function readCropPadParams(r: ParamReader): CropPadParams {
  const mode = r.oneOf('mode', ['center', 'centerSquare', 'divisible', 'foreground'] as const);
  const used: Record<typeof mode, readonly string[]> = { center: ['size'], centerSquare: [], divisible: ['k'], foreground: ['k', 'margin', 'allowSmaller'] };
  for (const field of ['size', 'k', 'margin', 'allowSmaller']) {
    if (r.has(field) && !used[mode].includes(field))
      r.fail(field, `no "${field}" with mode "${mode}" (it uses ${used[mode].join(', ') || 'no size parameters'})`, r.peek(field));
  }
  const value = r.optionalNumber('value');
  const base = value === undefined ? { mode } : { mode, value };
  if (mode === 'center')
    return {
      ...base,
      size: r.numberArray('size', [2, 3], { integer: true, min: -1 }).map((s) => (s === 0 ? r.fail('size', 'positive integers or -1', s) : s)),
    };
  if (mode === 'divisible') return { ...base, k: r.numberOrArray('k', [2, 3], { integer: true, min: 1 }) };
  if (mode === 'foreground') {
    const margin = r.has('margin') ? r.numberOrArray('margin', [2, 3], { integer: true, min: 0 }) : 0;
    const k = r.has('k') ? r.numberOrArray('k', [2, 3], { integer: true, min: 1 }) : 1;
    const allowSmaller = r.boolean('allowSmaller', false);
    return { ...base, margin, k, ...(allowSmaller ? { allowSmaller } : {}) };
  }
  return base;
}

/** A scalar applies to every axis, except the k axis of a 2D image (one slice), which stays. */
function perAxis(v: number | readonly number[] | undefined, fallback: number, is2d: boolean): Vec3 {
  if (v === undefined) return [fallback, fallback, fallback];
  if (typeof v === 'number') return [v, v, is2d ? fallback : v];
  return [v[0] ?? fallback, v[1] ?? fallback, v[2] ?? fallback];
}

/**
 * Extends the inclusive box [lo, hi] (per axis i, j, k) to every voxel with data > threshold in
 * the 3D block of `size` starting at `offset` (one channel of a planar volume). hi[0] stays -1
 * while nothing was found.
 */
export function growBoxAbove(data: TypedArray, offset: number, size: Vec3, threshold: number, lo: number[], hi: number[]): void {
  const [n0, n1, n2] = size;
  let p = offset;
  for (let k = 0; k < n2; k++) {
    for (let j = 0; j < n1; j++, p += n0) {
      let first = -1;
      let last = -1;
      for (let i = 0; i < n0; i++) {
        if (data[p + i]! > threshold) {
          if (first < 0) first = i;
          last = i;
        }
      }
      if (first < 0) continue;
      if (first < lo[0]!) lo[0] = first;
      if (last > hi[0]!) hi[0] = last;
      if (j < lo[1]!) lo[1] = j;
      if (j > hi[1]!) hi[1] = j;
      if (k < lo[2]!) lo[2] = k;
      if (k > hi[2]!) hi[2] = k;
    }
  }
}

/** Foreground box [start, end) per axis over all channels, or null when nothing is > 0. */
export function findForegroundBox(volume: Volume): { start: Vec3; end: Vec3 } | null {
  const v = toPlanar(volume);
  const [n0, n1, n2] = v.geometry.size;
  const nv = voxelCount(v.geometry);
  const lo = [n0, n1, n2];
  const hi = [-1, -1, -1];
  const data = v.data;
  for (let c = 0; c < channelCount(v); c++) growBoxAbove(data, c * nv, v.geometry.size, 0, lo, hi);
  if (hi[0]! < 0) return null;
  return { start: [lo[0]!, lo[1]!, lo[2]!], end: [hi[0]! + 1, hi[1]! + 1, hi[2]! + 1] };
}

/** Box [start, start + size) in input voxels for each mode (start may be negative: padding). */
export function planCropPad(volume: Volume, params: CropPadParams): { start: Vec3; size: Vec3; foreground?: boolean } {
  const n = volume.geometry.size;
  const start = [0, 0, 0];
  const size = [n[0], n[1], n[2]];
  if (params.mode === 'center') {
    if (params.size === undefined) throw new InputError('cropPad center: size is required', { field: 'size' });
    for (let a = 0; a < 3; a++) {
      const s = params.size[a];
      if (s === undefined || s === -1) continue;
      size[a] = s;
      start[a] = s <= n[a]! ? Math.floor(n[a]! / 2) - Math.floor(s / 2) : -Math.floor((s - n[a]!) / 2);
    }
  } else if (params.mode === 'centerSquare') {
    const s = Math.min(n[0], n[1]);
    for (const a of [0, 1]) {
      size[a] = s;
      start[a] = Math.floor(n[a]! / 2) - Math.floor(s / 2);
    }
  } else if (params.mode === 'divisible') {
    const k = perAxis(params.k, 1, n[2] === 1);
    for (let a = 0; a < 3; a++) {
      size[a] = Math.ceil(n[a]! / k[a]!) * k[a]!;
      start[a] = -Math.floor((size[a]! - n[a]!) / 2);
    }
  } else {
    const box = findForegroundBox(volume);
    if (box === null) return { start: [0, 0, 0], size: [n[0], n[1], n[2]], foreground: false };
    const margin = perAxis(params.margin, 0, n[2] === 1);
    const k = perAxis(params.k, 1, n[2] === 1);
    for (let a = 0; a < 3; a++) {
      const m = margin[a]!;
      // allowSmaller (MONAI allow_smaller=True): the margin stops at the image border before the k growth.
      const s0 = params.allowSmaller === true ? Math.max(0, box.start[a]! - m) : box.start[a]! - m;
      const e0 = params.allowSmaller === true ? Math.min(n[a]!, box.end[a]! + m) : box.end[a]! + m;
      const len = e0 - s0;
      const len2 = Math.ceil(len / k[a]!) * k[a]!;
      start[a] = s0 - Math.floor((len2 - len) / 2);
      size[a] = len2;
    }
    return { start: [start[0]!, start[1]!, start[2]!], size: [size[0]!, size[1]!, size[2]!], foreground: true };
  }
  return { start: [start[0]!, start[1]!, start[2]!], size: [size[0]!, size[1]!, size[2]!] };
}

/** Copies the box [start, start + size) of a planar volume row by row; outside -> fill. */
export function copyBox(v: Volume, start: Vec3, size: Vec3, fill: number): TypedArray {
  const [n0, n1, n2] = v.geometry.size;
  const [m0, m1, m2] = size;
  const channels = channelCount(v);
  const src = v.data;
  const out = allocateTypedArray(v.type, m0 * m1 * m2 * channels);
  if (fill !== 0) out.fill(fill);
  // The part of each output row that lies inside the source: [i0, i1) in output coordinates.
  const i0 = Math.max(0, -start[0]);
  const i1 = Math.min(m0, n0 - start[0]);
  const nv = n0 * n1 * n2;
  if (start[0] === 0 && m0 === n0 && start[1] === 0 && m1 === n1) {
    // Only k changes (e.g. 'divisible' on 155 slices): the kept slices are one contiguous block
    // per channel on both sides, one copy each instead of one per row.
    const plane = n0 * n1;
    const k0 = Math.max(0, -start[2]);
    const k1 = Math.min(m2, n2 - start[2]);
    if (k1 > k0)
      for (let c = 0; c < channels; c++) out.set(src.subarray(c * nv + (k0 + start[2]) * plane, c * nv + (k1 + start[2]) * plane), (c * m2 + k0) * plane);
    return out;
  }
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < m2; k++) {
      const sk = k + start[2];
      if (sk < 0 || sk >= n2) continue;
      for (let j = 0; j < m1; j++) {
        const sj = j + start[1];
        if (sj < 0 || sj >= n1 || i1 <= i0) continue;
        const s = c * nv + (sk * n1 + sj) * n0 + start[0];
        out.set(src.subarray(s + i0, s + i1), ((c * m2 + k) * m1 + j) * m0 + i0);
      }
    }
  }
  return out;
}

export function cropPadVolume(volume: Volume, params: CropPadParams): StepResult {
  const g = volume.geometry;
  const plan = planCropPad(volume, params);
  checkOutputSize('cropPad', plan.size, channelCount(volume));
  const t = createScaleOffsetTransform([1, 1, 1], plan.start);
  const same = plan.start.every((x) => x === 0) && plan.size.every((n, a) => n === g.size[a]);
  // Nothing to crop or pad (e.g. centerSquare on a square radiograph): no copy.
  const v = same ? volume : toPlanar(volume);
  const out = same
    ? volume
    : createPlanarVolume(deriveGeometry(g, t, plan.size), copyBox(v, plan.start, plan.size, params.value ?? 0), channelCount(v), v.meta);
  const details = { start: plan.start, size: plan.size, ...(plan.foreground === undefined ? {} : { foreground: plan.foreground }) };
  return { volume: out, record: createRecord('cropPad', params, g, out.geometry, t, details) };
}
