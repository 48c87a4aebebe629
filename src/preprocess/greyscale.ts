/**
 * greyscale {method}: one channel from several. 'mean' averages the channels (torchxrayvision's
 * README `img.mean(2)`), 'first' keeps channel 0 (`utils.load_image`, `img[:, :, 0]`).
 * A single-channel volume passes through.
 */
import { voxelCount } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { GreyscaleParams, StepResult } from './types.js';

export function readGreyscaleParams(r: ParamReader): GreyscaleParams {
  return { method: r.oneOf('method', ['mean', 'first'] as const, 'mean') };
}

export function convertToGreyscale(volume: Volume, params: GreyscaleParams): StepResult {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  if (channels === 1) return createGridKeepingResult('greyscale', params, volume, v);
  const n = voxelCount(v.geometry);
  if (params.method === 'first') {
    return createGridKeepingResult('greyscale', params, volume, createPlanarVolume(v.geometry, v.data.slice(0, n), 1, v.meta));
  }
  const src = v.data;
  const out = new Float32Array(n);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let p = 0; p < n; p++) out[p] = out[p]! + src[base + p]!;
  }
  for (let p = 0; p < n; p++) out[p] = out[p]! / channels;
  return createGridKeepingResult('greyscale', params, volume, createPlanarVolume(v.geometry, out, 1, v.meta));
}
