/**
 * Browser worker entry of the slab pool (browser-slab-pool.ts; a module worker): runs the jobs it
 * is posted, posts 'ready' once its kernel modules are loaded and answers 'ping' with 'pong'.
 */
import { runSlabJob, type SlabJob } from '../../core/threads/slab-job.js';
import { SLAB_KERNELS } from './slab-kernels.js';

const scope = globalThis as unknown as { onmessage: ((e: { data: SlabJob | 'ping' }) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => (e.data === 'ping' ? scope.postMessage('pong') : runSlabJob(e.data, SLAB_KERNELS));
scope.postMessage('ready');
