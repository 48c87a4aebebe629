/**
 * scaleIntensityRange {aMin, aMax, bMin, bMax, clip}: MONAI ScaleIntensityRange,
 * (x - aMin) / (aMax - aMin) * (bMax - bMin) + bMin, then np.clip-style clipping to
 * [bMin, bMax] when `clip`. When aMax == aMin MONAI warns and returns x - aMin + bMin; so do we.
 */
import type { Volume } from '../core/volume.js';
import { arenaHolding } from '../core/volume-kernels.js';
import type { ParamReader } from './param-reader.js';
import { allocateOutput, channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { createGridKeepingResult } from './record.js';
import type { ScaleIntensityRangeParams, StepResult, StepOptions } from './types.js';

/** Below this many voxels the scalar loop is as fast as calling the kernel. */
const MIN_KERNEL_ELEMENTS = 4096;

export function readScaleIntensityRangeParams(r: ParamReader): ScaleIntensityRangeParams {
  return { aMin: r.number('aMin'), aMax: r.number('aMax'), bMin: r.number('bMin'), bMax: r.number('bMax'), clip: r.boolean('clip', false) };
}

export function scaleIntensityRange(volume: Volume, params: ScaleIntensityRangeParams, options: StepOptions = {}): StepResult {
  const v = toPlanar(volume);
  const { aMin, aMax, bMin, bMax, clip } = params;
  const src = v.data;
  const out = allocateOutput(v, options.inPlace, volume);
  const degenerate = aMax - aMin === 0;
  const k = degenerate ? 1 : (bMax - bMin) / (aMax - aMin);
  // k = 1 when degenerate: (x - aMin) * 1 + bMin is x - aMin + bMin exactly. Clipping np.clip(x,
  // lo, hi) == min(max(x, lo), hi), also when lo > hi, runs in the same loop on the unrounded
  // value: float32 rounding is monotonic, so clipping before the store gives the bits clipping
  // the stored value gave (a second pass over a CT-size volume, ~2x the time).
  const n = src.length;
  // In place on kernel memory (a resampled volume is handed out as a view of its arena): the SIMD
  // kernel, with the same float64 arithmetic and comparisons, so the same bits.
  const arena = out === src && n >= MIN_KERNEL_ELEMENTS ? arenaHolding(out) : undefined;
  if (arena !== undefined) arena.kernels.affineClamp(out.byteOffset, n, aMin, k, bMin, bMin, bMax, clip ? 1 : 0);
  else if (!clip) for (let p = 0; p < n; p++) out[p] = (src[p]! - aMin) * k + bMin;
  else {
    for (let p = 0; p < n; p++) {
      let y = (src[p]! - aMin) * k + bMin;
      if (y < bMin) y = bMin;
      if (y > bMax) y = bMax;
      out[p] = y;
    }
  }
  return createGridKeepingResult('scaleIntensityRange', params, volume, createPlanarVolume(v.geometry, out, channelCount(v), v.meta), { degenerate });
}
