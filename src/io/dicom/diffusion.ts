/**
 * Diffusion b-values and gradient directions of a multi-volume series, one per volume, for the
 * .bval / .bvec files `medinfer convert` writes (cli/convert/diffusion-files.ts). Directions are
 * given in patient LPS (as stated, unit within 1 %); the writer maps them to the output's voxel axes.
 * Where each vendor states them (as dcm2niix reads them, nii_dicom.cpp):
 *  - enhanced MR: MRDiffusionSequence (0018,9117) of the frame: DiffusionBValue (0018,9087),
 *    DiffusionGradientDirectionSequence (0018,9076) > DiffusionGradientOrientation (0018,9089),
 *    patient coordinates; DiffusionDirectionality (0018,9075) NONE / ISOTROPIC: no direction;
 *  - classic files holding the same two attributes at the top level (Philips, UIH, Siemens XA);
 *  - Siemens classic: the CSA image header's B_value and DiffusionGradientDirection (patient);
 *  - Philips classic: (2001,1003) b factor and (2005,10B0..10B2) (patient x, y, z);
 *  - UIH: (0065,1009) b-value and (0065,1037) direction along the image's row, column and normal;
 *  - GE: (0043,1039) b-value (first value, less GE's 10^9 bias) and (0019,10BB..10BD), which are
 *    NOT patient coordinates: checked against dcm2niix on axial series with column phase encoding,
 *    g_LPS = -v1 * row - v2 * column + v3 * normal (row, column from ImageOrientationPatient,
 *    normal = row x column). dcm2niix itself validates only that case (its geCorrectBvecs warns on
 *    the others); other GE orientations are refused here (the table says why, no files written).
 * No table for a part whose every b-value is 0 or none of whose volumes has a direction (derived
 * trace images). A volume without a b-value, a b > 0 volume without a direction, or a direction
 * that is not a unit vector (GE / Philips scaled-b encodings) gives no table either, with the reason.
 */
import type { DataSet } from './dataset.js';
import { firstItem, readNumber, readNumbers, readNumeric, readString } from './parse-header.js';
import { csaNumbers, readSiemensCsa } from './siemens-csa.js';
import { TAG } from './tags.js';
import { isSiemens, manufacturerIs } from './vendor-frame-keys.js';

export type Vector3 = readonly [number, number, number];

/** meta.diffusion: one entry per volume of the part, in its volume order. */
export interface DiffusionTable {
  /** s/mm^2. */
  readonly bValues: readonly number[];
  /** Gradient directions (unit within 1 %, as stated) in patient LPS; null for b = 0 volumes (and non-directional ones). */
  readonly directionsLps: readonly (Vector3 | null)[];
  /** Where the values came from (for the record). */
  readonly source: string;
}

/** Why no table: said in the part's warnings so that a missing .bvec is never silent. */
export interface DiffusionUnavailable {
  readonly unavailable: string;
}

interface VolumeDiffusion {
  readonly b: number | undefined;
  /** Patient LPS, not yet normalised; undefined = not stated. */
  readonly vector: Vector3 | undefined;
  /** Stated as having no direction (DiffusionDirectionality NONE / ISOTROPIC). */
  readonly nonDirectional: boolean;
  readonly source: string;
}

const T = {
  mrDiffusion: 'x00189117',
  bValue: 'x00189087',
  directionality: 'x00189075',
  gradientSequence: 'x00189076',
  gradientOrientation: 'x00189089',
  philipsB: 'x20011003',
  philipsDirection: ['x200510b0', 'x200510b1', 'x200510b2'],
  geB: 'x00431039',
  geDirection: ['x001910bb', 'x001910bc', 'x001910bd'],
  inPlanePhaseEncodingDirection: 'x00181312',
  uihB: 'x00651009',
  uihDirection: 'x00651037',
} as const;

function vectorOf(ds: DataSet | undefined, tag: string): Vector3 | undefined {
  if (ds === undefined) return undefined;
  const el = ds.elements[tag];
  if (el === undefined) return undefined;
  const values = el.vr === 'FD' || (el.vr === undefined && el.length === 24) ? [0, 1, 2].map((k) => ds.double(tag, k)) : readNumbers(ds, tag);
  if (values === undefined || values.length !== 3 || !values.every((v) => v !== undefined && Number.isFinite(v))) return undefined;
  return values as unknown as Vector3;
}

/** FL / FD / DS components stated in three separate elements. */
function componentsOf(ds: DataSet, tags: readonly string[]): Vector3 | undefined {
  const values = tags.map((t) => readNumeric(ds, t));
  return values.every((v) => v !== undefined) ? (values as unknown as Vector3) : undefined;
}

/** The standard attributes in one holder (an MRDiffusionSequence item, or a classic file's top level). */
function standard(holder: DataSet | undefined, source: string): VolumeDiffusion | undefined {
  if (holder === undefined) return undefined;
  const b = readNumeric(holder, T.bValue);
  if (b === undefined) return undefined;
  const directionality = readString(holder, T.directionality)?.toUpperCase();
  const vector = vectorOf(firstItem(holder, T.gradientSequence), T.gradientOrientation) ?? vectorOf(holder, T.gradientOrientation);
  return { b, vector, nonDirectional: directionality === 'NONE' || directionality === 'ISOTROPIC', source };
}

/** One volume's diffusion attributes: `frame` is the frame index inside a multi-frame file. */
function readVolumeDiffusion(ds: DataSet, frame: number, file: string): VolumeDiffusion | undefined {
  const perFrame = ds.elements[TAG.perFrameFunctionalGroups]?.items?.[frame]?.dataSet;
  const shared = firstItem(ds, TAG.sharedFunctionalGroups);
  const enhanced =
    standard(perFrame === undefined ? undefined : firstItem(perFrame, T.mrDiffusion), 'MRDiffusionSequence') ??
    standard(shared === undefined ? undefined : firstItem(shared, T.mrDiffusion), 'MRDiffusionSequence');
  if (enhanced !== undefined) return enhanced;
  if (manufacturerIs(ds, 'GE')) {
    const b = readNumber(ds, T.geB);
    if (b === undefined) return undefined;
    // GE adds 10^9 to the b-value on some releases (dcm2niix issue 602).
    return { b: b % 1e9, vector: componentsOf(ds, T.geDirection), nonDirectional: false, source: 'GE (0043,1039) / (0019,10BB..10BD)' };
  }
  const top = standard(ds, 'DiffusionBValue / DiffusionGradientOrientation');
  if (top !== undefined) return top;
  if (isSiemens(ds)) {
    let csa;
    try {
      csa = readSiemensCsa(ds, 'image', file, ['B_value', 'DiffusionGradientDirection']);
    } catch {
      return undefined; // a corrupt CSA header states nothing
    }
    const b = csaNumbers(csa, 'B_value')?.[0];
    if (b === undefined) return undefined;
    const v = csaNumbers(csa, 'DiffusionGradientDirection');
    return {
      b,
      vector: v?.length === 3 ? (v as unknown as Vector3) : undefined,
      nonDirectional: false,
      source: 'Siemens CSA B_value / DiffusionGradientDirection',
    };
  }
  if (manufacturerIs(ds, 'UIH') || manufacturerIs(ds, 'UNITED IMAGING')) {
    const b = readNumeric(ds, T.uihB);
    if (b === undefined) return undefined;
    return { b, vector: vectorOf(ds, T.uihDirection), nonDirectional: false, source: 'UIH (0065,1009) / (0065,1037)' };
  }
  if (manufacturerIs(ds, 'PHILIPS')) {
    const b = readNumeric(ds, T.philipsB);
    if (b === undefined) return undefined;
    return { b, vector: componentsOf(ds, T.philipsDirection), nonDirectional: false, source: 'Philips (2001,1003) / (2005,10B0..10B2)' };
  }
  return undefined;
}

/** Row, column (ImageOrientationPatient) and normal (row x column) of a classic file. */
function imageAxes(ds: DataSet): [number[], number[], number[]] | undefined {
  const iop = readNumbers(ds, TAG.imageOrientationPatient);
  if (iop === undefined || iop.length !== 6) return undefined;
  const r = iop.slice(0, 3);
  const c = iop.slice(3, 6);
  return [r, c, [r[1]! * c[2]! - r[2]! * c[1]!, r[2]! * c[0]! - r[0]! * c[2]!, r[0]! * c[1]! - r[1]! * c[0]!]];
}

/** UIH states directions along the image's row, column and normal (dcm2niix only flips its own row order). */
function uihToPatient(ds: DataSet, v: Vector3): Vector3 | string {
  const axes = imageAxes(ds);
  if (axes === undefined) return 'UIH gradient directions need ImageOrientationPatient';
  const [r, c, n] = axes;
  return [0, 1, 2].map((k) => v[0] * r[k]! + v[1] * c[k]! + v[2] * n[k]!) as unknown as Vector3;
}

/** GE's gradient frame -> patient LPS, for the one case dcm2niix validates (see the header). */
function geToPatient(ds: DataSet, v: Vector3): Vector3 | string {
  const axes = imageAxes(ds);
  if (axes === undefined) return 'GE gradient directions need ImageOrientationPatient';
  if (readString(ds, T.inPlanePhaseEncodingDirection)?.toUpperCase() !== 'COL')
    return 'GE gradient directions with row phase encoding are not validated (dcm2niix: "untested")';
  const [r, c, n] = axes;
  const dominant = n.map(Math.abs).indexOf(Math.max(...n.map(Math.abs)));
  if (dominant !== 2) return 'GE gradient directions of non-axial slices are not validated (dcm2niix: "limited validation")';
  return [0, 1, 2].map((k) => -v[0] * r[k]! - v[1] * c[k]! + v[2] * n[k]!) as unknown as Vector3;
}

/** A volume's stated direction in patient LPS (GE and UIH state theirs along the image axes), or why not. */
function inPatientFrame(source: string, v: Vector3, ds: DataSet): Vector3 | string {
  if (source.startsWith('GE')) return geToPatient(ds, v);
  return source.startsWith('UIH') ? uihToPatient(ds, v) : v;
}

/**
 * A stated direction of length within 1 % of 1, as stated (not renormalised: GE rounds to six
 * decimals, and dcm2niix writes those values); a shorter one encodes a scaled b-value, which this
 * reader does not undo.
 */
function unit(v: Vector3): Vector3 | undefined {
  return Math.abs(Math.hypot(v[0], v[1], v[2]) - 1) > 0.01 ? undefined : v;
}

/**
 * The table of a part from the first frame of each of its volumes (`volumes[v]` = [dataset, frame
 * index, file name]). undefined when neither the first nor the last volume states a b-value (not a
 * diffusion series).
 */
export function readDiffusionTable(volumes: readonly (readonly [DataSet, number, string])[]): DiffusionTable | DiffusionUnavailable | undefined {
  const readAt = (v: number): VolumeDiffusion | undefined => readVolumeDiffusion(volumes[v]![0], volumes[v]![1], volumes[v]![2]);
  // Not a diffusion series unless its first or last volume states a b-value (a quick no for fMRI runs);
  // Toshiba leaves the b-value out of its b = 0 volumes, which then give a warning, not a guessed 0.
  const [first, last] = [readAt(0), readAt(volumes.length - 1)];
  if (first?.b === undefined && last?.b === undefined) return undefined;
  const read = volumes.map((_, v) => (v === 0 ? first : v === volumes.length - 1 ? last : readAt(v)));
  const bValues: number[] = [];
  const directions: (Vector3 | null)[] = [];
  for (let v = 0; v < read.length; v++) {
    const d = read[v];
    if (d?.b === undefined || !(d.b >= 0)) return { unavailable: `volume ${v + 1} states no b-value` };
    bValues.push(d.b);
    if (d.b === 0 || d.nonDirectional) {
      directions.push(null);
      continue;
    }
    if (d.vector === undefined) return { unavailable: `volume ${v + 1} (b = ${d.b}) states no gradient direction` };
    if (d.vector.every((x) => x === 0)) {
      // b > 0 with a zero vector: a derived trace / ADC image, not a direction.
      directions.push(null);
      continue;
    }
    const patient = inPatientFrame(d.source, d.vector, volumes[v]![0]);
    if (typeof patient === 'string') return { unavailable: patient };
    const u = unit(patient);
    if (u === undefined) return { unavailable: `volume ${v + 1}: gradient direction of length ${Math.hypot(...patient).toFixed(3)}, not a unit vector` };
    directions.push(u);
  }
  // Every b = 0: not diffusion-weighted (GE states b = 0 on every EPI image, fMRI included), as dcm2niix
  // writes no .bval then either.
  if (bValues.every((b) => b === 0)) return undefined;
  // No volume with a direction: derived trace / ADC images (Siemens TRACEW), not a gradient table.
  if (directions.every((d) => d === null)) return undefined;
  return { bValues, directionsLps: directions, source: (first ?? last)!.source };
}
