/**
 * Node's SlabRunner: worker_threads that block-free wait for jobs, while the calling thread blocks
 * in Atomics.wait until its workers are done. Blocking keeps the kernels' synchronous API (the
 * main thread of Node may wait; a browser's may not, see ARCHITECTURE.md "Kernel threads").
 * Workers are started on first use, kept for the process and unref'd: an idle pool never keeps
 * the process alive. Where the compiled worker script is missing (running from TypeScript
 * sources) or a worker does not come up, passes stay single-threaded.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerSlabRunner, type SlabRunner } from '../../core/threads/slab-pool.js';
import { dispatchSlabJobs } from '../../core/threads/slab-job.js';

const WORKER_URL = new URL('./slab-worker.js', import.meta.url);
/** Generous: module loading on a loaded 2-core machine takes ~50-300 ms per worker. */
const READY_TIMEOUT_MS = 10_000;

const workers: Worker[] = [];
let broken = !existsSync(fileURLToPath(WORKER_URL));

function cores(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/** Starts workers until `count` exist; false (and no threads from now on) if one does not start. */
function ensureWorkers(count: number): boolean {
  if (broken) return false;
  const pending: Int32Array[] = [];
  while (workers.length < count) {
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_URL, { workerData: { ready } });
    worker.unref();
    workers.push(worker);
    pending.push(ready);
  }
  for (const ready of pending) {
    Atomics.wait(ready, 0, 0, READY_TIMEOUT_MS);
    if (Atomics.load(ready, 0) !== 1) {
      broken = true;
      for (const w of workers.splice(0)) void w.terminate();
      return false;
    }
  }
  return true;
}

const nodeRunner: SlabRunner = {
  get available() {
    return broken ? 1 : cores();
  },
  prepare(threads: number): number {
    return ensureWorkers(threads - 1) ? threads : 1;
  },
  dispatch: (name, args, ranges, runLocal, transfer) =>
    dispatchSlabJobs(name, args, ranges, (slot, job) => workers[slot]!.postMessage(job, slot === 0 && transfer ? [...transfer] : []), runLocal),
};

registerSlabRunner(nodeRunner);
