/**
 * percentileClip {lower, upper}: clips to the lower / upper percentiles (0..100) of all values,
 * computed like numpy.percentile's default 'linear' method (a[lo] + (a[hi] - a[lo]) * frac at
 * position q/100 * (n - 1)). NaNs are ignored. Order statistics come from quickselect on one
 * float32 copy, which then receives the clipped output: input + one copy alive, no sort.
 */
import { InputError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { PercentileClipParams, StepResult } from './types.js';

export function readPercentileClipParams(r: ParamReader): PercentileClipParams {
  const lower = r.number('lower', { min: 0, max: 100 });
  const upper = r.number('upper', { min: 0, max: 100 });
  if (upper < lower) r.fail('upper', `a number >= lower (${lower})`, upper);
  return { lower, upper };
}

/** Rearranges a[left..right] so a[k] is the k-th smallest (Hoare-style quickselect). */
export function selectKth(a: Float32Array, k: number, left: number, right: number): void {
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three pivot keeps sorted / constant inputs linear.
    const x = a[left]!,
      y = a[mid]!,
      z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function minOf(a: Float32Array, from: number, to: number): number {
  let m = Infinity;
  for (let p = from; p < to; p++) if (a[p]! < m) m = a[p]!;
  return m;
}

/** numpy.percentile (linear) of `work[0, n)`; reorders `work`. */
export function computePercentile(work: Float32Array, n: number, q: number): number {
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  selectKth(work, lo, 0, n - 1);
  const a = work[lo]!;
  if (frac === 0 || lo + 1 >= n) return a;
  const b = minOf(work, lo + 1, n);
  return a + (b - a) * frac;
}

export function clipPercentiles(volume: Volume, params: PercentileClipParams): StepResult {
  const v = toPlanar(volume);
  const src = v.data;
  const work = new Float32Array(src.length);
  let n = 0;
  for (let p = 0; p < src.length; p++) {
    const x = src[p]!;
    if (x === x) work[n++] = x;
  }
  if (n === 0) throw new InputError('percentileClip: volume has no finite values', { field: 'lower' });
  const low = computePercentile(work, n, params.lower);
  const high = computePercentile(work, n, params.upper);
  for (let p = 0; p < src.length; p++) {
    const x = src[p]!;
    work[p] = x < low ? low : x > high ? high : x;
  }
  return createGridKeepingResult('percentileClip', params, volume, createPlanarVolume(v.geometry, work, channelCount(v), v.meta), { low, high });
}
