/**
 * Worker side of the slab pool (Node worker_threads): runs one k range of a named kernel on the
 * shared arrays it was sent, stores the slab's result, and wakes the waiting caller through the
 * job's control word (1 = done, 2 = failed; the message then goes through the `errors` port,
 * which the blocked caller reads synchronously).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { SLAB_KERNELS } from './slab-kernels.js';

export interface SlabJob {
  readonly name: string;
  readonly args: unknown;
  readonly k0: number;
  readonly k1: number;
  /** One control word per slot: 0 pending, 1 done, 2 failed. */
  readonly ctrl: Int32Array;
  readonly results: Float64Array;
  readonly slot: number;
}

const { ready, errors } = (workerData ?? {}) as { ready?: Int32Array; errors?: MessagePort };

parentPort?.on('message', (job: SlabJob) => {
  let state = 1;
  try {
    const kernel = SLAB_KERNELS[job.name];
    if (kernel === undefined) throw new Error(`no kernel '${job.name}' in the worker's table`);
    job.results[job.slot] = kernel.run(job.args as never, job.k0, job.k1);
  } catch (error) {
    state = 2;
    errors?.postMessage(error instanceof Error ? error.message : String(error));
  }
  Atomics.store(job.ctrl, job.slot, state);
  Atomics.notify(job.ctrl, job.slot);
});

if (ready) {
  Atomics.store(ready, 0, 1);
  Atomics.notify(ready, 0);
}
