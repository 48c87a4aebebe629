/** Stacks same-shaped [1, ...] tensors along the batch axis. */
import { ShapeError } from '../core/errors.js';
import type { Tensor } from '../preprocess/tensor.js';

export function concatTensors(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('cannot batch zero tensors');
  if (tensors.length === 1) return first;
  const per = first.data.length;
  for (const t of tensors) {
    if (t.dtype !== first.dtype || t.dims.slice(1).join() !== first.dims.slice(1).join() || t.dims[0] !== 1) {
      throw new ShapeError(`cannot batch tensors of shapes [${first.dims.join(', ')}] and [${t.dims.join(', ')}]`);
    }
  }
  const data = first.dtype === 'float16' ? new Uint16Array(per * tensors.length) : new Float32Array(per * tensors.length);
  tensors.forEach((t, i) => data.set(t.data, i * per));
  return { data, dims: [tensors.length, ...first.dims.slice(1)], dtype: first.dtype };
}

/** Concatenates [1, c_i, ...] tensors along the channel axis (same spatial dims). */
export function concatChannels(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('cannot concatenate zero tensors');
  const spatial = first.dims.slice(2).join();
  for (const t of tensors) {
    if (t.dims[0] !== 1 || t.dims.slice(2).join() !== spatial || t.dtype !== first.dtype) throw new ShapeError(`cannot concatenate tensors of shapes [${first.dims.join(', ')}] and [${t.dims.join(', ')}] along channels`);
  }
  const total = tensors.reduce((n, t) => n + t.data.length, 0);
  const data = first.dtype === 'float16' ? new Uint16Array(total) : new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return { data, dims: [1, tensors.reduce((n, t) => n + t.dims[1]!, 0), ...first.dims.slice(2)], dtype: first.dtype };
}
