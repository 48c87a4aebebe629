/**
 * A RuntimeBackend whose sessions live in one worker thread (session-worker.ts). Same provider
 * rules and model loading as the Node backend; only where session.run executes changes. The
 * batch runner uses it so that its concurrency really overlaps JS-side work (decoding results,
 * preprocessing, postprocessing, writing) with inference. Feeds are copied to the worker (the
 * caller may reuse its arrays); outputs are transferred back without a copy.
 *
 * Sessions default to intra-op threads that do not spin-wait: ONNX Runtime's default keeps its
 * idle threads busy-polling after every parallel section and run, which takes the cores the
 * decoding and preprocessing of the next inputs need (measured: bench/cli-run.mjs).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BackendSession, BackendSessionOptions, RuntimeBackend, ValueMetadata } from './backend.js';
import { createNodeBackend } from './ort-node.js';
import type { TensorMap } from '../core/tensor.js';
import type { WorkerReply, WorkerRequest } from './session-worker.js';

const WORKER_URL = new URL('./session-worker.js', import.meta.url);

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export const THREADED_SESSION_DEFAULTS: BackendSessionOptions = { intraOpSpinning: false };

/**
 * Undefined when the compiled worker script is not there (e.g. running from TypeScript sources).
 * `defaults` apply where the pipeline's own session options leave a setting open.
 */
export function createThreadedBackend(defaults: BackendSessionOptions = THREADED_SESSION_DEFAULTS): (RuntimeBackend & { close(): Promise<void> }) | undefined {
  if (!existsSync(fileURLToPath(WORKER_URL))) return undefined;
  const base = createNodeBackend();
  let worker: Worker | undefined;
  let nextId = 1;
  let open = 0;
  const pending = new Map<number, Pending>();

  const call = (req: Request): Promise<unknown> => {
    if (!worker) {
      worker = new Worker(WORKER_URL);
      worker.on('message', (reply: WorkerReply) => {
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.ok) p?.resolve(reply.value);
        else p?.reject(new Error(reply.message));
      });
      // A crashed worker fails what was pending (never a hang); its sessions are gone with it.
      const self = worker;
      const fail = (error: Error) => {
        if (worker !== self) return;
        for (const p of pending.values()) p.reject(error);
        pending.clear();
        worker = undefined;
      };
      self.on('error', fail);
      self.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)));
    }
    const w = worker;
    // Referenced only while a request is pending: an idle worker never keeps the process alive,
    // a busy one always does (the main thread may have nothing else scheduled meanwhile).
    if (pending.size === 0) w.ref();
    const id = nextId++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage({ ...req, id });
    }).finally(() => {
      if (pending.size === 0) w.unref();
    });
  };

  const close = async () => {
    const w = worker;
    worker = undefined;
    if (w) await w.terminate();
  };

  return {
    platform: 'node',
    autoOrder: base.autoOrder,
    unavailableReason: (provider) => base.unavailableReason(provider),
    loadModelBytes: (location, onProgress) => base.loadModelBytes(location, onProgress),
    async createSession(model, provider, options): Promise<BackendSession> {
      const info = (await call({ op: 'create', model, provider, options: { ...defaults, ...options } })) as {
        session: number;
        inputNames: string[];
        outputNames: string[];
        inputMetadata: ValueMetadata[];
        outputMetadata: ValueMetadata[];
      };
      open++;
      return {
        inputNames: info.inputNames,
        outputNames: info.outputNames,
        inputMetadata: info.inputMetadata,
        outputMetadata: info.outputMetadata,
        run: async (feeds: TensorMap) => (await call({ op: 'run', session: info.session, feeds: ownBuffers(feeds) })) as TensorMap,
        async release() {
          await call({ op: 'release', session: info.session });
          if (--open === 0) await close();
        },
      };
    },
    close,
  };
}

/**
 * Posting a typed array clones its whole ArrayBuffer: a feed that is a view into a larger one (a
 * window in a kernel arena, a slice of a stack) is copied to its own buffer first.
 */
function ownBuffers(feeds: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(feeds)) {
    const d = t.data;
    out[name] = d.byteLength === d.buffer.byteLength ? t : { ...t, data: d.slice() as typeof d };
  }
  return out;
}
