/**
 * Intensity normalisation to a range measured on the data, as brainchop does before its
 * MeshNet models (tensor-utils.js), over every voxel of the volume (all channels together):
 * - normalizeMinMax: (x - min) / (max - min) (minMaxNormalizeVolumeData),
 * - normalizeQuantile {lower, upper}: (x - q_lo) / (q_hi - q_lo) with brainchop's order
 *   statistics of the sorted values: q_lo = v[floor(n * lower)], q_hi = v[ceil(n * upper) - 1]
 *   (calculateQuantiles; no interpolation, values outside stay outside [0, 1]).
 * Arithmetic as tfjs's float32 ops: x - a rounded to float32, then the float32 quotient.
 * Integer volumes of up to 16 bits find min / max and quantiles with one counting histogram (no
 * copy of the data) and rescale through a per-value table; others select on one float32 copy,
 * which then receives the output.
 */
import { InputError } from '../core/errors.js';
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { selectKth } from './percentile-clip.js';
import { countBytes } from '../core/count-bytes.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult, createRecord } from './record.js';
import type { NormalizeMinMaxParams, NormalizeQuantileParams, PreprocessRecord, StepOptions, StepResult } from './types.js';

export function readNormalizeMinMaxParams(): NormalizeMinMaxParams {
  return {};
}

export function readNormalizeQuantileParams(r: ParamReader): NormalizeQuantileParams {
  const lower = r.has('lower') ? r.number('lower', { min: 0, max: 1 }) : 0.05;
  const upper = r.has('upper') ? r.number('upper', { min: 0, max: 1 }) : 0.95;
  if (!(upper > lower)) r.fail('upper', `a number > lower (${lower})`, upper);
  return { lower, upper };
}

function sourceOf(volume: Volume): string {
  return volume.meta.source ?? 'the input';
}

function rangeOf(data: TypedArray, op: string, volume: Volume): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < data.length; p++) {
    const x = data[p]!;
    if (x !== x) throw new InputError(`${op}: ${sourceOf(volume)} has NaN intensities`, { field: op, file: sourceOf(volume) });
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [Math.fround(lo), Math.fround(hi)];
}

/** out = fround(fround(x - a) / fround(b - a)); refuses a constant volume (0 / 0 in brainchop). */
function rescale(
  volume: Volume,
  a: number,
  b: number,
  op: 'normalizeMinMax' | 'normalizeQuantile',
  params: object,
  options: StepOptions,
  details: Record<string, number>,
  histogram?: ValueHistogram,
): StepResult {
  const denominator = Math.fround(b - a);
  if (!(denominator > 0))
    throw new InputError(`${op}: ${sourceOf(volume)} has no intensity range to normalise (${a} .. ${b})`, { field: op, file: sourceOf(volume) });
  const v = toPlanar(volume);
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  if (histogram !== undefined) rescaleByTable(src, out, buildTable(histogram, a, denominator), histogram.offset);
  else for (let p = 0; p < src.length; p++) out[p] = Math.fround(src[p]! - a) / denominator;
  return createGridKeepingResult(op, params, volume, createPlanarVolume(v.geometry, out, channelCount(v), v.meta), details);
}

/**
 * Integer volumes of <= 16 bits (conform's uint8 output, int16 CT / MRI) take at most 65536
 * values: the same float32 expression evaluated once per value into a table, then one load per
 * voxel instead of a subtraction and a division (bit-identical; ~4x faster on a 256^3 uint8).
 */
function buildTable(histogram: ValueHistogram, a: number, denominator: number): Float32Array {
  const table = new Float32Array(histogram.counts.length);
  for (let x = 0; x < table.length; x++) table[x] = Math.fround(x - histogram.offset - a) / denominator;
  return table;
}

export function rescaleByTable(src: TypedArray, out: Float32Array, table: Float32Array, offset: number): void {
  if (src instanceof Uint8Array && offset === 0) {
    for (let p = 0; p < src.length; p++) out[p] = table[src[p]!]!;
    return;
  }
  for (let p = 0; p < src.length; p++) out[p] = table[src[p]! + offset]!;
}

const HISTOGRAM_TYPES = new Set(['uint8', 'int8', 'uint16', 'int16']);

/** Voxel count per value of an integer volume (<= 16 bits): counts[x + offset]. */
interface ValueHistogram {
  readonly counts: Float64Array;
  readonly offset: number;
  readonly min: number;
  readonly max: number;
}

function histogramOf(volume: Volume): ValueHistogram | undefined {
  if (!HISTOGRAM_TYPES.has(volume.type)) return undefined;
  const data = volume.data;
  const offset = volume.type === 'int8' ? 128 : volume.type === 'int16' ? 32768 : 0;
  const counts = new Float64Array(volume.type === 'uint8' || volume.type === 'int8' ? 256 : 65536);
  if (data instanceof Uint8Array) countBytes(data, counts);
  else for (let p = 0; p < data.length; p++) counts[data[p]! + offset]!++;
  let min = 0;
  while (min < counts.length && counts[min] === 0) min++;
  let max = counts.length - 1;
  while (max > 0 && counts[max] === 0) max--;
  return { counts, offset, min: min - offset, max: max - offset };
}

export function normalizeMinMax(volume: Volume, params: NormalizeMinMaxParams | object, options: StepOptions = {}): StepResult {
  const histogram = volume.data.length > 0 ? histogramOf(volume) : undefined;
  const [min, max] = histogram !== undefined ? [histogram.min, histogram.max] : rangeOf(volume.data, 'normalizeMinMax', volume);
  return rescale(volume, min, max, 'normalizeMinMax', params, options, { min, max }, histogram);
}

/**
 * A normalisation of a one-channel integer volume (<= 16 bits) as a per-value table, without
 * writing the normalised volume: the plan runner then crops and converts straight from the
 * integer voxels (run-plan.ts). Statistics, checks and the record are the step's own. The table
 * never decreases with the value (x - a and the division by a positive number are monotonic, and
 * so is rounding), so a threshold on normalised values is one on the integers. Null for other
 * volumes.
 */
export interface IntensityTable {
  /** Normalised value of integer x at table[x + offset]. */
  readonly table: Float32Array;
  readonly offset: number;
  /** Largest normalised value present in the volume. */
  readonly maxValue: number;
  readonly record: PreprocessRecord;
}

export function planIntensityTable(
  volume: Volume,
  step: { readonly op: 'normalizeMinMax' } | (NormalizeQuantileParams & { readonly op: 'normalizeQuantile' }),
): IntensityTable | null {
  if (volume.components !== 1 || volume.frames !== 1 || volume.data.length === 0) return null;
  const histogram = histogramOf(volume);
  if (histogram === undefined) return null;
  const [a, b, details] =
    step.op === 'normalizeMinMax'
      ? [histogram.min, histogram.max, { min: histogram.min, max: histogram.max }]
      : quantileRange(histogram, volume.data.length, step);
  const denominator = Math.fround(b - a);
  if (!(denominator > 0))
    throw new InputError(`${step.op}: ${sourceOf(volume)} has no intensity range to normalise (${a} .. ${b})`, { field: step.op, file: sourceOf(volume) });
  const table = buildTable(histogram, a, denominator);
  const g = volume.geometry;
  return { table, offset: histogram.offset, maxValue: table[histogram.max + histogram.offset]!, record: createRecord(step.op, step, g, g, null, details) };
}

function quantileRange(histogram: ValueHistogram, n: number, params: NormalizeQuantileParams): [number, number, { low: number; high: number }] {
  const [lowRank, highRank] = quantileRanks(n, params);
  const [low, high] = rankByHistogram(histogram, [lowRank, highRank]) as [number, number];
  return [Math.fround(low), Math.fround(high), { low, high }];
}

function quantileRanks(n: number, params: NormalizeQuantileParams): [number, number] {
  return [Math.floor(n * params.lower), Math.max(0, Math.min(n - 1, Math.ceil(n * params.upper) - 1))];
}

/** The k-th smallest values (0-based ranks) of an integer volume by counting. */
function rankByHistogram(histogram: ValueHistogram, ranks: readonly number[]): number[] {
  const { counts, offset } = histogram;
  return ranks.map((rank) => {
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b]!;
      if (seen > rank) return b - offset;
    }
    return counts.length - 1 - offset;
  });
}

export function normalizeQuantile(volume: Volume, params: NormalizeQuantileParams, options: StepOptions = {}): StepResult {
  const data = volume.data;
  const n = data.length;
  const [lowRank, highRank] = quantileRanks(n, params);
  const histogram = n > 0 ? histogramOf(volume) : undefined;
  let low: number;
  let high: number;
  if (histogram !== undefined) {
    [low, high] = rankByHistogram(histogram, [lowRank, highRank]) as [number, number];
  } else {
    rangeOf(data, 'normalizeQuantile', volume); // refuses NaN, whose sort order is undefined
    const work = Float32Array.from(data);
    selectKth(work, highRank, 0, n - 1);
    high = work[highRank]!;
    // Everything below highRank is now <= high: select the low rank among those.
    selectKth(work, lowRank, 0, highRank);
    low = work[lowRank]!;
  }
  return rescale(volume, Math.fround(low), Math.fround(high), 'normalizeQuantile', params, options, { low, high }, histogram);
}
