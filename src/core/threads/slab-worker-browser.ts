/**
 * Browser worker entry of the slab pool (browser-slab-pool.ts; a module worker): runs the jobs it
 * is posted, posts 'ready' once its kernel modules are loaded and answers 'ping' with 'pong'.
 */
import { runSlabJob, type SlabJob } from './slab-job.js';

const scope = globalThis as unknown as { onmessage: ((e: { data: SlabJob | 'ping' }) => void) | null; postMessage(m: unknown): void };
scope.onmessage = (e) => (e.data === 'ping' ? scope.postMessage('pong') : runSlabJob(e.data));
scope.postMessage('ready');
