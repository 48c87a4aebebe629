/**
 * window {center, width, outMin?, outMax?}: display-window style intensity mapping. Values in
 * [center - width/2, center + width/2] map linearly onto [outMin, outMax] (default [0, 1]) and
 * are clipped outside. This is the plain centre/width convention (e.g. HU soft tissue 40/400),
 * not DICOM's (center - 0.5, width - 1) LUT formula, which differs by under one grey level.
 */
import { InputError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { StepResult, WindowParams, StepOptions } from './types.js';

export function readWindowParams(r: ParamReader): WindowParams {
  const center = r.number('center');
  const width = r.number('width', { above: 0 });
  const outMin = r.optionalNumber('outMin') ?? 0;
  const outMax = r.optionalNumber('outMax') ?? 1;
  return { center, width, outMin, outMax };
}

export function applyWindow(volume: Volume, params: WindowParams, options: StepOptions = {}): StepResult {
  if (!(params.width > 0)) throw new InputError(`window: width must be > 0, got ${params.width}`, { field: 'width' });
  const v = toPlanar(volume);
  const lo = params.center - params.width / 2;
  const outMin = params.outMin ?? 0;
  const range = (params.outMax ?? 1) - outMin;
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  for (let p = 0; p < src.length; p++) {
    let u = (src[p]! - lo) / params.width;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    out[p] = outMin + u * range;
  }
  return createGridKeepingResult('window', params, volume, createPlanarVolume(v.geometry, out, channelCount(v), v.meta));
}
