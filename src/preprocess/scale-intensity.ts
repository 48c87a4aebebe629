/**
 * scaleIntensity {minv, maxv}: MONAI ScaleIntensity (channel_wise=False) - per-image min-max
 * rescaling (x - min) / (max - min) * (maxv - minv) + minv over all voxels and channels. A
 * constant image (max == min) becomes x * minv, as MONAI's rescale_array does. The measured min
 * and max go into the record. VoxelMorph's models were trained on images min-max normalised to
 * [0, 1] (the 2018 data are FreeSurfer-normalised uint8 / 255), so an image given as 0..255 or
 * as 0..1 reaches the network the same way.
 */
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { ScaleIntensityParams, StepOptions, StepResult } from './types.js';

export function readScaleIntensityParams(r: ParamReader): ScaleIntensityParams {
  return { minv: r.optionalNumber('minv') ?? 0, maxv: r.optionalNumber('maxv') ?? 1 };
}

export function scaleIntensity(volume: Volume, params: ScaleIntensityParams, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const src = v.data;
  const n = src.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < n; p++) {
    const x = src[p]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const out = allocateOutput(v, options.inPlace, volume);
  const { minv, maxv } = params;
  if (!(hi > lo)) {
    for (let p = 0; p < n; p++) out[p] = src[p]! * minv;
  } else {
    const k = (maxv - minv) / (hi - lo);
    for (let p = 0; p < n; p++) out[p] = (src[p]! - lo) * k + minv;
  }
  return createGridKeepingResult('scaleIntensity', params, volume, createPlanarVolume(v.geometry, out, channelCount(v), v.meta), { min: n > 0 ? lo : 0, max: n > 0 ? hi : 0 });
}
