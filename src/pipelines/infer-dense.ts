/**
 * Runs a dense-output model (segmentation logits, detection maps, fields) as the manifest
 * declares: the whole tensor at once, or sliding windows (MONAI / nnU-Net conventions).
 */
import { ShapeError } from '../core/errors.js';
import { fromFloat16Bits } from '../core/float16.js';
import type { DeferredTensorView, ModelTensor } from '../core/tensor.js';
import {
  runSlidingWindow,
  runSlidingWindowSlabs,
  type SlabLabelling,
  type SlabSink,
  type SlidingWindowOptions,
} from '../runtime/sliding-window/sliding-window.js';
import { outputByName, type ModelHandle } from './model-handle.js';

/**
 * The tensor as float32 (float16 bits decoded, other numeric types widened); a float32 tensor
 * (a strided view included) is returned as it is. int64 outputs are not dense maps: refused.
 */
export function toFloat32(t: ModelTensor): ModelTensor<'float32'> {
  if (t.type === 'float32') return t as ModelTensor<'float32'>;
  if (t.data instanceof BigInt64Array) throw new ShapeError(`a ${t.type} tensor [${t.dims.join(', ')}] cannot be read as a float32 map`, { actual: t.type });
  if (t.strides !== undefined) throw new ShapeError(`a strided ${t.type} tensor view cannot be converted to float32`, { actual: t.type });
  const src = t.data;
  const out = new Float32Array(src.length);
  if (t.type === 'float16') for (let i = 0; i < out.length; i++) out[i] = fromFloat16Bits(src[i]!);
  else out.set(src);
  return { type: 'float32', data: out, dims: t.dims };
}

/**
 * `timing.inferenceMs` accumulates the time spent inside session.run (for provenance). A
 * DeferredTensorView (runPreprocessPlan's `deferred`) can only be read window by window.
 */
export async function inferDense(
  handle: ModelHandle,
  tensor: ModelTensor | DeferredTensorView,
  onProgress?: (done: number, total: number) => void,
  timing?: { inferenceMs: number },
): Promise<ModelTensor<'float32'>> {
  const spec = handle.entry.inference;
  const run = timedRun(handle, timing);
  const input = 'read' in tensor ? tensor : toFloat32(tensor);
  if (spec.mode === 'whole') {
    if ('read' in input || input.strides !== undefined)
      throw new ShapeError(`model '${handle.entry.id}': a strided tensor view can only be fed window by window`, { modelId: handle.entry.id });
    const out = await run(input);
    onProgress?.(1, 1);
    return out;
  }
  return runSlidingWindow(input, run, windowOptions(handle, input.dims, onProgress));
}

/** The session run on one batch of windows, its time added to `timing.inferenceMs`. */
function timedRun(handle: ModelHandle, timing?: { inferenceMs: number }): (t: ModelTensor<'float32'>) => Promise<ModelTensor<'float32'>> {
  const inputName = handle.entry.io.inputs[0]!.name;
  return async (t) => {
    const before = performance.now();
    const outputs = await handle.session.run({ [inputName]: t });
    if (timing) timing.inferenceMs += performance.now() - before;
    return toFloat32(outputByName(outputs, handle));
  };
}

/** The entry's sliding-window settings, checked against the tensor's rank. */
function windowOptions(handle: ModelHandle, dims: readonly number[], onProgress?: (done: number, total: number) => void): SlidingWindowOptions {
  const spec = handle.entry.inference;
  if (spec.mode !== 'slidingWindow') throw new ShapeError(`model '${handle.entry.id}' does not run in sliding windows`, { modelId: handle.entry.id });
  if (spec.roi.length !== dims.length - 2) {
    throw new ShapeError(`model '${handle.entry.id}': sliding-window roi [${spec.roi.join(', ')}] does not match the tensor [${dims.join(', ')}]`, {
      modelId: handle.entry.id,
    });
  }
  return {
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
  };
}

/**
 * A sliding-window model's output in slabs along the first spatial axis (runSlidingWindowSlabs):
 * `onSlab` gets each finished slab; the whole output is never held.
 */
export async function inferDenseSlabs(
  handle: ModelHandle,
  tensor: ModelTensor | DeferredTensorView,
  onSlab: SlabSink,
  onProgress?: (done: number, total: number) => void,
  timing?: { inferenceMs: number },
  labelling?: SlabLabelling,
): Promise<void> {
  const input = 'read' in tensor ? tensor : toFloat32(tensor);
  await runSlidingWindowSlabs(input, timedRun(handle, timing), windowOptions(handle, input.dims, onProgress), onSlab, undefined, {
    labelling,
    // timedRun returns the session's output arrays, fresh per run and held by nobody else.
    ownsPredictions: true,
  });
}
