/**
 * Output activations. Both are numerically stable for logits of any magnitude: sigmoid never
 * evaluates exp of a positive number, softmax subtracts the maximum along the reduced axis (as
 * torch.softmax does), so +-1e4 logits give 0 / 1 instead of NaN.
 */
import { InputError, ShapeError } from '../../core/errors.js';
import { sigmoidInPlaceSimd, softmaxChannelsInPlaceSimd } from '../common/activations-simd.js';
import { assertNoNaN, shapeSize, type NumericArray } from '../common/checks.js';

/** Logistic function of one value; +-Infinity map to 1 / 0. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Element-wise sigmoid into a new Float32Array (or `out`): float64 math with one rounding at the
 * end, except float32 inputs of 4096+ elements (volumes), which run on the SIMD kernels in
 * float32 (within ~2 ulps, like torch).
 */
export function applySigmoid(logits: NumericArray, out?: Float32Array): Float32Array {
  const n = logits.length;
  const result = out ?? new Float32Array(n);
  if (result.length !== n) throw new ShapeError(`sigmoid output has ${result.length} elements, expected ${n}`);
  // Large float32 inputs (volumes): the SIMD kernels, in float32, for all but the last few
  // elements (0 done when there is a NaN: the check below reports it).
  let done = 0;
  if (logits instanceof Float32Array && n >= 4096) {
    if (result !== logits) result.set(logits);
    done = sigmoidInPlaceSimd(result);
  }
  if (done === 0) assertNoNaN(logits, 'logits');
  for (let i = done; i < n; i++) result[i] = sigmoidScalar(logits[i]!);
  return result;
}

/**
 * Softmax along `axis` of a C-order tensor of `shape` (e.g. [1, C] logits or [1, C, D, H, W]
 * segmentation logits with axis 1). Negative axes count from the end, as in torch.
 */
export function applySoftmax(logits: NumericArray, shape: readonly number[], axis = -1): Float32Array {
  const total = shapeSize(shape, 'softmax input');
  if (logits.length !== total)
    throw new ShapeError(`softmax input has ${logits.length} elements, shape [${shape.join(', ')}] needs ${total}`, { expected: total, actual: logits.length });
  const rank = shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= rank)
    throw new ShapeError(`softmax axis ${axis} is out of range for rank ${rank}`, { field: 'axis', received: axis });
  assertNoNaN(logits, 'logits');
  const channels = shape[ax]!;
  let inner = 1;
  for (let d = ax + 1; d < rank; d++) inner *= shape[d]!;
  const outer = total / (channels * inner);
  const out = new Float32Array(total);
  // Channel-strided pass per (outer, inner) position: 3 sweeps over `channels` values.
  for (let o = 0; o < outer; o++) {
    const base = o * channels * inner;
    for (let s = 0; s < inner; s++) {
      const start = base + s;
      let max = -Infinity;
      for (let c = 0, p = start; c < channels; c++, p += inner) if (logits[p]! > max) max = logits[p]!;
      if (max === -Infinity)
        throw new InputError(`softmax input is -Infinity for every entry along axis ${ax} (outer ${o}, inner ${s})`, { outer: o, inner: s });
      if (max === Infinity) {
        // Limit of softmax: mass split evenly between the +Infinity entries.
        let count = 0;
        for (let c = 0, p = start; c < channels; c++, p += inner) if (logits[p] === Infinity) count++;
        for (let c = 0, p = start; c < channels; c++, p += inner) out[p] = logits[p] === Infinity ? 1 / count : 0;
        continue;
      }
      let sum = 0;
      for (let c = 0, p = start; c < channels; c++, p += inner) sum += Math.exp(logits[p]! - max);
      const inv = 1 / sum;
      for (let c = 0, p = start; c < channels; c++, p += inner) out[p] = Math.exp(logits[p]! - max) * inv;
    }
  }
  return out;
}

/**
 * Softmax over planar channels ([C, N], channel c of voxel v at c * N + v), written back into
 * `data`: the segmentation case, where a copy would cost a whole probability volume (about 1 GB
 * for three classes on a 512x512x300 CT). Same numbers as applySoftmax(data, [C, N], 0): one
 * exp per element (kept in a per-voxel scratch), max subtracted, +Infinity handled alike.
 */
export function applySoftmaxChannelsInPlace(data: Float32Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1 || data.length % channels !== 0) {
    throw new ShapeError(`softmax over ${channels} planar channels needs a multiple of ${channels} elements, got ${data.length}`, {
      expected: channels,
      actual: data.length,
    });
  }
  // Finite float32 volumes: the SIMD kernels for all but the last few voxels (none at all when
  // there are infinities or NaN: the exact loop below does everything then).
  const done = softmaxChannelsInPlaceSimd(data, channels);
  const n = data.length / channels;
  const exps = new Float64Array(channels);
  for (let v = done; v < n; v++) {
    let max = -Infinity;
    for (let c = 0, p = v; c < channels; c++, p += n) {
      const x = data[p]!;
      if (x !== x) throw new InputError(`logits contains NaN at index ${p}`, { field: 'logits', index: p });
      if (x > max) max = x;
    }
    if (max === -Infinity) throw new InputError(`softmax input is -Infinity for every channel at voxel ${v}`, { inner: v });
    if (max === Infinity) {
      let count = 0;
      for (let c = 0, p = v; c < channels; c++, p += n) if (data[p] === Infinity) count++;
      for (let c = 0, p = v; c < channels; c++, p += n) data[p] = data[p] === Infinity ? 1 / count : 0;
      continue;
    }
    let sum = 0;
    for (let c = 0, p = v; c < channels; c++, p += n) {
      const e = Math.exp(data[p]! - max);
      exps[c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0, p = v; c < channels; c++, p += n) data[p] = exps[c]! * inv;
  }
  return data;
}
