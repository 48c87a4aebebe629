/**
 * letterbox {size, stride?, padValue?, auto?, scaleUp?}: Ultralytics YOLO LetterBox on a 2D image
 * (i = x = column, j = y = row). `size` is [width, height].
 * r = min(H/h, W/w) (capped at 1 unless scaleUp); unpadded size = Python round(w*r), round(h*r)
 * (ties to even); padding dw, dh = W - w', H - h' (mod stride when auto), halved; left/top =
 * round(d - 0.1), right/bottom = round(d + 0.1); border value 114. The resize is half-pixel
 * bilinear like cv2.INTER_LINEAR (for 8-bit input cv2 also rounds to integers; we keep floats).
 */
import { InputError } from '../core/errors.js';
import type { Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { buildLinearTable, buildNearestTable, linearCoordinates } from './axis-tables.js';
import { createScaleOffsetTransform } from './index-transform.js';
import type { ParamReader } from './param-reader.js';
import { createRecord } from './record.js';
import { resampleGrid, sourceStrides } from './resample-grid.js';
import { roundHalfEven } from './rounding.js';
import type { LetterboxParams, StepResult } from './types.js';

export function readLetterboxParams(r: ParamReader): LetterboxParams {
  const size = r.numberArray('size', [2], { integer: true, min: 1 });
  const stride = r.optionalNumber('stride', { integer: true, min: 1 }) ?? 32;
  const padValue = r.optionalNumber('padValue') ?? 114;
  const auto = r.boolean('auto', false);
  const scaleUp = r.boolean('scaleUp', true);
  return { size, stride, padValue, auto, scaleUp };
}

export interface LetterboxPlan {
  readonly ratio: number;
  /** Resized image size before padding [w', h']. */
  readonly unpadded: readonly [number, number];
  /** [left, top, right, bottom] in output pixels. */
  readonly pad: readonly [number, number, number, number];
  readonly outSize: readonly [number, number];
}

export function planLetterbox(width: number, height: number, params: LetterboxParams): LetterboxPlan {
  const [tw, th] = [params.size[0]!, params.size[1]!];
  let r = Math.min(th / height, tw / width);
  if (params.scaleUp === false) r = Math.min(r, 1);
  const nw = roundHalfEven(width * r);
  const nh = roundHalfEven(height * r);
  let dw = tw - nw;
  let dh = th - nh;
  if (params.auto === true) {
    const s = params.stride ?? 32;
    // numpy mod: result has the sign of the divisor.
    dw = ((dw % s) + s) % s;
    dh = ((dh % s) + s) % s;
  }
  dw /= 2;
  dh /= 2;
  const left = roundHalfEven(dw - 0.1);
  const right = roundHalfEven(dw + 0.1);
  const top = roundHalfEven(dh - 0.1);
  const bottom = roundHalfEven(dh + 0.1);
  return { ratio: r, unpadded: [nw, nh], pad: [left, top, right, bottom], outSize: [nw + left + right, nh + top + bottom] };
}

export function letterboxImage(volume: Volume, params: LetterboxParams): StepResult {
  const g = volume.geometry;
  if (g.size[2] !== 1) throw new InputError(`letterbox needs a 2D image (one slice), got ${g.size[2]} slices`, { field: 'size' });
  const plan = planLetterbox(g.size[0], g.size[1], params);
  const outSize: Vec3 = [plan.outSize[0], plan.outSize[1], 1];
  const scale = [g.size[0] / plan.unpadded[0], g.size[1] / plan.unpadded[1], 1];
  const pads = [plan.pad[0], plan.pad[1], 0];
  // Output pixel t shows input pixel (t - pad + 0.5) * n / n' - 0.5; pad pixels land more than
  // half a pixel outside and get padValue.
  const t = createScaleOffsetTransform(
    scale,
    [0, 1, 2].map((a) => (0.5 - pads[a]!) * scale[a]! - 0.5),
  );
  const strides = sourceStrides(g.size);
  const tx = buildLinearTable(linearCoordinates(outSize[0], t.scale[0], t.offset[0]), g.size[0], strides[0], 'fill');
  const ty = buildLinearTable(linearCoordinates(outSize[1], t.scale[1], t.offset[1]), g.size[1], strides[1], 'fill');
  const tz = buildNearestTable(linearCoordinates(1, 1, 0), 1, strides[2], 'border');
  const out = resampleGrid(volume, t, outSize, { linear: true, edge: 'fill', fill: params.padValue ?? 114, tables: [tx, ty, tz] });
  const details = { ratio: plan.ratio, unpadded: [...plan.unpadded], pad: [...plan.pad] };
  return { volume: out, record: createRecord('letterbox', params, g, out.geometry, t, details) };
}
