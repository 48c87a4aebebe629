/**
 * A model's inputs and outputs as the manifest declares them (`io` of an entry). The runtime
 * checks sessions and feeds against it (runtime/io-check.ts); it is manifest data, so it lives
 * here and the runtime imports it (the layer order runs runtime -> manifest).
 */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  /** -1 (or a string) for a dynamic dimension. */
  readonly dims: readonly (number | string)[];
  readonly layout?: string;
  readonly channels?: readonly string[];
  /** Volume axes the tensor's spatial dims (or an output's box coordinates) run along, e.g. 'ijk'. */
  readonly axisOrder?: string;
  readonly description?: string;
}

export interface IoSpec {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}
