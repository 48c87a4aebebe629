/**
 * The intensity mapping of FreeSurfer-style conform as niivue applies it (getScale, from
 * FastSurfer's conform.py with f_low = 0, f_high = 0.999): uint8 inputs keep their values
 * (offset by the minimum only); other types map [min, p] to [0, 255] where p is the lower edge
 * of the 1000-bin histogram bin in which the 99.9th percentile of the non-zero count falls.
 * Values above p clip to 255, so a bright outlier does not compress the brain's range.
 * Computed on the input's values before resampling (as niivue does), in float64.
 *
 * "min" and "max" are niivue's global_min / global_max, which NVImage.calMinMax measures on the
 * central box only (a 25 % border cut off on each side; the whole volume when that box is
 * constant or too small for its 2 % percentile). Input values below that min fall outside the
 * histogram (niivue's hist[-1]++ counts nothing) and clamp to 0 in the output.
 * Not reproduced: a second calMinMax call (a colormap change in niivue's viewer) on a volume
 * whose central box is > 60 % zeros would ignore zeros for the min.
 */
import type { TypedArray } from '../core/dtype.js';
import { InputError } from '../core/errors.js';

export interface ConformScale {
  /** Input value mapped to 0. */
  readonly srcMin: number;
  /** Output units per input unit. */
  readonly scale: number;
}

/** niivue's calMinMax min / max (see above); NaNs skipped. */
export function computeNiivueRange(data: TypedArray, size: readonly number[]): [number, number] {
  const [n0, n1, n2] = size as [number, number, number];
  const b = [Math.floor(0.25 * n0), Math.floor(0.25 * n1), Math.floor(0.25 * n2)] as const;
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  let zeros = 0;
  let nans = 0;
  for (let k = b[2]; k < n2 - b[2]; k++) {
    for (let j = b[1]; j < n1 - b[1]; j++) {
      for (let i = b[0], p = b[0] + n0 * (j + n1 * k); i < n0 - b[0]; i++, p++) {
        const x = data[p]!;
        count++;
        if (x !== x) {
          nans++;
          continue;
        }
        if (x === 0) zeros++;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
  }
  // calMinMax's percentile count: zeros leave it when they are > 60 % of the box.
  const counted = count - ((100 * zeros) / count > 60 ? zeros : 0) - nans;
  if (Math.round(counted * 0.02) >= 1 && lo !== hi) return [lo, hi];
  lo = Infinity;
  hi = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const x = data[p]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

export function computeConformScale(data: TypedArray, size: readonly number[], isUint8: boolean, source: string): ConformScale {
  const [globalMin, globalMax] = computeNiivueRange(data, size);
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
    const bin = Math.min(Math.floor((x - globalMin) / binSize), bins - 1);
    if (bin >= 0) hist[bin]!++;
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
