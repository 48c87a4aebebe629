/**
 * normalizeMeanStd {mean, std, scale?}: per-channel (x * scale - mean[c]) / std[c], e.g.
 * ImageNet: scale 1/255, mean [0.485, 0.456, 0.406], std [0.229, 0.224, 0.225] (torchvision
 * Normalize after ToTensor). A single mean / std applies to every channel.
 */
import { ShapeError } from '../core/errors.js';
import { voxelCount } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { NormalizeMeanStdParams, StepResult, StepOptions } from './types.js';

export function readNormalizeMeanStdParams(r: ParamReader): NormalizeMeanStdParams {
  const mean = r.numberArray('mean', [1, 2, 3, 4]);
  const std = r.numberArray('std', [mean.length], { above: 0 }, 'as many (as mean has)');
  const scale = r.optionalNumber('scale') ?? 1;
  return { mean, std, scale };
}

export function normalizeMeanStd(volume: Volume, params: NormalizeMeanStdParams, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  const { mean, std } = params;
  if ((mean.length !== 1 && mean.length !== channels) || std.length !== mean.length) {
    throw new ShapeError(`normalizeMeanStd: volume has ${channels} channels but mean has ${mean.length} and std ${std.length} entries`, {
      field: 'mean',
      expected: channels,
      actual: mean.length,
    });
  }
  const n = voxelCount(v.geometry);
  const scale = params.scale ?? 1;
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  for (let c = 0; c < channels; c++) {
    const m = mean.length === 1 ? mean[0]! : mean[c]!;
    const s = std.length === 1 ? std[0]! : std[c]!;
    for (let p = c * n, end = (c + 1) * n; p < end; p++) out[p] = (src[p]! * scale - m) / s;
  }
  return createGridKeepingResult('normalizeMeanStd', params, volume, createPlanarVolume(v.geometry, out, channels, v.meta));
}
