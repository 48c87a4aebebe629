/**
 * LUNA16 FROC and CPM, reproducing noduleCADEvaluationLUNA16.py (evaluationScript_py3_update in
 * Project-MONAI/tutorials):
 * - per scan at most `maxMarksPerScan` (100) candidates are kept: those with probability strictly
 *   above the 101st highest (the script's rule; ties at that value are all dropped);
 * - a candidate hits a nodule when its squared world distance to the centre is < (diameter/2)^2
 *   (diameter < 0 -> 10 mm);
 * - an included nodule with hits is one true positive scored by its highest hit; a candidate may
 *   hit several nodules; candidates hitting only excluded findings are ignored; all other
 *   candidates are false positives; missed nodules count in the sensitivity denominator;
 * - the FROC curve is sklearn roc_curve over (TPs, FPs) rescaled to FPs per scan and sensitivity;
 *   sensitivities at the operating points are np.interp(rate, fps, sens) on that curve (the
 *   script interpolates it onto np.linspace(0.125, 8, 10001); derived scripts then read the grid
 *   point next to each rate, which differs from the exact value by at most slope x 4e-4);
 *   CPM is their mean. A system with no true positive has sensitivity 0 everywhere (sklearn
 *   would give NaN).
 */
import { InputError, UsageError } from '../../core/errors.js';

export interface FrocAnnotation {
  readonly scan: string;
  /** World mm (LUNA16 coordX/Y/Z). */
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly diameterMm: number;
}

export interface FrocCandidate {
  readonly scan: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly probability: number;
}

export interface FrocInput {
  /** Every evaluated scan id (scans without candidates or nodules count too). */
  readonly scans: readonly string[];
  readonly annotations: readonly FrocAnnotation[];
  /** annotations_excluded.csv: marks on these are neither TP nor FP. */
  readonly excluded?: readonly FrocAnnotation[];
  readonly candidates: readonly FrocCandidate[];
}

export interface FrocOptions {
  maxMarksPerScan?: number;
  /** Default [0.125, 0.25, 0.5, 1, 2, 4, 8]. */
  fpRates?: readonly number[];
}

export interface FrocResult {
  readonly fpRates: readonly number[];
  readonly sensitivities: readonly number[];
  /** Mean of `sensitivities`. */
  readonly cpm: number;
  /** The FROC curve: average FPs per scan and sensitivity per distinct threshold. */
  readonly curve: { readonly fps: Float64Array; readonly sensitivity: Float64Array; readonly thresholds: Float64Array };
  readonly totalNodules: number;
  readonly detectedNodules: number;
  readonly falsePositives: number;
  readonly ignoredCandidates: number;
}

const LUNA_FP_RATES = [0.125, 0.25, 0.5, 1, 2, 4, 8];

export function computeFroc(input: FrocInput, options: FrocOptions = {}): FrocResult {
  const maxMarks = options.maxMarksPerScan ?? 100;
  const fpRates = options.fpRates ?? LUNA_FP_RATES;
  if (input.scans.length === 0) throw new UsageError('FROC needs at least one scan');
  const byScan = new Map<string, { cands: FrocCandidate[]; included: FrocAnnotation[]; excluded: FrocAnnotation[] }>();
  for (const s of input.scans) byScan.set(s, { cands: [], included: [], excluded: [] });
  input.candidates.forEach((c, i) => {
    if (!Number.isFinite(c.probability) || !Number.isFinite(c.x + c.y + c.z))
      throw new InputError(`candidate ${i} has a non-finite probability or coordinate`, { index: i });
    byScan.get(c.scan)?.cands.push(c);
  });
  for (const [list, key] of [
    [input.annotations, 'included'],
    [input.excluded ?? [], 'excluded'],
  ] as const) {
    list.forEach((a, i) => {
      if (!Number.isFinite(a.x + a.y + a.z + a.diameterMm)) throw new InputError(`${key} annotation ${i} is not finite`, { index: i });
      byScan.get(a.scan)?.[key].push(a);
    });
  }
  const tpScores: number[] = [];
  const fpScores: number[] = [];
  let totalNodules = 0;
  let ignored = 0;
  for (const { cands: all, included, excluded } of byScan.values()) {
    const cands = limitMarks(all, maxMarks);
    const status = new Uint8Array(cands.length); // 0 = FP, 1 = hit an included nodule, 2 = ignored
    for (const nodule of included) {
      totalNodules++;
      let best = -Infinity;
      cands.forEach((c, i) => {
        if (hits(nodule, c)) {
          status[i] = 1;
          if (c.probability > best) best = c.probability;
        }
      });
      if (best > -Infinity) tpScores.push(best);
    }
    for (const finding of excluded) {
      cands.forEach((c, i) => {
        if (status[i] === 0 && hits(finding, c)) {
          status[i] = 2;
          ignored++;
        }
      });
    }
    cands.forEach((c, i) => {
      if (status[i] === 0) fpScores.push(c.probability);
    });
  }
  const curve = buildCurve(tpScores, fpScores, totalNodules, input.scans.length);
  const sensitivities = fpRates.map((rate) => interpolate(rate, curve.fps, curve.sensitivity));
  const cpm = sensitivities.reduce((a, b) => a + b, 0) / sensitivities.length;
  return {
    fpRates: [...fpRates],
    sensitivities,
    cpm,
    curve,
    totalNodules,
    detectedNodules: tpScores.length,
    falsePositives: fpScores.length,
    ignoredCandidates: ignored,
  };
}

function hits(a: FrocAnnotation, c: FrocCandidate): boolean {
  const diameter = a.diameterMm < 0 ? 10 : a.diameterMm;
  const r2 = (diameter / 2) ** 2;
  return (a.x - c.x) ** 2 + (a.y - c.y) ** 2 + (a.z - c.z) ** 2 < r2;
}

function limitMarks(cands: FrocCandidate[], max: number): FrocCandidate[] {
  if (max <= 0 || cands.length <= max) return cands;
  const probs = cands.map((c) => c.probability).sort((a, b) => b - a);
  const threshold = probs[max]!;
  const kept: FrocCandidate[] = [];
  for (const c of cands) {
    if (kept.length >= max) break;
    if (c.probability > threshold) kept.push(c);
  }
  return kept;
}

/** sklearn roc_curve (all distinct thresholds) rescaled to FPs/scan and sensitivity. */
function buildCurve(tp: number[], fp: number[], totalNodules: number, scans: number): FrocResult['curve'] {
  const scores = [...tp.map((s) => [s, 1] as const), ...fp.map((s) => [s, 0] as const)].sort((a, b) => b[0] - a[0]);
  const fps = [0];
  const tps = [0];
  const thresholds = [Infinity];
  let t = 0;
  let f = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]![1] === 1) t++;
    else f++;
    if (i === scores.length - 1 || scores[i + 1]![0] !== scores[i]![0]) {
      fps.push(f);
      tps.push(t);
      thresholds.push(scores[i]![0]);
    }
  }
  // fps = fpr * nFP / scans = fpCount / scans; sens = tpr * detected / total = tpCount / total.
  return {
    fps: Float64Array.from(fps, (x) => (f === 0 ? 0 : ((x / f) * f) / scans)),
    sensitivity: Float64Array.from(tps, (x) => (t === 0 || totalNodules === 0 ? 0 : ((x / t) * t) / totalNodules)),
    thresholds: Float64Array.from(thresholds),
  };
}

/** np.interp: last xp[j] <= x, left/right clamped to the end values. */
function interpolate(x: number, xp: Float64Array, fp: Float64Array): number {
  const n = xp.length;
  if (x < xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  if (xp[lo] === x) return fp[lo]!;
  const slope = (fp[lo + 1]! - fp[lo]!) / (xp[lo + 1]! - xp[lo]!);
  return slope * (x - xp[lo]!) + fp[lo]!;
}
