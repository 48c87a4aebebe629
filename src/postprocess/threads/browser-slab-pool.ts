/**
 * The browser's SlabRunner: module Workers over SharedArrayBuffer, which browsers only allow in
 * cross-origin-isolated pages (COOP same-origin + COEP require-corp). The kernels are synchronous
 * and the caller blocks in Atomics.wait while its workers run, which a browser's main thread may
 * not do: threads are therefore used where the SDK itself runs in a (dedicated) worker, the
 * usual place for whole-volume work in a web app; on the main thread passes stay single-threaded.
 * Worker start-up needs the event loop, so it is asynchronous and explicit:
 * `await startKernelThreads()` once, then every large pass uses the started workers.
 */
import { registerSlabRunner } from '../../core/threads/slab-pool.js';
import { dispatchSlabJobs } from '../../core/threads/slab-job.js';

export interface StartKernelThreadsOptions {
  /** Threads in all, the calling one included (default navigator.hardwareConcurrency). */
  threads?: number;
  /**
   * URL of the slab worker module (dist/postprocess/threads/slab-worker-browser.js, or the bundler's
   * copy of it). Default: next to this module.
   */
  workerUrl?: string | URL;
}

export interface KernelThreadsStatus {
  /** Threads the volume kernels now use at most (1 = single-threaded). */
  readonly threads: number;
  /** Why 1 where threads were asked for. */
  readonly reason?: 'not-cross-origin-isolated' | 'main-thread' | 'one-core';
}

const workers: Worker[] = [];

/**
 * Starts the kernel workers (idempotent; more on a later call with a higher count). Resolves to
 * the thread count in use, and the reason where it is 1.
 */
export async function startKernelThreads(options: StartKernelThreadsOptions = {}): Promise<KernelThreadsStatus> {
  const g = globalThis as unknown as {
    crossOriginIsolated?: boolean;
    navigator?: { hardwareConcurrency?: number };
    WorkerGlobalScope?: unknown;
    document?: unknown;
  };
  if (g.crossOriginIsolated !== true || typeof SharedArrayBuffer === 'undefined') return { threads: 1, reason: 'not-cross-origin-isolated' };
  // Atomics.wait throws on a window's thread; workers (dedicated) may block.
  if (g.WorkerGlobalScope === undefined) return { threads: 1, reason: 'main-thread' };
  const threads = options.threads ?? g.navigator?.hardwareConcurrency ?? 1;
  if (threads <= 1) return { threads: 1, reason: 'one-core' };
  const url = options.workerUrl ?? new URL('./slab-worker-browser.js', import.meta.url);
  const starting: Promise<void>[] = [];
  while (workers.length + starting.length < threads - 1) {
    const worker = new Worker(url, { type: 'module' });
    starting.push(
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (e) => {
          // A ping answered after 'ready': Chromium delivers a parent's messages to a nested
          // worker only once the parent's event loop has run the connection's set-up (measured:
          // jobs posted right after 'ready' to a parent that then blocks were never delivered).
          if (e.data === 'ready') worker.postMessage('ping');
          else if (e.data === 'pong') resolve();
        };
        worker.onerror = (e) => reject(new Error(`kernel worker did not start: ${e.message}`));
      }).then(() => {
        worker.onmessage = null;
        workers.push(worker);
      }),
    );
  }
  await Promise.all(starting);
  const available = workers.length + 1;
  registerSlabRunner({
    available,
    prepare: (n) => Math.min(n, available),
    dispatch: (name, args, ranges, runLocal, transfer) =>
      dispatchSlabJobs(name, args, ranges, (slot, job) => workers[slot]!.postMessage(job, slot === 0 && transfer ? [...transfer] : []), runLocal),
  });
  return { threads: available };
}
