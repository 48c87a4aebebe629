/**
 * toTensor {layout, dtype, axisOrder?}: the planar volume as an N=1 tensor.
 * Volumes store i fastest, so the default spatial order is slowest-first 'ji' (NCHW: H = rows j,
 * W = columns i) or 'kji' (NCDHW): no transpose. Models trained on nibabel / MONAI arrays see
 * [i, j, k] with k fastest: declare axisOrder 'ijk' (or 'ij'). float16 stores half bits.
 */
import { InputError } from '../core/errors.js';
import { voxelCount, type Geometry } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import type { ParamReader } from './param-reader.js';
import { channelCount, createPlanarVolume, toPlanar } from './planar.js';
import { copyBox } from './crop-pad.js';
import { rescaleByTable, type IntensityTable } from './normalize-range.js';
import { allocateTypedArray } from '../core/dtype.js';
import { copyPermutedBlock } from '../core/permute-block.js';
import { createGridKeepingResult, createRecord } from './record.js';
import { toFloat16Bits } from '../core/float16.js';
import type { ModelTensor } from '../core/tensor.js';
import type { StepOptions, StepResult, ToTensorParams } from './types.js';

export const AXIS_ORDER_PATTERN = /^(?:[ij]{2}|[ijk]{3})$/;

export function readToTensorParams(r: ParamReader): ToTensorParams {
  const layout = r.oneOf('layout', ['NCHW', 'NCDHW'] as const);
  const dtype = r.oneOf('dtype', ['float32', 'float16'] as const, 'float32');
  const axisOrder = r.optionalString('axisOrder', AXIS_ORDER_PATTERN, '"ji"/"ij" for NCHW or a permutation of "ijk" for NCDHW');
  if (axisOrder !== undefined && (new Set(axisOrder).size !== axisOrder.length || axisOrder.length !== (layout === 'NCHW' ? 2 : 3))) {
    r.fail('axisOrder', `a permutation of ${layout === 'NCHW' ? '"ij"' : '"ijk"'} for ${layout}`, axisOrder);
  }
  return axisOrder === undefined ? { layout, dtype } : { layout, dtype, axisOrder };
}

export function defaultAxisOrder(layout: ToTensorParams['layout']): string {
  return layout === 'NCHW' ? 'ji' : 'kji';
}

/** Volume axes (0 = i) of the tensor's spatial dims, slowest first, always 3 long ('k' first for 2D). */
export function resolveAxisOrder(params: ToTensorParams): [number, number, number] {
  const order = params.axisOrder ?? defaultAxisOrder(params.layout);
  const axes = [...order].map((ch) => 'ijk'.indexOf(ch));
  const full = axes.length === 2 ? [2, ...axes] : axes;
  return [full[0]!, full[1]!, full[2]!];
}

/** With options.inPlace a float32 tensor in stored order shares the volume's buffer (no copy). */
/**
 * toTensor's output as a view of the planar volume: its dims and the element strides at which it
 * reads the volume's storage (contiguous strides when the axis order is the stored one).
 */
export function tensorViewLayout(
  geometry: Geometry,
  channels: number,
  params: ToTensorParams,
): { dims: number[]; strides: number[]; axisOrder: string; identity: boolean } {
  const size = geometry.size;
  if (params.layout === 'NCHW' && size[2] !== 1) {
    throw new InputError(`toTensor: layout NCHW needs a 2D image (one slice), got ${size[2]} slices; use NCDHW`, { field: 'layout' });
  }
  const order = resolveAxisOrder(params);
  const n = voxelCount(geometry);
  const strides = [1, size[0], size[0] * size[1]];
  const [a0, a1, a2] = order;
  const [d0, d1, d2] = [size[a0]!, size[a1]!, size[a2]!];
  const [s0, s1, s2] = [strides[a0]!, strides[a1]!, strides[a2]!];
  const identity = s2 === 1 && s1 === d2 && s0 === d1 * d2;
  const nchw = params.layout === 'NCHW';
  return {
    dims: nchw ? [1, channels, d1, d2] : [1, channels, d0, d1, d2],
    strides: nchw ? [channels * n, n, s1, s2] : [channels * n, n, s0, s1, s2],
    axisOrder: order.map((a) => 'ijk'[a]).join(''),
    identity,
  };
}

export function convertToTensor(
  volume: Volume,
  params: ToTensorParams,
  options: StepOptions = {},
): StepResult & { tensor: ModelTensor<'float32' | 'float16'> } {
  const v = toPlanar(volume);
  const layout = tensorViewLayout(v.geometry, channelCount(v), params);
  const size = v.geometry.size;
  const order = resolveAxisOrder(params);
  const channels = channelCount(v);
  const n = voxelCount(v.geometry);
  const strides = [1, size[0], size[0] * size[1]];
  const [a0, a1, a2] = order;
  const [d0, d1, d2] = [size[a0]!, size[a1]!, size[a2]!];
  const [s0, s1, s2] = [strides[a0]!, strides[a1]!, strides[a2]!];
  const half = params.dtype === 'float16';
  const src = v.data;
  const identity = layout.identity;
  if (options.view === true && !half && !identity && src instanceof Float32Array) {
    // No copy: the tensor reads the planar volume through strides (sliding-window inference
    // transposes one window at a time; a whole-volume copy is ~1 GB for a four-channel CT).
    const view: ModelTensor<'float32'> = { type: 'float32', data: src, dims: layout.dims, strides: layout.strides };
    return {
      ...createGridKeepingResult('toTensor', params, volume, v, { layout: params.layout, dtype: params.dtype, dims: layout.dims, axisOrder: layout.axisOrder }),
      tensor: view,
    };
  }
  const share = options.inPlace === true && !half && identity && src instanceof Float32Array;
  const out = half ? new Uint16Array(n * channels) : share ? (src as Float32Array) : new Float32Array(n * channels);
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    if (share) break;
    if (identity && !half) {
      (out as Float32Array).set(src.subarray(base, base + n), o);
      o += n;
      continue;
    }
    if (!half) {
      copyPermutedBlock(src, base, out, o, { dims: [d0, d1, d2], srcStrides: [s0, s1, s2] });
      o += n;
      continue;
    }
    // float16: element by element (the half conversion dominates; no tiling needed).
    for (let x = 0; x < d0; x++) {
      for (let y = 0; y < d1; y++) {
        const row = base + x * s0 + y * s1;
        for (let z = 0; z < d2; z++, o++) out[o] = toFloat16Bits(src[row + z * s2]!);
      }
    }
  }
  const dims = params.layout === 'NCHW' ? [1, channels, d1, d2] : [1, channels, d0, d1, d2];
  const tensor: ModelTensor<'float32' | 'float16'> = { type: params.dtype, data: out, dims };
  const order3 = order.map((a) => 'ijk'[a]).join('');
  const result = createGridKeepingResult('toTensor', params, volume, v, { layout: params.layout, dtype: params.dtype, dims, axisOrder: order3 });
  return { ...result, tensor };
}

/**
 * toTensor of the box [start, start + size) of a float32 planar volume, read in place: the crop
 * before it (cropForeground) and the transpose in one copy, without the cropped volume in
 * between (40 MB allocated and written once less for a brainchop brain box). Same values as
 * cropping then convertToTensor. With `values` the volume holds integers not yet normalised
 * (planIntensityTable): the box is transposed as integers and mapped through the table, so the
 * normalised whole volume is never written (64 MB for a 256^3 brain). Null where it does not
 * apply (float16, interleaved components, a non-float32 volume without a table): the caller crops
 * and converts as usual.
 */
export function convertBoxToTensor(
  volume: Volume,
  start: readonly number[],
  croppedGeometry: Geometry,
  params: ToTensorParams,
  values?: IntensityTable,
): (StepResult & { tensor: ModelTensor<'float32'> }) | null {
  if (params.dtype !== 'float32' || volume.components !== 1 || (values === undefined && !(volume.data instanceof Float32Array))) return null;
  const size = croppedGeometry.size;
  if (params.layout === 'NCHW' && size[2] !== 1) return null;
  const full = volume.geometry.size;
  const order = resolveAxisOrder(params);
  const channels = channelCount(volume);
  const n = voxelCount(volume.geometry);
  const m = voxelCount(croppedGeometry);
  const strides = [1, full[0], full[0] * full[1]];
  const [a0, a1, a2] = order;
  const dims3: [number, number, number] = [size[a0]!, size[a1]!, size[a2]!];
  const srcStrides: [number, number, number] = [strides[a0]!, strides[a1]!, strides[a2]!];
  const corner = start[0]! + full[0] * (start[1]! + full[1] * start[2]!);
  const out = new Float32Array(m * channels);
  if (values !== undefined) {
    // One channel (planIntensityTable's condition): integers transposed, then mapped in order.
    const box = allocateTypedArray(volume.type, m);
    copyPermutedBlock(volume.data, corner, box, 0, { dims: dims3, srcStrides });
    rescaleByTable(box, out, values.table, values.offset);
  } else {
    for (let c = 0; c < channels; c++) copyPermutedBlock(volume.data, c * n + corner, out, c * m, { dims: dims3, srcStrides });
  }
  const dims = params.layout === 'NCHW' ? [1, channels, dims3[1], dims3[2]] : [1, channels, ...dims3];
  const order3 = order.map((a) => 'ijk'[a]).join('');
  const record = createRecord('toTensor', params, croppedGeometry, croppedGeometry, null, {
    layout: params.layout,
    dtype: params.dtype,
    dims,
    axisOrder: order3,
  });
  // The cropped volume itself is made only if a caller asks for it (the segmentation pipeline
  // does not); until then the result holds the uncropped volume.
  let cropped: Volume | undefined;
  const result = {
    record,
    tensor: { type: 'float32', data: out, dims } satisfies ModelTensor<'float32'>,
    get volume(): Volume {
      if (cropped === undefined) {
        let data = copyBox(volume, [start[0]!, start[1]!, start[2]!], [size[0], size[1], size[2]], 0);
        if (values !== undefined) {
          const mapped = new Float32Array(data.length);
          rescaleByTable(data, mapped, values.table, values.offset);
          data = mapped;
        }
        cropped = createPlanarVolume(croppedGeometry, data, channels, volume.meta);
      }
      return cropped;
    },
  };
  return result;
}
