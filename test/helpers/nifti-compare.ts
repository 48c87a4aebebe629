/**
 * The judge of the dcm2niix-QA acceptance test: does a NIfTI file medinfer wrote hold the same
 * image as dcm2niix's reference? Both files are read with the SDK's own `readNifti`, which
 * applies scl_slope / scl_inter (nibabel's rule), so values are compared in the same units
 * whatever scaling each writer chose (e.g. dcm2niix keeps Philips int16 + scl_slope, medinfer may
 * store float32).
 *
 * Geometry is compared at the same world positions, not header to header: every reference voxel
 * centre is mapped through the reference affine to LPS world and back through ours, and must land
 * on one of our voxel centres within `toleranceMm` (default 1e-3 mm), every one of our voxels
 * being hit once. Any axis permutation or flip is allowed (a writer may store rows, columns or
 * slices in the other order). Since the mapping is affine, checking the eight corners of the
 * reference grid bounds the error at every centre.
 *
 * Values: when both files store integers with scl_slope / scl_inter (the stored-values convention
 * of dcm2niix and medinfer), the stored integers are compared exactly and the two maps must agree
 * to 1e-3 (storedConvention below). Otherwise values after scaling:
 * the same number of volumes (frames) in the same order; voxel by voxel through the
 * mapping, equal when both are integers, else within |a - b| <= relTol*|b| + absTol*max|ref|
 * (defaults 1e-5 and 1e-5: float32 rounding of a rescale, nothing more); at least `minEqual`
 * (default 99.9 %) of the voxels must be equal. On failure the result says what is wrong in
 * terms a reader-fixer can act on (frames stacked along k, flipped along j, values scaled by x,
 * frames reordered ...).
 */
import { indexToWorld, worldToIndex, type Geometry, type Vec3 } from '../../src/core/geometry.js';
import type { Volume } from '../../src/core/volume.js';

export interface CompareOptions {
  toleranceMm?: number;
  relTol?: number;
  absTol?: number;
  minEqual?: number;
}

export interface CompareResult {
  ok: boolean;
  /** One line: what agrees or the first thing that does not. */
  detail: string;
  /** Fraction of equal voxels (when the grids coincide). */
  equalFraction?: number;
}

/** Our voxel index = perm/sign of the reference index + offset. */
interface GridMap {
  axis: [number, number, number];
  sign: [number, number, number];
  offset: [number, number, number];
}

const fmt = (v: readonly number[], d = 3): string => `[${v.map((x) => Number(x.toFixed(d))).join(', ')}]`;
const shape = (v: Volume): string => `${v.geometry.size.join('x')}${v.frames > 1 ? `x${v.frames}` : ''}`;

export function compareNiftiVolumes(ref: Volume, ours: Volume, options: CompareOptions = {}): CompareResult {
  const tol = options.toleranceMm ?? 1e-3;
  if (ref.components !== 1 || ours.components !== 1) {
    if (ref.components !== ours.components) return { ok: false, detail: `components: ref ${ref.components}, ours ${ours.components}` };
    // RGB (or vector) voxels: each component is judged as its own volume, so a flip or permutation
    // moves whole voxels, never one channel into another.
    return compareNiftiVolumes(componentsAsFrames(ref), componentsAsFrames(ours), options);
  }
  const map = mapGrids(ref.geometry, ours.geometry, tol);
  if (typeof map === 'string') return { ok: false, detail: `${map}${describeShapeMismatch(ref, ours)}` };
  if (ref.frames !== ours.frames) return { ok: false, detail: `volumes: ref ${ref.frames}, ours ${ours.frames} (3D grids coincide)` };
  const stored = storedConvention(ref, ours);
  if (stored !== undefined) {
    const verdict = compareValues(stored.ref, stored.ours, map, options);
    return { ...verdict, ok: verdict.ok && stored.agree, detail: `stored values: ${verdict.detail}; ${stored.detail}` };
  }
  return compareValues(ref, ours, map, options);
}

/** Interleaved components (RGBRGB...) -> components x frames volumes of one component each. */
function componentsAsFrames(v: Volume): Volume {
  const c = v.components;
  const n = v.data.length / c;
  const data = new (v.data.constructor as new (n: number) => Volume['data'])(v.data.length);
  for (let k = 0; k < c; k++) for (let i = 0; i < n; i++) data[k * n + i] = v.data[i * c + k]!;
  return { ...v, data, components: 1, frames: v.frames * c };
}

const INTEGER_STORED = new Set(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);

/**
 * The same scaling convention on both sides: both files store integers with their own
 * scl_slope / scl_inter (dcm2niix's convention for DICOM stored values, medinfer's too). Then the
 * stored integers must be equal and the two maps must agree to 1e-3 (relative slope; intercept
 * relative to the value range): the maps are each writer's float arithmetic on the same DICOM
 * attributes (dcm2niix's Philips precise slope differs from the published formula by ~7e-5), the
 * stored values are the data. Returns undefined when either side stores floats or no map.
 */
function storedConvention(ref: Volume, ours: Volume): { ref: Volume; ours: Volume; agree: boolean; detail: string } | undefined {
  const info = (v: Volume): { type: string; slope: number; inter: number } | undefined => {
    const n = v.meta['nifti'] as { datatype?: string; scaling?: { slope: number; inter: number } } | undefined;
    return n?.scaling !== undefined && n.datatype !== undefined && INTEGER_STORED.has(n.datatype) ? { type: n.datatype, ...n.scaling } : undefined;
  };
  const a = info(ref);
  const b = info(ours);
  if (a === undefined || b === undefined) return undefined;
  const unscale = (v: Volume, s: { slope: number; inter: number }): Volume => {
    const data = new Int32Array(v.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round((v.data[i]! - s.inter) / s.slope);
    return { ...v, type: 'int32', data } as Volume;
  };
  let range = 0;
  for (let i = 0; i < ref.data.length; i++) range = Math.max(range, Math.abs(ref.data[i]!));
  const slopeRel = Math.abs(b.slope / a.slope - 1);
  const interDiff = Math.abs(b.inter - a.inter) / Math.max(1, range);
  const agree = slopeRel <= 1e-3 && interDiff <= 1e-3;
  const detail =
    `scl ref ${a.slope.toPrecision(7)} / ${a.inter.toPrecision(7)}, ours ${b.slope.toPrecision(7)} / ${b.inter.toPrecision(7)} (slope ` +
    `${slopeRel.toExponential(1)} relative${agree ? '' : ', MAPS DIFFER'})`;
  return { ref: unscale(ref, a), ours: unscale(ours, b), agree, detail };
}

/** Finds the signed axis permutation + offset taking reference indices to ours, or says why there is none. */
function mapGrids(r: Geometry, o: Geometry, tol: number): GridMap | string {
  const base = worldToIndex(o, indexToWorld(r, [0, 0, 0]));
  const axis: number[] = [-1, -1, -1];
  const sign: number[] = [1, 1, 1];
  const used = new Set<number>();
  // Axes of length 1 carry no step to match (slice thickness may differ from a missing spacing); they take the leftover axes.
  const order = [0, 1, 2].sort((a, b) => Number(r.size[a] === 1) - Number(r.size[b] === 1));
  for (const c of order) {
    if (r.size[c] === 1) {
      const free = [0, 1, 2].find((a) => !used.has(a) && o.size[a] === 1);
      if (free === undefined) return `ref axis ${'ijk'[c]} has 1 voxel, ours has no unused axis of 1 voxel (ref ${r.size.join('x')}, ours ${o.size.join('x')})`;
      axis[c] = free;
      used.add(free);
      continue;
    }
    const unit: number[] = [0, 0, 0];
    unit[c] = 1;
    const p = worldToIndex(o, indexToWorld(r, unit));
    const step = [p[0] - base[0], p[1] - base[1], p[2] - base[2]];
    // Identify the axis loosely (1 % of a voxel); the corner check below is the real test, in mm.
    const a = step.findIndex((v, k) => Math.abs(Math.abs(v) - 1) < 1e-2 && step.every((w, m) => m === k || Math.abs(w) < 1e-2));
    if (a < 0 || used.has(a)) {
      return (
        `grids differ: ref axis ${'ijk'[c]} step maps to our index step ${fmt(step)} (ref spacing ${fmt(r.spacing, 4)} dir ${fmt(r.direction, 4)}; ` +
        `ours spacing ${fmt(o.spacing, 4)} dir ${fmt(o.direction, 4)})`
      );
    }
    axis[c] = a;
    sign[c] = Math.sign(step[a]!);
    used.add(a);
  }
  const offset = base.map(Math.round) as [number, number, number];
  const map: GridMap = { axis: axis as GridMap['axis'], sign: sign as GridMap['sign'], offset };
  for (let c = 0; c < 3; c++) {
    if (r.size[c] !== o.size[map.axis[c]!])
      return `grids differ: ref size ${r.size.join('x')}, ours ${o.size.join('x')} (ref axis ${'ijk'[c]} -> our axis ${'ijk'[map.axis[c]!]})`;
  }
  let worst = 0;
  for (let corner = 0; corner < 8; corner++) {
    const idx = [0, 1, 2].map((c) => ((corner >> c) & 1 ? r.size[c]! - 1 : 0));
    const ourIdx = mapIndex(map, idx);
    if (ourIdx.some((v, a) => v < 0 || v > o.size[a]! - 1)) {
      return (
        `grids differ: ref corner ${fmt(idx, 0)} lands at our index ${fmt(ourIdx, 0)}, outside ${o.size.join('x')} (ref origin ${fmt(r.origin)}, ours ` +
        `${fmt(o.origin)} mm LPS)`
      );
    }
    const a = indexToWorld(r, idx);
    const b = indexToWorld(o, ourIdx);
    worst = Math.max(worst, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
  }
  if (worst > tol)
    return (
      `grids differ: voxel centres up to ${worst.toPrecision(3)} mm apart (ref origin ${fmt(r.origin)}, ours ${fmt(o.origin)} mm LPS; ref spacing ` +
      `${fmt(r.spacing, 4)}, ours ${fmt(o.spacing, 4)})`
    );
  return map;
}

function mapIndex(m: GridMap, idx: readonly number[]): Vec3 {
  const out = [...m.offset];
  for (let c = 0; c < 3; c++) out[m.axis[c]!] = out[m.axis[c]!]! + m.sign[c]! * idx[c]!;
  return out as unknown as Vec3;
}

/** Hints for the usual reader bugs when the grids do not coincide. */
function describeShapeMismatch(ref: Volume, ours: Volume): string {
  const r = ref.geometry.size;
  const o = ours.geometry.size;
  const hints: string[] = [` [ref ${shape(ref)}, ours ${shape(ours)}]`];
  if (ref.frames > 1 && ours.frames === 1) {
    for (let a = 0; a < 3; a++) {
      if (o[a] === r[2] * ref.frames) hints.push(`: the ${ref.frames} volumes look stacked as slices along our axis ${'ijk'[a]}`);
    }
  }
  if (ref.frames === 1 && ours.frames > 1 && ours.frames * o[2] === r[2]) hints.push(': ref slices split into volumes in ours');
  if (ours.frames === 1 && o[0] * o[1] === r[0] * r[1] && o[2] > r[2] && o[2] % r[2] === 0) {
    hints.push(`: ours has ${o[2] / r[2]}x the ref's ${r[2]} slices along k (volumes, echoes or phase/magnitude parts stacked as slices?)`);
  }
  const sameVoxels = r[0] * r[1] * r[2] * ref.frames === o[0] * o[1] * o[2] * ours.frames;
  if (sameVoxels && sameArray(ref, ours)) hints.push(': the voxel arrays are identical, only the geometry differs');
  return hints.join('');
}

function sameArray(a: Volume, b: Volume): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

interface Strides {
  base: number;
  s: [number, number, number];
}

function stridesFor(map: GridMap, o: Geometry, flip?: number, refSize?: Vec3): Strides {
  const ourStride = [1, o.size[0], o.size[0] * o.size[1]];
  const s: number[] = [0, 0, 0];
  let base = map.offset[0] * ourStride[0]! + map.offset[1] * ourStride[1]! + map.offset[2] * ourStride[2]!;
  for (let c = 0; c < 3; c++) {
    let sign = map.sign[c]!;
    // A diagnostic flip of reference axis c: index i reads ours at n-1-i instead.
    if (flip === c && refSize) {
      base += sign * (refSize[c]! - 1) * ourStride[map.axis[c]!]!;
      sign = -sign;
    }
    s[c] = sign * ourStride[map.axis[c]!]!;
  }
  return { base, s: s as Strides['s'] };
}

function compareValues(ref: Volume, ours: Volume, map: GridMap, options: CompareOptions): CompareResult {
  const relTol = options.relTol ?? 1e-5;
  const absTolRel = options.absTol ?? 1e-5;
  const minEqual = options.minEqual ?? 0.999;
  let maxAbs = 0;
  for (let i = 0; i < ref.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref.data[i]!));
  const exact = isInteger(ref) && isInteger(ours);
  const absTol = absTolRel * Math.max(1, maxAbs);
  const count = (st: Strides, refFrame: number, ourFrame: number): { equal: number; maxDiff: number; ab: number; bb: number } => {
    const [ni, nj, nk] = ref.geometry.size;
    const nvox = ni * nj * nk;
    const rd = ref.data;
    const od = ours.data;
    let equal = 0;
    let maxDiff = 0;
    let ab = 0;
    let bb = 0;
    let r = refFrame * nvox;
    const of = ourFrame * nvox + st.base;
    for (let k = 0; k < nk; k++) {
      for (let j = 0; j < nj; j++) {
        let p = of + k * st.s[2] + j * st.s[1];
        for (let i = 0; i < ni; i++, r++, p += st.s[0]) {
          const b = rd[r]!;
          const a = od[p]!;
          const d = Math.abs(a - b);
          if (exact ? d === 0 : d <= relTol * Math.abs(b) + absTol) equal++;
          if (d > maxDiff) maxDiff = d;
          ab += a * b;
          bb += b * b;
        }
      }
    }
    return { equal, maxDiff, ab, bb };
  };
  const st = stridesFor(map, ours.geometry);
  const nvox = ref.geometry.size[0] * ref.geometry.size[1] * ref.geometry.size[2];
  const total = nvox * ref.frames;
  let equal = 0;
  let maxDiff = 0;
  let ab = 0;
  let bb = 0;
  const badFrames: number[] = [];
  for (let f = 0; f < ref.frames; f++) {
    const c = count(st, f, f);
    equal += c.equal;
    maxDiff = Math.max(maxDiff, c.maxDiff);
    ab += c.ab;
    bb += c.bb;
    if (c.equal < minEqual * nvox) badFrames.push(f);
  }
  const fraction = equal / total;
  const mapping = `ref i,j,k -> our ${[0, 1, 2].map((c) => `${map.sign[c]! < 0 ? '-' : '+'}${'ijk'[map.axis[c]!]}`).join(',')}`;
  if (fraction >= minEqual) {
    return {
      ok: true,
      detail: `${shape(ref)}, ${(fraction * 100).toFixed(3)} % equal, max |diff| ${maxDiff.toPrecision(3)} (${mapping})`,
      equalFraction: fraction,
    };
  }
  const hints: string[] = [];
  const scale = bb > 0 ? ab / bb : NaN;
  if (Number.isFinite(scale) && Math.abs(scale - 1) > 1e-3) hints.push(`least-squares ours/ref scale ${scale.toPrecision(5)}`);
  for (let c = 0; c < 3; c++) {
    if (ref.geometry.size[c]! < 2) continue;
    const flipped = stridesFor(map, ours.geometry, c, ref.geometry.size);
    let e = 0;
    for (let f = 0; f < ref.frames; f++) e += count(flipped, f, f).equal;
    if (e >= minEqual * total) hints.push(`values match the ref flipped along ref axis ${'ijk'[c]}`);
  }
  if (badFrames.length > 0 && ref.frames > 1) {
    const moved: string[] = [];
    for (const f of badFrames.slice(0, 4)) {
      for (let g = 0; g < ref.frames; g++) {
        if (g !== f && count(st, g, f).equal >= minEqual * nvox) {
          moved.push(`our volume ${f} = ref volume ${g}`);
          break;
        }
      }
    }
    hints.push(`${badFrames.length} of ${ref.frames} volumes differ (first ${badFrames.slice(0, 5).join(',')})${moved.length ? `; ${moved.join(', ')}` : ''}`);
  }
  return {
    ok: false,
    detail:
      `values differ: ${(fraction * 100).toFixed(3)} % equal (need ${(minEqual * 100).toFixed(1)} %), max |diff| ` +
      `${maxDiff.toPrecision(4)}${hints.length ? `; ${hints.join('; ')}` : ''} (${mapping})`,
    equalFraction: fraction,
  };
}

function isInteger(v: Volume): boolean {
  return v.type !== 'float32' && v.type !== 'float64';
}
