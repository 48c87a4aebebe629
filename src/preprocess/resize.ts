/**
 * resize {size, mode, antialias?}: to a fixed voxel count, reproducing
 * torch.nn.functional.interpolate with align_corners=False: 'bilinear' (trilinear for 3 axes,
 * optional antialias as in torch >= 1.11), 'area' (adaptive average pooling), 'nearest';
 * 'skimage' = scikit-image transform.resize as TorchXRayVision's XRayResizer calls it
 * (skimage-resize.ts).
 * The geometry follows the half-pixel-centre convention: output voxel t sits at input index
 * (t + 0.5) * n / m - 0.5, so the field of view is unchanged and spacing scales by n / m.
 */
import { InputError } from '../core/errors.js';
import type { Vec3 } from '../core/geometry.js';
import type { TypedArray } from '../core/dtype.js';
import type { Volume } from '../core/volume.js';
import { buildIndexTable } from './axis-tables.js';
import { filterAxis, filterPlane } from './filter-axis.js';
import { createScaleOffsetTransform, deriveGeometry } from './index-transform.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, checkOutputSize, createPlanarVolume, toPlanar } from './planar.js';
import { createRecord } from './record.js';
import { resampleGrid, sourceStrides } from './resample-grid.js';
import { resizeLikeSkimage } from './skimage-resize.js';
import { buildTorchNearestIndices, tapTableFor } from './resize-taps.js';
import type { IndexTransform, ResizeParams, StepOptions, StepResult } from './types.js';

export function readResizeParams(r: ParamReader): ResizeParams {
  const size = r.numberArray('size', [2, 3], { integer: true, min: -1 });
  if (size.some((s) => s === 0)) r.fail('size', 'positive integers (or -1 to keep an axis)', size);
  const mode = r.oneOf('mode', ['bilinear', 'area', 'nearest', 'skimage'] as const, 'bilinear');
  const antialias = r.boolean('antialias', false);
  if (antialias && mode !== 'bilinear') r.fail('antialias', 'false unless mode is "bilinear"', antialias);
  return { size, mode, antialias };
}

export function resolveResizeSize(current: Vec3, size: readonly number[]): Vec3 {
  const out = [0, 1, 2].map((a) => {
    const s = size[a];
    return s === undefined || s === -1 ? current[a]! : s;
  });
  return [out[0]!, out[1]!, out[2]!];
}

/** Centre-preserving transform used for the geometry and record of every resize mode. */
export function createResizeTransform(from: Vec3, to: Vec3): IndexTransform {
  const scale = [0, 1, 2].map((a) => from[a]! / to[a]!);
  return createScaleOffsetTransform(
    scale,
    scale.map((s) => 0.5 * s - 0.5),
  );
}

export function resizeVolume(volume: Volume, params: ResizeParams, options: StepOptions = {}): StepResult {
  const g = volume.geometry;
  if (!params.size.every((s) => s === -1 || (Number.isInteger(s) && s > 0))) {
    throw new InputError(`resize: size must be positive integers or -1, got [${params.size.join(', ')}]`, { field: 'size' });
  }
  const outSize = resolveResizeSize(g.size, params.size);
  const t = createResizeTransform(g.size, outSize);
  // Already the requested size: every mode is the identity; no copy, type kept.
  if (outSize.every((n, a) => n === g.size[a])) return { volume, record: createRecord('resize', params, g, g, t) };
  checkOutputSize('resize', outSize, channelCount(volume));
  const geometry = deriveGeometry(g, t, outSize);
  let out: Volume;
  if (params.mode === 'skimage') {
    const { data, channels } = resizeLikeSkimage(volume, outSize);
    out = createPlanarVolume(geometry, data, channels, volume.meta);
  } else if (params.mode === 'bilinear' && !params.antialias && outSize.every((n, a) => n >= g.size[a]!)) {
    // Upsampling (or equal) on every axis: the separable trilinear sampler. When an axis shrinks,
    // the 2-tap filter passes below read each input row once (the sampler was much slower than
    // the antialiased filter for 2048^2 -> 224^2; BENCHMARKS.md, "Design measurements").
    out = resampleGrid(volume, t, outSize, { linear: true, edge: 'border', geometry });
  } else if (params.mode === 'nearest') {
    const strides = sourceStrides(g.size);
    const tables = [0, 1, 2].map((a) => buildIndexTable(buildTorchNearestIndices(g.size[a]!, outSize[a]!), strides[a]!));
    out = resampleGrid(volume, t, outSize, { linear: false, edge: 'border', geometry, tables: [tables[0]!, tables[1]!, tables[2]!] });
  } else {
    const v = toPlanar(volume);
    const channels = channelCount(v);
    let data: TypedArray = v.data;
    let size: [number, number, number] = [g.size[0], g.size[1], g.size[2]];
    // k and j first: their passes blend whole contiguous rows (tight inner loop over i), so the
    // big input is read once that way and the strided i pass runs on the already reduced data.
    const kind = params.mode === 'area' ? 'area' : params.antialias ? 'antialias' : 'bilinear';
    const tapsFor = (axis: 0 | 1 | 2) => tapTableFor(kind, size[axis], outSize[axis]);
    for (const axis of [2, 1, 0] as const) {
      if (size[axis] === outSize[axis]) continue;
      if (axis === 1 && size[0] !== outSize[0]) {
        // j and i both change (a radiograph to the model's size): one fused pass when it can.
        const plane = filterPlane(data, size, channels, tapsFor(1), tapsFor(0), options.rangeProbe);
        if (plane !== null) {
          ({ data, size } = plane);
          break;
        }
      }
      // Each pass frees the previous intermediate: at most input + two partial buffers alive.
      ({ data, size } = filterAxis(data, size, channels, axis, tapsFor(axis), options.rangeProbe));
    }
    if (!(data instanceof Float32Array)) data = Float32Array.from(data);
    out = createPlanarVolume(geometry, data, channels, v.meta);
  }
  return { volume: out, record: createRecord('resize', params, g, out.geometry, t) };
}
