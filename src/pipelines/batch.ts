/** Stacks same-shaped [1, ...] tensors along the batch axis. */
import { ShapeError } from '../core/errors.js';
import type { ModelTensor } from '../core/tensor.js';

/** The tensors preprocessing makes (toTensor's dtypes). */
type InputTensor = ModelTensor<'float32' | 'float16'>;

/** A strided view would be copied in the wrong order by the flat copies below. */
function checkContiguous(t: InputTensor): void {
  if (t.strides !== undefined) throw new ShapeError(`cannot stack a strided tensor view [${t.dims.join(', ')}]: make it contiguous first`);
}

export function concatTensors(tensors: readonly InputTensor[]): InputTensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('cannot batch zero tensors');
  if (tensors.length === 1) return first;
  const per = first.data.length;
  for (const t of tensors) {
    checkContiguous(t);
    if (t.type !== first.type || t.dims.slice(1).join() !== first.dims.slice(1).join() || t.dims[0] !== 1) {
      throw new ShapeError(`cannot batch tensors of shapes [${first.dims.join(', ')}] and [${t.dims.join(', ')}]`);
    }
  }
  const data = first.type === 'float16' ? new Uint16Array(per * tensors.length) : new Float32Array(per * tensors.length);
  tensors.forEach((t, i) => data.set(t.data, i * per));
  return { data, dims: [tensors.length, ...first.dims.slice(1)], type: first.type };
}

/** Concatenates [1, c_i, ...] tensors along the channel axis (same spatial dims). */
export function concatChannels(tensors: readonly InputTensor[]): InputTensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('cannot concatenate zero tensors');
  const spatial = first.dims.slice(2).join();
  for (const t of tensors) {
    checkContiguous(t);
    if (t.dims[0] !== 1 || t.dims.slice(2).join() !== spatial || t.type !== first.type)
      throw new ShapeError(`cannot concatenate tensors of shapes [${first.dims.join(', ')}] and [${t.dims.join(', ')}] along channels`);
  }
  const total = tensors.reduce((n, t) => n + t.data.length, 0);
  const data = first.type === 'float16' ? new Uint16Array(total) : new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return { data, dims: [1, tensors.reduce((n, t) => n + t.dims[1]!, 0), ...first.dims.slice(2)], type: first.type };
}
