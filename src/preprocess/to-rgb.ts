/** toRgb {}: one channel repeated three times (ImageNet-pretrained and YOLO models take RGB). */
import { InputError } from '../core/errors.js';
import { allocateTypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { StepResult, ToRgbParams } from './types.js';

export function readToRgbParams(_r: ParamReader): ToRgbParams {
  return {};
}

export function convertToRgb(volume: Volume, params: ToRgbParams = {}): StepResult {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  if (channels === 3) return createGridKeepingResult('toRgb', params, volume, v);
  if (channels !== 1) throw new InputError(`toRgb: needs 1 or 3 channels, got ${channels}`, { field: 'channels', channels });
  const n = v.data.length;
  const out = allocateTypedArray(v.type, n * 3);
  for (let c = 0; c < 3; c++) out.set(v.data, c * n);
  return createGridKeepingResult('toRgb', params, volume, createPlanarVolume(v.geometry, out, 3, v.meta));
}
