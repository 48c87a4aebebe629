/** Tensors as the runtime sees them: typed data + dims, independent of which ORT build runs. */
import type { TypedArray } from '../core/dtype.js';

export type TensorDType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool' | 'float64';

export interface TensorLike {
  readonly type: TensorDType;
  readonly dims: readonly number[];
  /** float16 travels as Uint16Array bits; int64 as BigInt64Array. */
  readonly data: TypedArray | BigInt64Array | Uint16Array;
}

export type TensorMap = Record<string, TensorLike>;

export function tensorSize(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function createTensor(type: TensorDType, data: TensorLike['data'], dims: readonly number[]): TensorLike {
  return { type, data, dims: [...dims] };
}
