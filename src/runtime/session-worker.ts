/**
 * Worker-thread side of threaded-backend.ts: owns the ONNX Runtime sessions and runs them, so
 * the main thread keeps decoding, preprocessing and writing other inputs meanwhile
 * (onnxruntime-node's session.run blocks the thread it is called on).
 */
import { parentPort } from 'node:worker_threads';
import type { BackendSession, BackendSessionOptions } from './backend.js';
import { createNodeBackend } from './ort-node.js';
import type { ExecutionProvider } from './providers.js';
import type { TensorMap } from '../core/tensor.js';

export type WorkerRequest =
  | { readonly op: 'create'; readonly id: number; readonly model: Uint8Array; readonly provider: ExecutionProvider; readonly options: BackendSessionOptions }
  | { readonly op: 'run'; readonly id: number; readonly session: number; readonly feeds: TensorMap }
  | { readonly op: 'release'; readonly id: number; readonly session: number };

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string };

const backend = createNodeBackend();
const sessions = new Map<number, BackendSession>();
let nextSession = 1;

async function handle(req: WorkerRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  if (req.op === 'create') {
    const s = await backend.createSession(req.model, req.provider, req.options);
    const handleId = nextSession++;
    sessions.set(handleId, s);
    return {
      value: { session: handleId, inputNames: s.inputNames, outputNames: s.outputNames, inputMetadata: s.inputMetadata, outputMetadata: s.outputMetadata },
      transfer: [],
    };
  }
  const s = sessions.get(req.session);
  if (!s) throw new Error(`session ${req.session} is not open`);
  if (req.op === 'release') {
    sessions.delete(req.session);
    await s.release();
    return { value: null, transfer: [] };
  }
  const outputs = await s.run(req.feeds);
  // Output buffers belong to this call: move them instead of copying.
  const transfer = Object.values(outputs)
    .map((t) => t.data.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
  return { value: outputs, transfer: [...new Set(transfer)] };
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    ({ value, transfer }) => parentPort!.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply, transfer),
    (error: unknown) =>
      parentPort!.postMessage({ id: req.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
