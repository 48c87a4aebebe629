/**
 * zscore {nonzero, channelWise}: MONAI NormalizeIntensity (subtrahend/divisor unset):
 * (x - mean) / std with the population std (unbiased=False); std 0 -> 1. With `nonzero` only
 * voxels != 0 enter the statistics and are normalised; zeros stay 0 (skull-stripped MRI). With
 * `channelWise` each channel has its own statistics, otherwise one set over all channels.
 * Statistics use two float64 passes (mean, then centred squares) so 35M-voxel volumes do not
 * lose precision; nnU-Net's ZScore is the same formula with eps 1e-8.
 */
import { voxelCount } from '../core/geometry.js';
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { StepResult, ZscoreParams } from './types.js';

export function readZscoreParams(r: ParamReader): ZscoreParams {
  return { nonzero: r.boolean('nonzero', false), channelWise: r.boolean('channelWise', false) };
}

/** Mean and population std of data[start, end), optionally of nonzero values only. */
export function computeMeanStd(data: TypedArray, start: number, end: number, nonzero: boolean): { mean: number; std: number; count: number } {
  let sum = 0;
  let count = 0;
  if (nonzero) {
    for (let p = start; p < end; p++) {
      const x = data[p]!;
      if (x !== 0) {
        sum += x;
        count++;
      }
    }
  } else {
    for (let p = start; p < end; p++) sum += data[p]!;
    count = end - start;
  }
  if (count === 0) return { mean: 0, std: 1, count };
  const mean = sum / count;
  let sq = 0;
  if (nonzero) {
    for (let p = start; p < end; p++) {
      const x = data[p]!;
      if (x !== 0) sq += (x - mean) * (x - mean);
    }
  } else {
    for (let p = start; p < end; p++) sq += (data[p]! - mean) * (data[p]! - mean);
  }
  return { mean, std: Math.sqrt(sq / count), count };
}

function normalizeRange(src: TypedArray, out: Float32Array, start: number, end: number, mean: number, std: number, nonzero: boolean): void {
  const inv = 1 / (std === 0 ? 1 : std);
  for (let p = start; p < end; p++) {
    const x = src[p]!;
    out[p] = nonzero && x === 0 ? 0 : (x - mean) * inv;
  }
}

export function normalizeZscore(volume: Volume, params: ZscoreParams): StepResult {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  const n = voxelCount(v.geometry);
  const src = v.data;
  const out = new Float32Array(src.length);
  const means: number[] = [];
  const stds: number[] = [];
  if (params.channelWise) {
    for (let c = 0; c < channels; c++) {
      const s = computeMeanStd(src, c * n, (c + 1) * n, params.nonzero);
      // An empty mask leaves the channel as is (MONAI returns the image unchanged).
      const m = s.count === 0 ? 0 : s.mean;
      const d = s.count === 0 ? 1 : s.std;
      normalizeRange(src, out, c * n, (c + 1) * n, m, d, params.nonzero);
      means.push(m);
      stds.push(d);
    }
  } else {
    const s = computeMeanStd(src, 0, src.length, params.nonzero);
    const m = s.count === 0 ? 0 : s.mean;
    const d = s.count === 0 ? 1 : s.std;
    normalizeRange(src, out, 0, src.length, m, d, params.nonzero);
    means.push(m);
    stds.push(d);
  }
  return createGridKeepingResult('zscore', params, volume, createPlanarVolume(v.geometry, out, channels, v.meta), { mean: means, std: stds });
}
