/**
 * Checks an ONNX file against a manifest entry's `io` before it enters the store: onnxruntime
 * loads the graph (so a file it cannot run is refused now, not at the first `run`) and the
 * session's input / output names, dtypes, ranks and static dims are compared with the entry.
 */
import { ModelFileError, ShapeError, describeError } from '../../core/errors.js';
import type { RuntimeBackend } from '../backend.js';
import { checkSessionIo } from '../io-check.js';
import type { IoSpec } from '../../manifest/io-spec.js';

/** The entry field a ShapeError from checkSessionIo is about, e.g. io.inputs[0].dims[2]. */
function fieldOf(io: IoSpec, details: Readonly<Record<string, unknown>>): string {
  const kind = details['kind'] === 'output' ? 'outputs' : 'inputs';
  const name = details['name'] ?? details['expected'];
  const index = io[kind].findIndex((t) => t.name === name);
  if (index < 0) return 'io.inputs';
  const base = `io.${kind}[${index}]`;
  if (typeof details['axis'] === 'number') return `${base}.dims[${details['axis']}]`;
  if (Array.isArray(details['expected'])) return `${base}.dims`;
  if (details['name'] !== undefined) return `${base}.dtype`;
  return `${base}.name`;
}

/** Loads `bytes` on the CPU provider and checks its graph I/O against `io`; typed errors name the entry field. */
export async function checkGraphAgainstIo(
  backend: RuntimeBackend,
  bytes: Uint8Array,
  io: IoSpec,
  names: { readonly file: string; readonly modelId: string },
): Promise<void> {
  let session;
  try {
    session = await backend.createSession(bytes, 'cpu', {});
  } catch (error) {
    throw new ModelFileError(
      `${names.file}: onnxruntime cannot load it as an ONNX model: ${describeError(error)}`,
      { file: names.file, modelId: names.modelId },
      { cause: error },
    );
  }
  try {
    checkSessionIo(session, io, names.modelId);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    const field = fieldOf(io, error.details);
    throw new ShapeError(
      `${names.file} does not match the entry's ${field}: ${error.message}`,
      { ...error.details, file: names.file, field },
      { cause: error },
    );
  } finally {
    await session.release();
  }
}
