/** Loads the nibabel reference values committed by scripts/reference/nifti/make-reference.py. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { affineFromGeometry, flipAffineLpsRas, type Volume } from '../../../src/index.js';

export const NIFTI_FIXTURES = fileURLToPath(new URL('../../fixtures/nifti/', import.meta.url));

export interface NiftiReference {
  shape: number[];
  datatype: string;
  affine: number[][];
  sform_code: number;
  qform_code: number;
  qform: number[][];
  qform_nibabel_from_sform: number[][];
  slope: number | null;
  inter: number | null;
  count: number;
  sum: number;
  min: number;
  max: number;
  data?: number[];
  samples?: { index: number[]; value: number[] };
}

export function loadNiftiReferences(): Record<string, NiftiReference> {
  const json = JSON.parse(readFileSync(`${NIFTI_FIXTURES}reference.json`, 'utf8')) as { files: Record<string, NiftiReference> };
  return json.files;
}

export function readFixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(`${NIFTI_FIXTURES}${rel}`));
}

/** The volume's voxel -> RAS affine (what nibabel calls img.affine), row-major 4x4. */
export function rasAffineOf(v: Volume): number[] {
  return [...flipAffineLpsRas(affineFromGeometry(v.geometry))];
}

/** Largest absolute difference between two affines, the second given as nested rows. */
export function affineDifference(a: readonly number[], rows: number[][]): number {
  let worst = 0;
  rows.flat().forEach((v, k) => {
    worst = Math.max(worst, Math.abs(v - a[k]!));
  });
  return worst;
}

/**
 * Compares volume samples with nibabel's get_fdata (float64). `relTol` 0 = exact; scaled data
 * stored as float32 gets 1e-6 relative (one float32 rounding of a float64 result).
 */
export function expectSamplesMatch(v: Volume, ref: NiftiReference, relTol: number): { checked: number; worst: number } {
  const data = v.data;
  let worst = 0;
  const check = (idx: number, expected: number): void => {
    const d = Math.abs(data[idx]! - expected) / Math.max(1, Math.abs(expected));
    if (d > worst) worst = d;
  };
  if (data.length !== ref.count) throw new Error(`sample count ${data.length} != nibabel ${ref.count}`);
  if (ref.data) ref.data.forEach((x, i) => check(i, x));
  if (ref.samples) ref.samples.index.forEach((idx, k) => check(idx, ref.samples!.value[k]!));
  if (worst > relTol) throw new Error(`samples differ from nibabel by ${worst} (relative), tolerance ${relTol}`);
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  const sumTol = relTol === 0 ? 1e-9 : relTol * 10;
  if (Math.abs(sum - ref.sum) > sumTol * Math.max(1, Math.abs(ref.sum))) throw new Error(`sum ${sum} != nibabel ${ref.sum}`);
  return { checked: ref.data?.length ?? ref.samples!.index.length, worst };
}
