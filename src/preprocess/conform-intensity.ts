/**
 * The intensity mapping of FreeSurfer-style conform as niivue applies it (getScale, from
 * FastSurfer's conform.py with f_low = 0, f_high = 0.999): uint8 inputs keep their values
 * (offset by the minimum only); other types map [min, p] to [0, 255] where p is the lower edge
 * of the 1000-bin histogram bin in which the 99.9th percentile of the non-zero count falls.
 * Values above p clip to 255, so a bright outlier does not compress the brain's range.
 * Computed on the input's values before resampling (as niivue does), in float64.
 */
import type { TypedArray } from '../core/dtype.js';
import { InputError } from '../core/errors.js';

export interface ConformScale {
  /** Input value mapped to 0. */
  readonly srcMin: number;
  /** Output units per input unit. */
  readonly scale: number;
}

function range(data: TypedArray): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const x = data[p]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

export function computeConformScale(data: TypedArray, isUint8: boolean, source: string): ConformScale {
  const [globalMin, globalMax] = range(data);
  if (!Number.isFinite(globalMin) || !Number.isFinite(globalMax)) {
    throw new InputError(`conform: ${source} has no finite intensities (or infinities) to rescale`, { field: 'conform', file: source });
  }
  // conform.py: "uint8 is not transformed".
  if (isUint8) return { srcMin: globalMin, scale: 1 };
  const fHigh = 0.999;
  const bins = 1000;
  const binSize = (globalMax - globalMin) / bins;
  if (!(binSize > 0)) return { srcMin: globalMin, scale: 1 };
  const hist = new Float64Array(bins);
  let nonZero = 0;
  for (let p = 0; p < data.length; p++) {
    const x = data[p]!;
    if (x !== x) continue;
    if (Math.abs(x) >= 1e-15) nonZero++;
    hist[Math.min(Math.floor((x - globalMin) / binSize), bins - 1)]!++;
  }
  const cumulative = new Float64Array(bins);
  cumulative[0] = hist[0]!;
  for (let b = 1; b < bins; b++) cumulative[b] = cumulative[b - 1]! + hist[b]!;
  // f_low = 0: the lower limit is the minimum itself (bin 0).
  const srcMin = globalMin;
  const nth = data.length - Math.floor((1.0 - fHigh) * nonZero);
  let idx = 0;
  while (idx < bins - 1 && !(cumulative[idx + 1]! >= nth)) idx++;
  const srcMax = idx * binSize + globalMin;
  return { srcMin, scale: srcMin !== srcMax ? 255 / (srcMax - srcMin) : 1 };
}
