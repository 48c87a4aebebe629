/**
 * zscore {nonzero, channelWise}: MONAI NormalizeIntensity (subtrahend/divisor unset):
 * (x - mean) / std with the population std (unbiased=False); std 0 -> 1. With `nonzero` only
 * voxels != 0 enter the statistics and are normalised; zeros stay 0 (skull-stripped MRI). With
 * `channelWise` each channel has its own statistics, otherwise one set over all channels.
 * Statistics accumulate in float64 in one shifted pass so 35M-voxel volumes do not lose
 * precision; nnU-Net's ZScore is the same formula with eps 1e-8. Large volumes stream through
 * the WebAssembly SIMD kernels (simd.ts); the output is float32 either way.
 */
import { voxelCount } from '../core/geometry.js';
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import { getSimdKernels, normalizeSimd, sumShiftedSimd } from './simd.js';

/** Below this many voxels the scalar loops win (no chunk copies). */
const SIMD_MIN = 4096;

/** SIMD works in float32: exact for 8/16-bit and float32 data, not for float64 / 32-bit integers. */
function simdFor(data: TypedArray, n: number): ReturnType<typeof getSimdKernels> {
  const exact =
    data instanceof Float32Array || data instanceof Uint8Array || data instanceof Int8Array || data instanceof Uint16Array || data instanceof Int16Array;
  return exact && n >= SIMD_MIN ? getSimdKernels() : null;
}
import type { StepResult, ZscoreParams, StepOptions } from './types.js';

export function readZscoreParams(r: ParamReader): ZscoreParams {
  return { nonzero: r.boolean('nonzero', false), channelWise: r.boolean('channelWise', false) };
}

/**
 * Mean and population std of data[start, end), optionally of nonzero values only, in one pass:
 * float64 sums of d = x - K and d^2 with K = the first counted value. The shift keeps the one-pass
 * formula stable (no cancellation when the mean is far from 0). With `nonzero`, every voxel is
 * summed and the zeros' known contribution (d = -K) is removed afterwards: a branch-free loop
 * runs faster than skipping zeros on noisy masks (BENCHMARKS.md, "Design measurements").
 */
export function computeMeanStd(data: TypedArray, start: number, end: number, nonzero: boolean): { mean: number; std: number; count: number } {
  let first = start;
  if (nonzero) while (first < end && data[first] === 0) first++;
  if (first >= end) return { mean: 0, std: 1, count: 0 };
  const k = data[first]!;
  const simd = simdFor(data, end - start);
  let { s1, s2, zeros } = simd !== null ? sumShiftedSimd(simd, data, start, end, k) : { s1: 0, s2: 0, zeros: 0 };
  if (simd === null) {
    for (let p = start; p < end; p++) {
      const x = data[p]!;
      const d = x - k;
      s1 += d;
      s2 += d * d;
      zeros += x === 0 ? 1 : 0;
    }
  }
  if (nonzero) {
    s1 += zeros * k;
    s2 -= zeros * k * k;
  }
  const count = nonzero ? end - start - zeros : end - start;
  const meanShifted = s1 / count;
  const variance = Math.max(0, s2 / count - meanShifted * meanShifted);
  return { mean: k + meanShifted, std: Math.sqrt(variance), count };
}

/**
 * What a zscore step does to a planar volume, decided before any voxel is written: one mean and
 * one divisor per statistics span (a channel with channelWise, else the whole volume) and the
 * arithmetic (float32 SIMD or the scalar float64 loop, chosen by the span's type and length).
 * normalizeZscoreRun applies it to any run of storage elements, so a consumer may apply it late
 * (deferred-zscore.ts) with the same values as normalizeZscore.
 */
export interface ZscorePlan {
  readonly means: readonly number[];
  readonly stds: readonly number[];
  /** Storage elements per statistics span (span s covers [s * span, (s + 1) * span)). */
  readonly span: number;
  readonly nonzero: boolean;
  readonly simd: boolean;
}

export function planZscore(volume: Volume, params: ZscoreParams): ZscorePlan {
  const v = toPlanar(volume);
  const src = v.data;
  const n = voxelCount(v.geometry);
  const spans = params.channelWise ? Array.from({ length: channelCount(v) }, (_, c) => src.subarray(c * n, (c + 1) * n)) : [src];
  return planZscoreSpans(spans, params.nonzero);
}

/**
 * The plan over statistics spans given one by one (channels of one type and length that need not
 * be one array: the inputs a plan would stack). Same statistics as over the stacked copy: the
 * sums run in chunks counted from each span's start either way.
 */
export function planZscoreSpans(spans: readonly TypedArray[], nonzero: boolean): ZscorePlan {
  const means: number[] = [];
  const stds: number[] = [];
  for (const data of spans) {
    const s = computeMeanStd(data, 0, data.length, nonzero);
    // An empty mask leaves the channel as is (MONAI returns the image unchanged).
    means.push(s.count === 0 ? 0 : s.mean);
    stds.push(s.count === 0 ? 1 : s.std);
  }
  const first = spans[0]!;
  return { means, stds, span: first.length, nonzero, simd: simdFor(first, first.length) !== null };
}

/**
 * out[at..] = the plan applied to src[start, start + count), a run inside one statistics span
 * (`span` = the span's index: the run may come from a copy of the volume laid out differently).
 */
export function normalizeZscoreRun(plan: ZscorePlan, span: number, src: TypedArray, start: number, count: number, out: Float32Array, at: number): void {
  const mean = plan.means[span]!;
  const std = plan.stds[span]!;
  const inv = 1 / (std === 0 ? 1 : std);
  const simd = plan.simd ? getSimdKernels() : null;
  if (simd !== null) {
    normalizeSimd(simd, src, out, start, start + count, mean, inv, plan.nonzero, at);
    return;
  }
  const shift = at - start;
  if (!plan.nonzero) {
    for (let p = start; p < start + count; p++) out[p + shift] = (src[p]! - mean) * inv;
    return;
  }
  for (let p = start; p < start + count; p++) {
    const x = src[p]!;
    const y = (x - mean) * inv;
    out[p + shift] = x !== 0 ? y : 0;
  }
}

export function normalizeZscore(volume: Volume, params: ZscoreParams, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  const plan = planZscore(v, params);
  for (let s = 0; s < plan.means.length; s++) normalizeZscoreRun(plan, s, src, s * plan.span, plan.span, out, s * plan.span);
  const [means, stds] = [[...plan.means], [...plan.stds]];
  return createGridKeepingResult('zscore', params, volume, createPlanarVolume(v.geometry, out, channels, v.meta), { mean: means, std: stds });
}
