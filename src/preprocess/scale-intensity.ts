/**
 * scaleIntensity {min, max, channelWise}: MONAI ScaleIntensity(minv, maxv) = rescale_array:
 * (x - lo) / (hi - lo) * (max - min) + min with lo / hi the volume's own minimum and maximum
 * (per channel with `channelWise`). A constant image (hi == lo) becomes x * min, as MONAI returns
 * `arr * minv` then. Data-dependent, so never deferred past a resampling (defer-intensity.ts).
 */
import type { Volume } from '../core/volume.js';
import { voxelCount } from '../core/geometry.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { ScaleIntensityParams, StepOptions, StepResult } from './types.js';

export function readScaleIntensityParams(r: ParamReader): ScaleIntensityParams {
  return { min: r.number('min'), max: r.number('max'), channelWise: r.boolean('channelWise', false) };
}

export function scaleIntensity(volume: Volume, params: ScaleIntensityParams, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  const channels = channelCount(v);
  const per = voxelCount(v.geometry);
  const groups = params.channelWise ? channels : 1;
  const span = params.channelWise ? per : per * channels;
  const ranges: [number, number][] = [];
  for (let g = 0; g < groups; g++) {
    const start = g * span;
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = start; p < start + span; p++) {
      const x = src[p]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    ranges.push([lo, hi]);
    if (hi === lo) {
      for (let p = start; p < start + span; p++) out[p] = src[p]! * params.min;
      continue;
    }
    // float64 factors as numpy computes them for a float64 min/max of float32 data.
    const k = (params.max - params.min) / (hi - lo);
    for (let p = start; p < start + span; p++) out[p] = (src[p]! - lo) * k + params.min;
  }
  return createGridKeepingResult('scaleIntensity', params, volume, createPlanarVolume(v.geometry, out, channels, v.meta), { ranges: ranges.flat() });
}
