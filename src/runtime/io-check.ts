/**
 * Checks a session's actual inputs / outputs against the manifest's `io` spec at creation time,
 * so a wrong or mis-exported model fails before any data is run through it.
 */
import { ShapeError } from '../core/errors.js';
import type { ModelTensor } from '../core/tensor.js';
import type { IoSpec, TensorSpec } from '../manifest/io-spec.js';
import type { BackendSession, ValueMetadata } from './backend.js';

function isStatic(d: number | string): d is number {
  return typeof d === 'number' && d >= 0;
}

function describeDims(dims: readonly (number | string)[] | undefined): string {
  return dims ? `[${dims.map((d) => (isStatic(d) ? String(d) : '?')).join(', ')}]` : '[unknown]';
}

/** `metadata` / `available`: the session's side of `kind` (its metadata and names). */
function checkOne(kind: 'input' | 'output', spec: TensorSpec, metadata: readonly ValueMetadata[], modelId: string, available: readonly string[]): void {
  const actual = metadata.find((m) => m.name === spec.name);
  if (!actual) {
    throw new ShapeError(`model '${modelId}': manifest ${kind} '${spec.name}' is not in the model (model ${kind}s: ${available.join(', ')})`, {
      modelId,
      kind,
      expected: spec.name,
      actual: available,
    });
  }
  if (actual.type !== undefined && actual.type !== spec.dtype) {
    throw new ShapeError(`model '${modelId}': ${kind} '${spec.name}' has dtype ${actual.type}, manifest expects ${spec.dtype}`, {
      modelId,
      kind,
      name: spec.name,
      expected: spec.dtype,
      actual: actual.type,
    });
  }
  const shape = actual.shape;
  if (!shape) return;
  if (shape.length !== spec.dims.length) {
    throw new ShapeError(
      `model '${modelId}': ${kind} '${spec.name}' has rank ${shape.length} ${describeDims(shape)}, manifest expects rank ${spec.dims.length} ` +
        `${describeDims(spec.dims)}`,
      { modelId, kind, name: spec.name, expected: spec.dims, actual: shape },
    );
  }
  spec.dims.forEach((d, axis) => {
    const a = shape[axis];
    // Only static-vs-static disagreements are errors: a dynamic model dim accepts the manifest's value.
    if (isStatic(d) && a !== undefined && isStatic(a) && a !== d) {
      throw new ShapeError(
        `model '${modelId}': ${kind} '${spec.name}' axis ${axis} is ${a}, manifest expects ${d} (model ${describeDims(shape)}, manifest ` +
          `${describeDims(spec.dims)})`,
        { modelId, kind, name: spec.name, axis, expected: spec.dims, actual: shape },
      );
    }
  });
}

export function checkSessionIo(session: BackendSession, io: IoSpec, modelId: string): void {
  for (const spec of io.inputs) checkOne('input', spec, session.inputMetadata, modelId, session.inputNames);
  for (const spec of io.outputs) checkOne('output', spec, session.outputMetadata, modelId, session.outputNames);
  if (session.inputNames.length !== io.inputs.length) {
    const missing = session.inputNames.filter((n) => !io.inputs.some((s) => s.name === n));
    throw new ShapeError(`model '${modelId}': model inputs ${missing.join(', ')} are not described in the manifest`, {
      modelId,
      expected: io.inputs.map((s) => s.name),
      actual: session.inputNames,
    });
  }
}

/** Checks feeds against the spec before running (clear error instead of an ORT message). */
export function checkFeeds(feeds: Readonly<Record<string, ModelTensor>>, io: IoSpec, modelId: string): void {
  for (const spec of io.inputs) {
    const t = feeds[spec.name];
    if (!t) throw new ShapeError(`model '${modelId}': missing input '${spec.name}'`, { modelId, expected: spec.name });
    // ONNX Runtime reads data as C-contiguous: a strided view (ModelTensor.strides) would run scrambled.
    if (t.strides !== undefined)
      throw new ShapeError(`model '${modelId}': input '${spec.name}' is a strided tensor view; sessions take contiguous tensors`, {
        modelId,
        name: spec.name,
        field: 'strides',
      });
    if (t.type !== spec.dtype)
      throw new ShapeError(`model '${modelId}': input '${spec.name}' is ${t.type}, expected ${spec.dtype}`, {
        modelId,
        name: spec.name,
        expected: spec.dtype,
        actual: t.type,
      });
    const bad = t.dims.length !== spec.dims.length || spec.dims.some((d, i) => isStatic(d) && t.dims[i] !== d);
    if (bad)
      throw new ShapeError(`model '${modelId}': input '${spec.name}' has shape [${t.dims.join(', ')}], expected ${describeDims(spec.dims)}`, {
        modelId,
        name: spec.name,
        expected: spec.dims,
        actual: t.dims,
      });
  }
}
