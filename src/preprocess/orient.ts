/**
 * orient {axcodes}: reorders / flips voxel axes so they point towards the requested letters,
 * reproducing nibabel's io_orientation + ornt_transform (what MONAI's Orientationd uses).
 *
 * Letters are nibabel "towards" codes: 'RAS' means +i goes towards patient Right, +j towards
 * Anterior, +k towards Superior. The SDK world is LPS, so a RAS-oriented volume has direction
 * columns pointing to -x, -y, +z. Only axes are permuted and flipped (no interpolation), so
 * values are copied exactly; oblique volumes are assigned their closest axes the way nibabel does.
 */
import { InputError } from '../core/errors.js';
import { invert3, type Mat3, type Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { createRecord } from './record.js';
import { resampleGrid } from './resample-grid.js';
import type { AxisIndex, IndexTransform, OrientParams, StepResult } from './types.js';

/** Letter -> [world axis in RAS naming, sign]. */
const LETTERS: Readonly<Record<string, readonly [number, number]>> = {
  R: [0, 1],
  L: [0, -1],
  A: [1, 1],
  P: [1, -1],
  S: [2, 1],
  I: [2, -1],
};

export const AXCODES_PATTERN = /^(?=.*[LR])(?=.*[AP])(?=.*[IS])[LRAPIS]{3}$/;

export function readOrientParams(r: ParamReader): OrientParams {
  const axcodes = r.string('axcodes', AXCODES_PATTERN, 'three letters from L/R, A/P, I/S, one per world axis (e.g. "RAS")');
  return { axcodes };
}

/** Orthogonal polar factor by Newton iteration X <- (X + X^-T) / 2 (= nibabel's P @ Qs from the SVD). */
function closestRotation(m: Mat3): Mat3 {
  let x: number[] = [...m];
  for (let it = 0; it < 100; it++) {
    const inv = invert3(x as unknown as Mat3);
    const next = x.map((_, idx) => 0.5 * (x[idx]! + inv[(idx % 3) * 3 + Math.floor(idx / 3)]!));
    const delta = next.reduce((s, v, idx) => Math.max(s, Math.abs(v - x[idx]!)), 0);
    x = next;
    if (delta < 1e-15) break;
  }
  return x as unknown as Mat3;
}

/**
 * nibabel io_orientation on the RAS affine: for each voxel axis (in order), the world axis its
 * rotated direction is closest to, and whether it points to the positive (R/A/S) side.
 */
export function computeOrientation(direction: Mat3): [number, number][] {
  // RAS = diag(-1, -1, 1) * LPS.
  const ras = direction.map((v, idx) => (idx < 6 ? -v : v)) as unknown as Mat3;
  const r = [...closestRotation(ras)];
  const result: [number, number][] = [];
  for (let c = 0; c < 3; c++) {
    let best = 0;
    for (let w = 1; w < 3; w++) if (Math.abs(r[w * 3 + c]!) > Math.abs(r[best * 3 + c]!)) best = w;
    result.push([best, r[best * 3 + c]! < 0 ? -1 : 1]);
    for (let k = 0; k < 3; k++) r[best * 3 + k] = 0;
  }
  return result;
}

/** Index transform (output -> input) that brings a volume of this geometry to `axcodes`. */
export function computeOrientTransform(direction: Mat3, size: Vec3, axcodes: string): IndexTransform {
  const current = computeOrientation(direction);
  const axes: AxisIndex[] = [];
  const scale: number[] = [];
  const offset: number[] = [];
  for (let a = 0; a < 3; a++) {
    const target = LETTERS[axcodes[a]!];
    if (target === undefined) throw new InputError(`orient: invalid axis code "${axcodes}"`, { field: 'axcodes' });
    const src = current.findIndex(([w]) => w === target[0]);
    if (src < 0) throw new InputError(`orient: volume has no axis along world axis of "${axcodes[a]}"`, { field: 'axcodes' });
    const flip = current[src]![1] !== target[1];
    axes.push(src as AxisIndex);
    scale.push(flip ? -1 : 1);
    offset.push(flip ? size[src]! - 1 : 0);
  }
  return { axes: [axes[0]!, axes[1]!, axes[2]!], scale: [scale[0]!, scale[1]!, scale[2]!], offset: [offset[0]!, offset[1]!, offset[2]!] };
}

export function orientVolume(volume: Volume, params: OrientParams): StepResult {
  if (!AXCODES_PATTERN.test(params.axcodes)) {
    throw new InputError(`orient: axcodes must be three letters from L/R, A/P, I/S, got "${params.axcodes}"`, { field: 'axcodes' });
  }
  const g = volume.geometry;
  const t = computeOrientTransform(g.direction, g.size, params.axcodes);
  const identity = t.axes.every((src, a) => src === a) && t.scale.every((s) => s === 1);
  // Already in the requested orientation: no copy (the record still documents the step).
  if (identity) return { volume, record: createRecord('orient', params, g, g, t) };
  const outSize: Vec3 = [g.size[t.axes[0]], g.size[t.axes[1]], g.size[t.axes[2]]];
  const out = resampleGrid(volume, t, outSize, { linear: false, edge: 'border' });
  return { volume: out, record: createRecord('orient', params, g, out.geometry, t) };
}
