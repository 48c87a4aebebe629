/**
 * Runs a dense-output model (segmentation logits, detection maps, fields) as the manifest
 * declares: the whole tensor at once, or sliding windows (MONAI / nnU-Net conventions).
 */
import { ShapeError } from '../core/errors.js';
import { fromFloat16Bits, type Tensor } from '../preprocess/tensor.js';
import { runSlidingWindow, type DenseTensor } from '../runtime/sliding-window/sliding-window.js';
import { outputByName, type ModelHandle } from './model-handle.js';

export function toFloat32(t: { data: ArrayLike<number>; dims: readonly number[]; dtype?: string; type?: string; strides?: readonly number[] }): DenseTensor {
  if ((t.dtype ?? t.type) === 'float16') {
    const out = new Float32Array(t.data.length);
    for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(t.data[i]!);
    return { data: out, dims: t.dims };
  }
  if (t.data instanceof Float32Array) return t.strides === undefined ? { data: t.data, dims: t.dims } : { data: t.data, dims: t.dims, strides: t.strides };
  return { data: Float32Array.from(t.data), dims: t.dims };
}

/** `timing.inferenceMs` accumulates the time spent inside session.run (for provenance). */
export async function inferDense(handle: ModelHandle, tensor: Tensor, onProgress?: (done: number, total: number) => void, timing?: { inferenceMs: number }): Promise<DenseTensor> {
  const inputName = handle.entry.io.inputs[0]!.name;
  const spec = handle.entry.inference;
  const run = async (t: DenseTensor): Promise<DenseTensor> => {
    const before = performance.now();
    const outputs = await handle.session.run({ [inputName]: { type: 'float32', dims: t.dims, data: t.data } });
    if (timing) timing.inferenceMs += performance.now() - before;
    return toFloat32(outputByName(outputs, handle) as { data: ArrayLike<number>; dims: readonly number[]; type: string });
  };
  const input = toFloat32(tensor);
  if (spec.mode === 'whole') {
    if (input.strides !== undefined) throw new ShapeError(`model '${handle.entry.id}': a strided tensor view can only be fed window by window`, { modelId: handle.entry.id });
    const out = await run(input);
    onProgress?.(1, 1);
    return out;
  }
  if (spec.roi.length !== input.dims.length - 2) {
    throw new ShapeError(`model '${handle.entry.id}': sliding-window roi [${spec.roi.join(', ')}] does not match the tensor [${input.dims.join(', ')}]`, { modelId: handle.entry.id });
  }
  return runSlidingWindow(input, run, {
    roi: spec.roi,
    overlap: spec.overlap,
    ...(spec.batch !== undefined ? { batch: spec.batch } : {}),
    ...(spec.blend !== undefined ? { blend: spec.blend } : {}),
    ...(spec.placement !== undefined ? { placement: spec.placement } : {}),
    ...(spec.sigmaScale !== undefined ? { sigmaScale: spec.sigmaScale } : {}),
    ...(spec.mirrorAxes !== undefined ? { mirrorAxes: spec.mirrorAxes } : {}),
    ...(spec.padValue !== undefined ? { padValue: spec.padValue } : {}),
    ...(spec.padMode !== undefined ? { padMode: spec.padMode } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}
