/**
 * Node worker entry of the slab pool (node-slab-pool.ts): runs the jobs it is posted and says it
 * is ready through the shared word in workerData once its kernel modules are loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSlabJob, type SlabJob } from '../../core/threads/slab-job.js';
import { SLAB_KERNELS } from './slab-kernels.js';

parentPort?.on('message', (job: SlabJob) => runSlabJob(job, SLAB_KERNELS));

const ready = (workerData as { ready?: Int32Array } | null)?.ready;
if (ready) {
  Atomics.store(ready, 0, 1);
  Atomics.notify(ready, 0);
}
