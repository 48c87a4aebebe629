/**
 * Node's FrameDecodePool (frame-decode-pool.ts): worker_threads running frame-decode-worker.js,
 * one per core up to MAX_WORKERS, started on first use and stopped after IDLE_STOP_MS idle. A
 * worker holds the event loop open only while it has frames in flight (ref'd then, unref'd when
 * idle), so an idle pool never keeps a process alive and a waiting read never lets it exit. Where the compiled
 * worker script is missing (running from TypeScript sources) or there is one core, no pool: the
 * frames are decoded on the calling thread as before.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DecodeError, InputError, LimitError, MissingPackageError, UnsupportedError, type MedinferError } from '../../../core/errors.js';
import type { TypedArray } from '../../../core/dtype.js';
import { registerFrameDecodePool, type FrameDecodePool } from './frame-decode-pool.js';
import type { FrameJob, FrameReply } from './frame-decode-messages.js';

const WORKER_URL = new URL('./frame-decode-worker.js', import.meta.url);
/** Codecs are single-threaded; beyond a few workers the reader's lanes cannot keep them busy. */
const MAX_WORKERS = 4;
/**
 * A worker idle this long is stopped: each holds its own heap and the codecs' memory (tens of MB),
 * which a service reading a compressed series now and then should not keep; the next series
 * starts one again (a few tens of ms).
 */
const IDLE_STOP_MS = 30_000;

type Pending = { resolve: (samples: TypedArray) => void; reject: (error: Error) => void };

interface Lane {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** The stop of an idle worker (IDLE_STOP_MS), cleared when it gets a frame. */
  idle?: ReturnType<typeof setTimeout>;
}

/** The worker's typed error as the class it was (messages and details as thrown there). */
function rebuild(error: Extract<FrameReply, { ok: false }>['error']): MedinferError {
  const Kind = { InputError, LimitError, MissingPackageError, UnsupportedError }[error.name] ?? DecodeError;
  return new Kind(error.message, error.details);
}

function createNodePool(): FrameDecodePool | null {
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  if (cores < 2 || !existsSync(fileURLToPath(WORKER_URL))) return null;
  const threads = Math.min(MAX_WORKERS, cores);
  const lanes: Lane[] = [];
  let nextId = 1;

  const startLane = (): Lane => {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const lane: Lane = { worker, pending: new Map() };
    worker.on('message', (reply: FrameReply) => {
      const p = lane.pending.get(reply.id);
      if (p === undefined) return;
      lane.pending.delete(reply.id);
      if (lane.pending.size === 0) {
        worker.unref();
        lane.idle = setTimeout(() => {
          lanes.splice(lanes.indexOf(lane), 1);
          void worker.terminate();
        }, IDLE_STOP_MS);
        lane.idle.unref();
      }
      if (reply.ok) p.resolve(reply.samples);
      else p.reject(rebuild(reply.error));
    });
    // A worker that dies (out of memory in a codec, a crash) fails its frames typed and is replaced on next use.
    const fail = (why: string): void => {
      lanes.splice(lanes.indexOf(lane), 1);
      for (const p of lane.pending.values()) p.reject(new DecodeError(`frame decoding thread stopped: ${why}`, { cause: 'decode-thread' }));
      lane.pending.clear();
    };
    worker.on('error', (err) => fail(err.message));
    // An exit of a worker still listed is a crash; one stopped while idle was unlisted first.
    worker.on('exit', (code) => {
      if (lanes.includes(lane)) fail(`exit code ${code}`);
    });
    lanes.push(lane);
    return lane;
  };

  /** The lane with the fewest frames in flight; a new worker while fewer than `threads` exist and all are busy. */
  const pick = (): Lane => {
    let best: Lane | undefined;
    for (const lane of lanes) if (best === undefined || lane.pending.size < best.pending.size) best = lane;
    return best !== undefined && (best.pending.size === 0 || lanes.length >= threads) ? best : startLane();
  };

  return {
    threads,
    decode(codec, tsName, frame, pm, file) {
      const lane = pick();
      const id = nextId++;
      // Its own buffer: a view's whole underlying file would otherwise be cloned along with it.
      const own = frame.slice();
      clearTimeout(lane.idle);
      return new Promise<TypedArray>((resolve, reject) => {
        if (lane.pending.size === 0) lane.worker.ref();
        lane.pending.set(id, { resolve, reject });
        const job: FrameJob = { id, codec, tsName, frame: own, pm: { ...pm }, file };
        lane.worker.postMessage(job, [own.buffer]);
      });
    },
  };
}

registerFrameDecodePool(createNodePool);
