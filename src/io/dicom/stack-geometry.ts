/**
 * Geometry of an ordered stack of 2D slices (frames of one file, or the sorted files of a series).
 * Policy, chosen so a caller never gets silently wrong world coordinates:
 *  - mixed orientations or pixel spacings, and duplicate positions: InputError (no single grid);
 *  - non-uniform spacing and missing slices: warning in meta.warnings; the k spacing is the mean
 *    step (first-to-last distance / (n - 1)), the warning states the worst deviation in mm;
 *    sliceDeviationMm (the worst slice-position error of that grid) lets `convert` refuse a
 *    stack NIfTI cannot place (a missing file), where pipelines keep working on the warning;
 *  - gantry tilt / sheared stacks: warning; axis k follows the slice positions, so the direction
 *    matrix is not orthogonal but every slice centre is where the scanner put it.
 * Slice spacing comes from positions, never from SliceThickness.
 */
import { InputError } from '../../core/errors.js';
import type { GeometryInit, Vec3 } from '../../core/geometry.js';
import { computeSliceNormal, normalizeVec3 } from './frame-geometry.js';

export interface StackSlice {
  readonly position: Vec3;
  readonly orientation: readonly number[];
  readonly pixelSpacing: readonly [number, number];
  /** File or frame label used in errors. */
  readonly label: string;
}

export interface StackGeometry {
  readonly geometry: GeometryInit;
  readonly warnings: string[];
  /**
   * Largest distance (mm, along the slice normal) between a slice's DICOM position and where the
   * uniform grid puts it (0 for one slice). A NIfTI file cannot hold non-uniform slices, so
   * `convert` refuses when this is a sizeable fraction of the step (a missing file, mixed stacks).
   */
  readonly sliceDeviationMm: number;
}

const ORIENTATION_TOLERANCE = 1e-4;
/** Positions closer than this along the normal are the same slice. */
const DUPLICATE_MM = 1e-3;

export function computeStackGeometry(slices: readonly StackSlice[], size: readonly [number, number], file: string, sliceThickness?: number): StackGeometry {
  const first = slices[0];
  if (first === undefined) throw new InputError(`${file}: no slices`, { file, cause: 'empty-stack' });
  const warnings: string[] = [];
  for (const s of slices) {
    if (s.orientation.some((v, idx) => Math.abs(v - first.orientation[idx]!) > ORIENTATION_TOLERANCE)) {
      throw new InputError(`${file}: slices have different ImageOrientationPatient (${first.label} vs ${s.label})`, { file, cause: 'mixed-orientation' });
    }
    if (Math.abs(s.pixelSpacing[0] - first.pixelSpacing[0]) > 1e-4 || Math.abs(s.pixelSpacing[1] - first.pixelSpacing[1]) > 1e-4) {
      throw new InputError(`${file}: slices have different PixelSpacing (${first.label} vs ${s.label})`, { file, cause: 'mixed-spacing' });
    }
  }
  const iop = first.orientation;
  const row = normalizeVec3([iop[0]!, iop[1]!, iop[2]!]);
  const col = normalizeVec3([iop[3]!, iop[4]!, iop[5]!]);
  const normal = computeSliceNormal(iop);
  const n = slices.length;
  let kDir: Vec3 = normal;
  let kSpacing = sliceThickness !== undefined && sliceThickness > 0 ? sliceThickness : 1;
  let sliceDeviationMm = 0;
  if (n > 1) {
    const depth = slices.map((s) => dot(s.position, normal));
    const steps: number[] = [];
    for (let k = 1; k < n; k++) steps.push(depth[k]! - depth[k - 1]!);
    steps.forEach((st, k) => {
      if (Math.abs(st) < DUPLICATE_MM) {
        throw new InputError(
          `${file}: duplicate slice position ${depth[k + 1]!.toFixed(3)} mm along the normal (${slices[k]!.label}, ${slices[k + 1]!.label})`,
          { file, cause: 'duplicate-position' },
        );
      }
    });
    if (steps.some((st) => Math.sign(st) !== Math.sign(steps[0]!))) {
      throw new InputError(`${file}: slice positions are not monotonic along the normal`, { file, cause: 'non-monotonic' });
    }
    const last = slices[n - 1]!.position;
    const span: Vec3 = [last[0] - first.position[0], last[1] - first.position[1], last[2] - first.position[2]];
    const length = Math.hypot(span[0], span[1], span[2]);
    kDir = normalizeVec3(span);
    // Positions are decimal strings (DS, at most 16 characters) and the span goes through a square
    // root: the step carries ~1e-12 mm of noise (1.2500000000031 for 1.25), enough to tip a
    // resampling size rule at an exact half. Nanometres are far below any scanner's precision.
    kSpacing = Math.round((length / (n - 1)) * 1e9) / 1e9;
    const meanStep = Math.abs(depth[n - 1]! - depth[0]!) / (n - 1);
    checkUniform(steps.map(Math.abs), meanStep, warnings);
    // Depth is linear along kDir too, so this also holds for tilted stacks.
    const signedStep = (depth[n - 1]! - depth[0]!) / (n - 1);
    depth.forEach((d, k) => {
      sliceDeviationMm = Math.max(sliceDeviationMm, Math.abs(d - depth[0]! - k * signedStep));
    });
    const cosTilt = Math.abs(dot(kDir, normal));
    const tiltDeg = (Math.acos(Math.min(1, cosTilt)) * 180) / Math.PI;
    if (tiltDeg > 0.01) {
      warnings.push(
        `gantry tilt / sheared stack: slice positions deviate ${tiltDeg.toFixed(3)} deg from the slice normal; axis k follows the positions ` +
          `(non-orthogonal direction)`,
      );
    }
  }
  return {
    geometry: {
      size: [size[0], size[1], n],
      spacing: [first.pixelSpacing[1], first.pixelSpacing[0], kSpacing],
      origin: first.position,
      direction: [row[0], col[0], kDir[0], row[1], col[1], kDir[1], row[2], col[2], kDir[2]],
    },
    warnings,
    sliceDeviationMm,
  };
}

function checkUniform(steps: readonly number[], meanStep: number, warnings: string[]): void {
  const sorted = [...steps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const tolerance = Math.max(0.01, 0.01 * median);
  let worst = 0;
  let missing = 0;
  for (const st of steps) {
    worst = Math.max(worst, Math.abs(st - meanStep));
    const ratio = st / median;
    if (ratio > 1.5 && Math.abs(ratio - Math.round(ratio)) < 0.1) missing += Math.round(ratio) - 1;
  }
  if (missing > 0) warnings.push(`missing slices: about ${missing} slice(s) missing (gaps of whole multiples of the ${median.toFixed(3)} mm step)`);
  if (steps.some((st) => Math.abs(st - median) > tolerance)) {
    warnings.push(
      `non-uniform slice spacing: steps ${sorted[0]!.toFixed(3)}..${sorted[sorted.length - 1]!.toFixed(3)} mm; volume uses the mean ` +
        `${meanStep.toFixed(3)} mm (worst deviation ${worst.toFixed(3)} mm)`,
    );
  }
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/**
 * A slice may stray this fraction of the slice step from the uniform grid a Volume (and NIfTI)
 * imposes. Scanner jitter is ~1e-5 mm (Philips) and tilted stacks follow their positions exactly;
 * a missing file moves slices by about half a step.
 */
export const MAX_SLICE_DEVIATION = 0.1;

/**
 * When a DICOM stack's slices do not sit on its uniform grid (meta.sliceDeviationMm, a missing or
 * extra file): how far off, against the step; undefined when the grid holds them.
 */
export function nonUniformStack(meta: Readonly<Record<string, unknown>>, stepMm: number): { deviationMm: number; stepMm: number } | undefined {
  const deviation = meta['sliceDeviationMm'];
  return typeof deviation === 'number' && deviation > MAX_SLICE_DEVIATION * stepMm ? { deviationMm: deviation, stepMm } : undefined;
}
