/**
 * The judge of a BIDS sidecar field (and .bval / .bvec) written by medinfer against dcm2niix's,
 * shared by test/cli/convert-sidecar.test.ts (dcm2niix's Ref values of the committed QA subset)
 * and scripts/dcm-qa/sidecar-compare.mjs (the installed dcm2niix on every mirrored series;
 * bundled there on the fly, so both judge alike). Axis-aware: each file's fields are read in its
 * own voxel axes, mapped to world through its own sform (medinfer keeps DICOM rows as stored,
 * dcm2niix flips them, so "j" in one is "j-" in the other).
 *  - numbers: equal within 1e-5 relative (dcm2niix prints %g: six significant digits);
 *  - Manufacturer: agree when dcm2niix's short name of ours (its first-two-letters rule,
 *    nii_dicom.cpp dcmStrManufacturer) is its value; medinfer writes the DICOM text;
 *  - ImageType: agree when dcm2niix's list is ours, or ours plus the image component it appends;
 *    'explained' when the only difference is dcm2niix splitting a value at '_' (it keeps
 *    ImageType '_'-joined internally: ECHO_00 -> "ECHO", "00");
 *  - PhaseEncodingDirection / PhaseEncodingAxis: world directions (an axis up to sign);
 *  - SliceTiming: each of our slices against dcm2niix's slice at the same world position
 *    (0.01 mm along our slice axis: dcm2niix's XA enhanced positions lie ~2 um from ours), times within 1e-4 s; 'explained' within 2.6 ms (one step of
 *    Siemens' 2.5 ms MosaicRefAcqTimes: dcm2niix >= v1.0.2024 may take the second volume's times);
 *  - bval within 1e-3 relative; bvec: each volume's vector in world (FSL: x negated when the
 *    determinant is positive), parallel or antiparallel within 1e-3 (a gradient's sign is
 *    arbitrary; antiparallel is reported); b = 0 volumes not compared (dcm2niix copies Philips'
 *    placeholder (1, 0, 0) of a b = 0 volume unrotated).
 */

/** The fields medinfer writes that dcm2niix also writes under the same name (+ bval / bvec). */
export const SIDECAR_FIELDS = [
  'Modality',
  'MagneticFieldStrength',
  'Manufacturer',
  'ManufacturersModelName',
  'MRAcquisitionType',
  'ImageType',
  'SeriesNumber',
  'SliceThickness',
  'SpacingBetweenSlices',
  'EchoNumber',
  'EchoTime',
  'RepetitionTime',
  'InversionTime',
  'FlipAngle',
  'BandwidthPerPixelPhaseEncode',
  'EffectiveEchoSpacing',
  'TotalReadoutTime',
  'PhaseEncodingDirection',
  'PhaseEncodingAxis',
  'SliceTiming',
  'bval',
  'bvec',
] as const;

/** A NIfTI's sform: three rows of four (RAS mm). */
export type Sform = readonly (readonly number[])[];

/** The sform rows of NIfTI-1 / NIfTI-2 header bytes (uncompressed). */
export function niftiSform(bytes: Uint8Array): Sform {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v1 = view.getInt32(0, true) === 348;
  return [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => (v1 ? view.getFloat32(280 + 16 * r + 4 * c, true) : view.getFloat64(400 + 32 * r + 8 * c, true))));
}

type V3 = [number, number, number];
const column = (s: Sform, a: number): V3 => [s[0]![a]!, s[1]![a]!, s[2]![a]!];
const norm = (v: readonly number[]): number => Math.hypot(...v);
const unit = (v: readonly number[]): V3 => v.map((x) => x / norm(v)) as V3;
const dot = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const det = (s: Sform): number => {
  const [a, b, c] = [column(s, 0), column(s, 1), column(s, 2)];
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
};

/** World direction of a BIDS direction ('j-') in a file's voxel axes. */
function directionWorld(value: string, s: Sform): V3 | undefined {
  const axis = ({ i: 0, j: 1, k: 2 } as Record<string, number>)[value[0] ?? ''];
  if (axis === undefined) return undefined;
  const v = unit(column(s, axis));
  return value.endsWith('-') ? (v.map((x) => -x) as V3) : v;
}

/** A bvec column (FSL frame) -> world unit vector through the file's sform ([0, 0, 0] stays). */
export function bvecWorld(g: readonly number[], s: Sform): V3 {
  if (norm(g) === 0) return [0, 0, 0];
  const v = [(det(s) > 0 ? -1 : 1) * g[0]!, g[1]!, g[2]!];
  const cols = [0, 1, 2].map((a) => unit(column(s, a)));
  return unit([0, 1, 2].map((r) => cols[0]![r]! * v[0]! + cols[1]![r]! * v[1]! + cols[2]![r]! * v[2]!));
}

const SHORT: readonly [string, string][] = [
  ['SI', 'Siemens'],
  ['GE', 'GE'],
  ['HI', 'Hitachi'],
  ['ME', 'Mediso'],
  ['PH', 'Philips'],
  ['TO', 'Toshiba'],
  ['CA', 'Canon'],
  ['CP', 'Siemens'],
  ['UI', 'UIH'],
  ['BR', 'Bruker'],
  ['MR', 'MRSolutions'],
  ['HY', 'Hyperfine'],
];
const COMPONENTS = ['MAGNITUDE', 'PHASE', 'REAL', 'IMAGINARY', 'FIELDMAPHZ'];

export interface JudgeContext {
  readonly ours: Sform;
  readonly theirs: Sform;
  /** Our b-values (b = 0 volumes' vectors are not compared). */
  readonly bval?: readonly number[] | undefined;
  /** Our file holds the reversed-polarity volumes of a GE epi_pepolar series (`_rev`). */
  readonly reversedHalf?: boolean;
}

/** Starts with 'agree', 'explained: ' or 'differ: '. */
export type Verdict = string;

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.every((v, k) => v === b[k]) && b.slice(a.length).every((v) => COMPONENTS.includes(v));

function judgeSliceTiming(ours: readonly number[], theirs: readonly number[], ctx: JudgeContext): Verdict {
  if (ours.length !== theirs.length) return `differ: ${ours.length} vs ${theirs.length} slices`;
  const axis = unit(column(ctx.ours, 2));
  let worst = 0;
  const at = (s: Sform, k: number): number => dot([0, 1, 2].map((r) => s[r]![2]! * k + s[r]![3]!) as V3, axis);
  for (let k = 0; k < ours.length; k++) {
    const m = theirs.findIndex((_, j) => Math.abs(at(ctx.theirs, j) - at(ctx.ours, k)) < 0.01);
    if (m < 0) return `differ: our slice ${k} has no dcm2niix slice at its position`;
    const off = Math.abs(ours[k]! - theirs[m]!);
    if (off > 1e-4) worst = Math.max(worst, off);
    if (off > 0.0026) return `differ: slice ${k} ${ours[k]} s vs dcm2niix slice ${m} ${theirs[m]} s`;
  }
  // Siemens states MosaicRefAcqTimes on a 2.5 ms step, and the volumes of a run may differ by one step;
  // dcm2niix >= v1.0.2024 then takes the second volume's times (its issue 870), medinfer the first's.
  return worst > 0 ? `explained: within one 2.5 ms step of the second volume's times (max ${(worst * 1000).toFixed(2)} ms)` : 'agree';
}

function judgeBvec(ours: readonly (readonly number[])[], theirs: readonly (readonly number[])[], ctx: JudgeContext): Verdict {
  const n = ours[0]?.length ?? 0;
  if (n !== theirs[0]?.length) return `differ: ${n} vs ${theirs[0]?.length} volumes`;
  let antiparallel = 0;
  for (let v = 0; v < n; v++) {
    if (ctx.bval?.[v] === 0) continue;
    const a = bvecWorld(
      [0, 1, 2].map((r) => ours[r]![v]!),
      ctx.ours,
    );
    const b = bvecWorld(
      [0, 1, 2].map((r) => theirs[r]![v]!),
      ctx.theirs,
    );
    if (norm(a) === 0 || norm(b) === 0) {
      if (norm(a) !== norm(b)) return `differ: volume ${v + 1}: zero vs non-zero`;
      continue;
    }
    const d = dot(a, b);
    if (d < -0.999) antiparallel++;
    else if (d < 0.999) return `differ: volume ${v + 1}: world dot ${d.toFixed(4)}`;
  }
  return antiparallel ? `agree (${antiparallel} antiparallel)` : 'agree';
}

/** One field present in both files. */
export function judgeSidecarField(field: string, ours: unknown, theirs: unknown, ctx: JudgeContext): Verdict {
  switch (field) {
    case 'Manufacturer': {
      const short = SHORT.find(([p]) => String(ours).toUpperCase().startsWith(p))?.[1];
      return short === theirs || ours === theirs ? 'agree' : `differ: ${String(ours)} vs ${String(theirs)}`;
    }
    case 'ImageType': {
      const [a, b] = [ours as string[], theirs as string[]];
      if (sameList(a, b)) return 'agree';
      const shown = `${a.join('\\')} vs ${b.join('\\')}`;
      return sameList(
        a.flatMap((v) => v.split('_')),
        b,
      )
        ? `explained: dcm2niix splits at '_': ${shown}`
        : `differ: ${shown}`;
    }
    case 'PhaseEncodingDirection':
    case 'PhaseEncodingAxis': {
      const [a, b] = [directionWorld(String(ours), ctx.ours), directionWorld(String(theirs), ctx.theirs)];
      if (a === undefined || b === undefined) return `differ: ${String(ours)} vs ${String(theirs)}`;
      const d = dot(a, b);
      const ok = field === 'PhaseEncodingAxis' ? Math.abs(d) > 0.999 : d > 0.999;
      return ok ? 'agree' : `differ: ours ${String(ours)} vs ${String(theirs)} (world dot ${d.toFixed(3)})`;
    }
    case 'SeriesNumber':
      // dcm2niix renumbers the reversed half of a GE epi_pepolar series SeriesNumber + 1000 (nii_dicom.cpp).
      if (ours === theirs) return 'agree';
      return ctx.reversedHalf === true && Number(theirs) === Number(ours) + 1000
        ? `explained: dcm2niix numbers GE epi_pepolar reversed volumes + 1000: ${String(ours)} vs ${String(theirs)}`
        : `differ: ${String(ours)} vs ${String(theirs)}`;
    case 'SliceTiming':
      return judgeSliceTiming(ours as number[], theirs as number[], ctx);
    case 'bval': {
      const [a, b] = [ours as number[], theirs as number[]];
      if (a.length !== b.length) return `differ: ${a.length} vs ${b.length} volumes`;
      const bad = a.findIndex((x, k) => Math.abs(x - b[k]!) > 1e-3 * Math.max(1, b[k]!));
      return bad < 0 ? 'agree' : `differ: volume ${bad + 1}: ${a[bad]} vs ${b[bad]}`;
    }
    case 'bvec':
      return judgeBvec(ours as number[][], theirs as number[][], ctx);
    default:
      if (typeof ours === 'number' && typeof theirs === 'number')
        return Math.abs(ours - theirs) <= 1e-5 * Math.max(1, Math.abs(theirs)) ? 'agree' : `differ: ${ours} vs ${theirs}`;
      return JSON.stringify(ours) === JSON.stringify(theirs) ? 'agree' : `differ: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`;
  }
}

/** A sidecar-like record from the files' texts: the JSON's fields plus bval / bvec when given. */
export function sidecarRecord(json: string, bval?: string, bvec?: string): Record<string, unknown> {
  const numbers = (text: string): number[] => text.trim().split(/\s+/).map(Number);
  const rec = JSON.parse(json) as Record<string, unknown>;
  if (bval !== undefined) rec['bval'] = numbers(bval);
  if (bvec !== undefined) rec['bvec'] = bvec.trim().split('\n').map(numbers);
  return rec;
}
