/**
 * invertMonochrome1 {}: DICOM MONOCHROME1 stores low values as bright; models are trained on
 * MONOCHROME2. When meta.photometric is 'MONOCHROME1' values become maxval - x with maxval =
 * 2**bitsStored - 1 (torchxrayvision read_xray_dcm), or the data maximum when bitsStored is
 * unknown; meta.photometric becomes 'MONOCHROME2'. Otherwise the volume passes through untouched.
 */
import { allocateTypedArray, isIntegerType } from '../core/dtype.js';
import { volumeStats, type Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { InvertMonochrome1Params, StepResult } from './types.js';

export function readInvertMonochrome1Params(_r: ParamReader): InvertMonochrome1Params {
  return {};
}

export function invertMonochrome1(volume: Volume, params: InvertMonochrome1Params = {}): StepResult {
  if (volume.meta.photometric !== 'MONOCHROME1') return createGridKeepingResult('invertMonochrome1', params, volume, volume, { inverted: false });
  const v = toPlanar(volume);
  const bits = v.meta.bitsStored;
  const maxval = typeof bits === 'number' && bits > 0 ? 2 ** bits - 1 : volumeStats(v).max;
  const src = v.data;
  // Unsigned data stays in its type (maxval - x >= 0); signed data goes to float32.
  const keep = isIntegerType(v.type) && v.type.startsWith('uint');
  const out = keep ? allocateTypedArray(v.type, src.length) : new Float32Array(src.length);
  for (let p = 0; p < src.length; p++) out[p] = maxval - src[p]!;
  const meta = { ...v.meta, photometric: 'MONOCHROME2' };
  return createGridKeepingResult('invertMonochrome1', params, volume, createPlanarVolume(v.geometry, out, channelCount(v), meta), { inverted: true, maxval });
}
