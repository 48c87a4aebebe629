/**
 * Fits an imported entry's `io` to the ONNX graph it will run: the graph's own input / output
 * names (when there is one of each, or as many as the entry has, in order) and its static dims
 * where the entry has -1. Dtypes, ranks and static dims the bundle fixes are then checked by
 * addModelToStore (typed errors naming the field), so a graph that disagrees with the bundle is
 * refused rather than renamed into agreement.
 */
import { readFile } from 'node:fs/promises';
import { ModelFileError, ShapeError, describeError } from '../../core/errors.js';
import { createNodeBackend } from '../ort-node.js';
import type { ValueMetadata } from '../backend.js';
import type { TensorSpec } from '../../manifest/io-spec.js';

function fit(specs: readonly TensorSpec[], graph: readonly ValueMetadata[], kind: 'inputs' | 'outputs', file: string): TensorSpec[] {
  if (graph.length !== specs.length) {
    throw new ShapeError(`${file}: the graph has ${graph.length} ${kind} (${graph.map((g) => g.name).join(', ')}), the bundle's model ${specs.length}`, {
      file,
      field: `io.${kind}`,
      expected: specs.map((s) => s.name),
      actual: graph.map((g) => g.name),
    });
  }
  return specs.map((spec, i) => {
    const g = graph[i]!;
    const shape = g.shape;
    const dims =
      shape !== undefined && shape.length === spec.dims.length
        ? spec.dims.map((d, a) => (d === -1 && typeof shape[a] === 'number' && (shape[a] as number) >= 0 ? shape[a]! : d))
        : spec.dims;
    return { ...spec, name: g.name, dims };
  });
}

export async function applyGraphIo<E extends Readonly<Record<string, unknown>>>(onnxPath: string, entry: E): Promise<E> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(onnxPath));
  } catch (error) {
    throw new ModelFileError(`cannot read model file ${onnxPath}: ${describeError(error)}`, { file: onnxPath }, { cause: error });
  }
  let session;
  try {
    session = await createNodeBackend().createSession(bytes, 'cpu', {});
  } catch (error) {
    throw new ModelFileError(`${onnxPath}: onnxruntime cannot load it as an ONNX model: ${describeError(error)}`, { file: onnxPath }, { cause: error });
  }
  try {
    const io = entry['io'] as { inputs: TensorSpec[]; outputs: TensorSpec[] };
    return {
      ...entry,
      io: { inputs: fit(io.inputs, session.inputMetadata, 'inputs', onnxPath), outputs: fit(io.outputs, session.outputMetadata, 'outputs', onnxPath) },
    };
  } finally {
    await session.release();
  }
}
