/**
 * The one tensor type of the SDK, in ONNX Runtime's spelling (`type`, `dims`, `data`), so that
 * preprocessing output, session feeds / fetches and sliding-window windows are the same object
 * and reach onnxruntime-node / -web without a converter. Named ModelTensor so that files which
 * also use `ort.Tensor` read unambiguously.
 */

/** Element types a manifest may declare (the manifest schema's `dtype` enum). */
export type TensorDataType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool' | 'float64';

/**
 * The typed array behind each element type: float16 travels as IEEE-754 half bit patterns in a
 * Uint16Array and bool as one byte per element (what onnxruntime-web / -node accept).
 */
export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export interface ModelTensor<T extends TensorDataType = TensorDataType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly data: TensorDataMap[T];
  /**
   * Element strides per dim when `data` is a view in another memory order: runPreprocessPlan's
   * `view` option reads the planar volume as an 'ijk' tensor without transposing it, and the
   * sliding window cuts (and transposes) its windows straight out of that view, so a whole
   * volume is never copied into tensor order. Absent: C-contiguous. Sessions take only
   * contiguous tensors (inferDense refuses a strided one in whole-image mode).
   */
  readonly strides?: readonly number[];
}

/** Tensors by input / output name, as ONNX Runtime feeds and fetches them. */
export type TensorMap = Record<string, ModelTensor>;

export function tensorSize(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function createTensor<T extends TensorDataType>(type: T, data: TensorDataMap[T], dims: readonly number[]): ModelTensor<T> {
  return { type, data, dims: [...dims] };
}

/**
 * A float32 tensor view ([1, C, ...spatial], element `strides` into a planar storage of `length`
 * elements) whose values are computed as they are read: a pointwise preprocessing step deferred
 * from the whole volume to the windows a sliding window cuts (runPreprocessPlan's `view`: the
 * z-score of an int16 CT is read per window instead of held as a float32 copy twice its size).
 * Only window cutters read it; anything needing the whole tensor takes PreprocessResult.tensor.
 */
export interface DeferredTensorView {
  readonly type: 'float32';
  readonly dims: readonly number[];
  readonly strides: readonly number[];
  /** Storage elements (channel c starts at c * strides[1]). */
  readonly length: number;
  /** The values at storage offsets [start, start + count) (one channel's run) into out[at, at + count). */
  read(start: number, count: number, out: Float32Array, at: number): void;
  /**
   * Set when channel c's values are, for the 16-bit integers x of `channels[c]` (storage order),
   * (x - subtract[c]) * multiply[c] in float32 (both constants float32, one rounding per
   * operation), 0 where x is 0 and `zeroStays`: the same values `read` gives, which a window
   * cutter may then compute itself from the integers (a SIMD kernel, window-cutter.ts).
   */
  readonly affine16?: {
    readonly channels: readonly (Int16Array | Uint16Array)[];
    readonly subtract: readonly number[];
    readonly multiply: readonly number[];
    readonly zeroStays: boolean;
  };
}
