/**
 * Interop with scijs `ndarray` (https://github.com/scijs/ndarray) for users of that ecosystem:
 * Volumes and tensors become ndarray views over the SAME typed array, and ndarrays become Volumes
 * or tensors without a copy when their layout already is the SDK's. medinfer does not depend on
 * ndarray: the caller passes its `ndarray` factory to `toNdarray`, and the `from` functions read
 * any object with `data`, `shape`, `stride` and `offset` (what every ndarray has).
 *
 * Axis order (no reordering of memory, only of how it is indexed):
 * - Volume: shape [i, j, k] (geometry.size order, so `nd.get(i, j, k)` is voxel (i, j, k) of the
 *   geometry, i fastest in memory), then [t] when frames > 1, then [c] when components > 1;
 *   strides [C, C*ni, C*ni*nj, C*ni*nj*nk, 1] for C components. This is NIfTI's (x, y, z, t, u)
 *   order, not ndarray's default row-major layout, so build Volumes from an ndarray made this way
 *   (or transposed to it), not from `ndarray(data, [nk, nj, ni])`.
 * - Tensor: shape = dims (ONNX order, e.g. NCDHW), row-major strides, as ONNX Runtime stores it.
 */
import { allocateTypedArray, voxelTypeOf, type TypedArray } from '../core/dtype.js';
import { InputError, ShapeError } from '../core/errors.js';
import type { Geometry } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import { tensorSize, type ModelTensor, type TensorDataType } from '../core/tensor.js';

/** What the `from` functions read of an ndarray (any scijs ndarray has these). */
export interface NdarrayLike<D = unknown> {
  readonly data: D;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/** scijs's `ndarray` function (`import ndarray from 'ndarray'`), or anything with its signature. */
export type NdarrayFactory<R> = (data: TypedArray | BigInt64Array, shape: number[], stride: number[], offset: number) => R;

/** Volume -> ndarray view over volume.data; tensor -> ndarray view over tensor.data. No copy. */
export function toNdarray<R>(source: Volume | ModelTensor, ndarray: NdarrayFactory<R>): R {
  if ('geometry' in source) {
    const { shape, stride } = volumeLayout(source.geometry, source.frames, source.components);
    return ndarray(source.data, shape, stride, 0);
  }
  return ndarray(source.data, [...source.dims], rowMajorStrides(source.dims), 0);
}

/**
 * An ndarray of shape [i, j, k], [i, j, k, t] or [i, j, k, t, c] (use t = 1 for a 3D volume with
 * components) as a Volume on `geometry` (its size must equal the first three axes). The Volume
 * shares the ndarray's buffer when its strides are the Volume layout's (see the file header) and
 * copies otherwise (a transposed or stepped view): `shared` says which.
 */
export function volumeFromNdarray(nd: NdarrayLike, geometry: Geometry): { volume: Volume; shared: boolean } {
  const shape = nd.shape;
  if (shape.length < 3 || shape.length > 5 || shape.slice(0, 3).some((n, a) => n !== geometry.size[a])) {
    throw new ShapeError(
      `ndarray of shape [${shape.join(', ')}] does not start with the geometry's size [${geometry.size.join(', ')}] (axes i, j, k[, t[, c]])`,
      {
        expected: [...geometry.size],
        actual: [...shape],
      },
    );
  }
  const frames = shape[3] ?? 1;
  const components = shape[4] ?? 1;
  const data = checkData(nd.data, 'volume');
  const stride = volumeStrides(geometry, components).slice(0, shape.length);
  const shared = sameStrides(nd, shape, stride);
  const view = shared ? subarray(data, nd.offset, tensorSize(shape)) : gather(nd, data, shape, stride);
  return { volume: createVolume({ geometry, data: view as TypedArray, frames, components }), shared };
}

/**
 * An ndarray as a tensor of ONNX dims = its shape. Shares the buffer when the ndarray is row-major
 * contiguous, copies otherwise (`shared`). The element type follows the array class; a Uint16Array
 * is only taken as 'float16' bits when `type` says so (ONNX has no uint16 tensor type here).
 */
export function tensorFromNdarray(nd: NdarrayLike, type?: TensorDataType): { tensor: ModelTensor; shared: boolean } {
  const data = checkData(nd.data, 'tensor');
  const inferred = tensorTypeOf(data, type);
  const stride = rowMajorStrides(nd.shape);
  const shared = sameStrides(nd, nd.shape, stride);
  const view = shared ? subarray(data, nd.offset, tensorSize(nd.shape)) : gather(nd, data, nd.shape, stride);
  return { tensor: { type: inferred, dims: [...nd.shape], data: view as ModelTensor['data'] }, shared };
}

/** Strides of the Volume layout over axes (i, j, k, t, c); a view of rank r uses the first r. */
function volumeStrides(geometry: Geometry, components: number): number[] {
  const [ni, nj, nk] = geometry.size;
  return [components, components * ni, components * ni * nj, components * ni * nj * nk, 1];
}

function volumeLayout(geometry: Geometry, frames: number, components: number): { shape: number[]; stride: number[] } {
  const rank = components > 1 ? 5 : frames > 1 ? 4 : 3;
  const shape = [...geometry.size, frames, components].slice(0, rank);
  return { shape, stride: volumeStrides(geometry, components).slice(0, rank) };
}

function rowMajorStrides(dims: readonly number[]): number[] {
  const stride = new Array<number>(dims.length);
  let s = 1;
  for (let a = dims.length - 1; a >= 0; a--) {
    stride[a] = s;
    s *= dims[a]!;
  }
  return stride;
}

/** Axes of length 1 may carry any stride (ndarray gives them whatever); they address nothing. */
function sameStrides(nd: NdarrayLike, shape: readonly number[], stride: readonly number[]): boolean {
  return nd.stride.length === stride.length && stride.every((s, a) => shape[a] === 1 || nd.stride[a] === s);
}

const VOLUME_ARRAYS = [Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array];

/** The typed array behind an ndarray, refused when no Volume type (or, for a tensor, BigInt64Array) names it. */
function checkData(data: unknown, what: 'volume' | 'tensor'): TypedArray | BigInt64Array {
  if (VOLUME_ARRAYS.some((ctor) => data instanceof ctor) || (what === 'tensor' && data instanceof BigInt64Array)) {
    return data as TypedArray | BigInt64Array;
  }
  const name = (data as object | null)?.constructor?.name ?? typeof data;
  throw new InputError(
    `a ${what} needs an ndarray over one of ${VOLUME_ARRAYS.map((c) => c.name).join(', ')}${what === 'tensor' ? ', BigInt64Array' : ''}; got ${name}`,
    {
      field: 'data',
    },
  );
}

function subarray(data: TypedArray | BigInt64Array, offset: number, length: number): TypedArray | BigInt64Array {
  return offset === 0 && data.length === length ? data : data.subarray(offset, offset + length);
}

/** Copies a strided view into a new array with the target strides (the layout's own order). */
function gather(nd: NdarrayLike, data: TypedArray | BigInt64Array, shape: readonly number[], stride: readonly number[]): TypedArray | BigInt64Array {
  const n = tensorSize(shape);
  const out = data instanceof BigInt64Array ? new BigInt64Array(n) : allocateTypedArray(voxelTypeOf(data), n); // checkData allowed only these
  const idx = new Array<number>(shape.length).fill(0);
  for (let p = 0; p < n; p++) {
    let src = nd.offset;
    let dst = 0;
    for (let a = 0; a < shape.length; a++) {
      src += idx[a]! * nd.stride[a]!;
      dst += idx[a]! * stride[a]!;
    }
    (out as Float64Array)[dst] = (data as Float64Array)[src]!;
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a] = idx[a]! + 1;
      if (idx[a] !== shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

function tensorTypeOf(data: TypedArray | BigInt64Array, type: TensorDataType | undefined): TensorDataType {
  const natural: Record<string, TensorDataType> = {
    Float32Array: 'float32',
    Float64Array: 'float64',
    Int32Array: 'int32',
    Int8Array: 'int8',
    Uint8Array: 'uint8',
    BigInt64Array: 'int64',
  };
  const name = data.constructor.name;
  const fits =
    type === undefined
      ? natural[name]
      : (natural[name] === type || (type === 'float16' && name === 'Uint16Array') || (type === 'bool' && name === 'Uint8Array')) && type;
  if (!fits) {
    throw new InputError(`no ONNX tensor type${type === undefined ? '' : ` '${type}'`} for a ${name} (float16 needs Uint16Array bits and type 'float16')`, {
      field: 'data',
    });
  }
  return fits;
}
