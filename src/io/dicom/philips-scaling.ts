/**
 * Philips MR "precise" (floating-point) values. Philips stores pixel values PV with a display
 * rescale (RS = RescaleSlope, RI = RescaleIntercept, giving display values DV = PV * RS + RI) and
 * a private Scale Slope SS (2005,100E, FL; per frame inside the private per-frame sequence
 * (2005,140F) of enhanced objects). The quantitative value is FP = DV / (RS * SS)
 * = (PV * RS + RI) / (RS * SS) (Chenevert et al. 2014, PMC3998685): this is what dcm2niix writes
 * by default (`-p y`, nii_dicom_batch.cpp PhilipsPrecise) and what medinfer returns by default
 * (`philipsScaling: 'precise'`); 'display' returns DV as the standard modality LUT gives it.
 * (2005,100D) Scale Intercept is not part of the formula (dcm2niix ignores it too).
 * FP is a linear map of PV, so it is expressed as a rescale: slope 1 / SS, intercept RI / (RS * SS),
 * computed in float64 and stored as float32 (dcm2niix computes the same two numbers in float32).
 * Only files whose Manufacturer is Philips are considered, as in dcm2niix.
 * Caveat: where SS or RS/RI vary between the frames of one enhanced file, dcm2niix falls back to
 * display values (its issue 363); medinfer applies the precise formula frame by frame.
 */
import { DecodeError } from '../../core/errors.js';
import type { DataSet } from './dataset.js';
import type { Rescale } from './modality-lut.js';
import { firstItem, readString } from './parse-header.js';
import { TAG } from './tags.js';

export type PhilipsScaling = 'precise' | 'display';
export const PHILIPS_SCALINGS: readonly PhilipsScaling[] = ['precise', 'display'];

/** (2005,100E) Scale Slope, FL, private block "Philips MR Imaging DD 001". */
const PHILIPS_SCALE_SLOPE = 'x2005100e';
/** (2005,140F) Philips private per-frame sequence of enhanced objects (holds a classic-style header). */
const PHILIPS_FRAME_SEQUENCE = 'x2005140f';

export function isPhilips(ds: DataSet): boolean {
  return /philips/i.test(readString(ds, TAG.manufacturer) ?? '');
}

/** SS of a dataset (top level or a functional-group item): own element, else inside (2005,140F). */
export function readPhilipsScaleSlope(ds: DataSet | undefined): number | undefined {
  if (ds === undefined) return undefined;
  const own = scaleSlopeOf(ds);
  return own ?? scaleSlopeOf(firstItem(ds, PHILIPS_FRAME_SEQUENCE));
}

function scaleSlopeOf(ds: DataSet | undefined): number | undefined {
  const el = ds?.elements[PHILIPS_SCALE_SLOPE];
  // FL is 4 bytes; anything else is not the Philips element (dcm2niix checks the same). 0 = absent.
  if (ds === undefined || el === undefined || el.length !== 4) return undefined;
  const v = ds.float(PHILIPS_SCALE_SLOPE);
  return v !== undefined && Number.isFinite(v) && v !== 0 ? v : undefined;
}

export interface ResolvedRescales {
  readonly rescales: (Rescale | undefined)[];
  /** Present when Philips scale slopes were found: which values were returned and frame 1's SS. */
  readonly philips?: { readonly scaling: PhilipsScaling; readonly scaleSlope: number };
}

interface FrameScaling {
  readonly rescale: Rescale | undefined;
  readonly philipsScaleSlope?: number | undefined;
}

/** Per-frame rescales to apply: the display rescale, or the Philips precise one (see header). */
export function resolveRescales(frames: readonly FrameScaling[], mode: PhilipsScaling, file: string): ResolvedRescales {
  const first = frames.find((f) => f.philipsScaleSlope !== undefined)?.philipsScaleSlope;
  if (first === undefined) return { rescales: frames.map((f) => f.rescale) };
  if (mode === 'display') return { rescales: frames.map((f) => f.rescale), philips: { scaling: 'display', scaleSlope: first } };
  const rescales = frames.map((f, idx) => {
    const ss = f.philipsScaleSlope;
    const rs = f.rescale?.slope ?? 1;
    const ri = f.rescale?.intercept ?? 0;
    if (ss === undefined || rs === 0) {
      const why = ss === undefined ? 'has no Philips Scale Slope (2005,100E) while others do' : 'has RescaleSlope 0';
      throw new DecodeError(`${file}: frame ${idx + 1} ${why}: precise values are undefined (read with philipsScaling: 'display')`, {
        file,
        cause: 'philips-scaling',
        frame: idx + 1,
      });
    }
    return { slope: 1 / ss, intercept: ri / (rs * ss) };
  });
  return { rescales, philips: { scaling: 'precise', scaleSlope: first } };
}
