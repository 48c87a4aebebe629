/**
 * Whole-volume kernels split into slabs along the slowest axis (k) and run on worker threads over
 * shared memory. This module is isomorphic and holds no threads itself: a platform registers a
 * `SlabRunner` (Node: postprocess/threads/node-slab-pool.ts, imported by the Node entry). Without one, or below the
 * measured crossover, every pass runs on the calling thread exactly as before.
 *
 * Bit-identical by construction: a slab runs the same function on the same voxels as the
 * single-threaded call would (the kernels take a k range), so each output voxel comes from the same
 * arithmetic; reductions return integer counts that are summed exactly.
 *
 * The arrays a threaded pass reads and writes must be views of SharedArrayBuffer (`sharedLike`,
 * `asShared`); results then stay shared-backed views (like arena views, they cannot be put in a
 * postMessage transfer list - copy first).
 */
import { UsageError } from '../errors.js';

/** A kernel that can run on part of the k axis. `run` returns a count summed over slabs (or 0). */
export interface SlabKernel<A> {
  /** Key of the same function in the worker's kernel table (postprocess/threads/slab-kernels.ts). */
  readonly name: string;
  run(args: A, k0: number, k1: number): number;
}

/** Platform side: runs ranges[1..] on workers while the caller runs ranges[0]. */
export interface SlabRunner {
  /** Threads this runner can use at most (caller included). */
  readonly available: number;
  /** Makes `threads` threads ready (starting workers); returns how many are (1 = none). */
  prepare(threads: number): number;
  /**
   * Starts the jobs; the returned function blocks until all finished and returns their results.
   * `runLocal` runs a range on the caller (for a job no worker picked up in time). `transfer`
   * goes with the first worker's job (postMessage's transfer list: detached here).
   */
  dispatch(
    name: string,
    args: unknown,
    ranges: readonly (readonly [number, number])[],
    runLocal: (k0: number, k1: number) => number,
    transfer?: readonly ArrayBuffer[],
  ): () => number[];
}

/**
 * Voxels (output elements) below which a pass stays on one thread: from 64^3 up the threaded
 * passes cost at most ~15 % more CPU than single-threaded ones, at 32^3 up to 3-6x (dispatch,
 * wake-ups, cold JIT in the workers); bench/kernel-threads.mjs, BENCHMARKS.md "Kernel threads".
 */
export const THREAD_CROSSOVER_VOXELS = 1 << 18;

let runner: SlabRunner | undefined;
let configured: number | undefined;
/** Set by configureKernelThreads: one crossover for every kernel family (tests, benches). */
let minVoxels: number | undefined;
/** Set by configureKernelThreads: whether window work is deferred to the workers (startSlabs). */
let overlap: boolean | undefined;

export function registerSlabRunner(r: SlabRunner | undefined): void {
  runner = r;
}

export interface KernelThreadOptions {
  /** Threads for the volume kernels: a positive integer, or undefined = all the platform offers (Node: os.availableParallelism()). */
  threads?: number | undefined;
  /**
   * Crossover in output voxels below which a pass stays on one thread, for every kernel family
   * (default: each family's measured crossover, e.g. THREAD_CROSSOVER_VOXELS).
   */
  minVoxels?: number | undefined;
  /**
   * Sliding windows: add each window's prediction into the blend on the worker threads while the
   * next window runs through the model, instead of before it (default: on wherever the kernel
   * threads are; false = every pass waited for where it is started, as before).
   */
  overlapWindows?: boolean | undefined;
}

/** Process-wide defaults of the threaded volume kernels (a pass's own `threads` option wins). */
export function configureKernelThreads(options: KernelThreadOptions): void {
  if (options.threads !== undefined) checkThreads(options.threads);
  if (options.minVoxels !== undefined && !(Number.isInteger(options.minVoxels) && options.minVoxels >= 0))
    throw new UsageError(`minVoxels must be a non-negative integer, got ${String(options.minVoxels)}`, { field: 'minVoxels', received: options.minVoxels });
  if (options.overlapWindows !== undefined && typeof options.overlapWindows !== 'boolean')
    throw new UsageError(`overlapWindows must be a boolean, got ${String(options.overlapWindows)}`, {
      field: 'overlapWindows',
      received: options.overlapWindows,
    });
  configured = options.threads;
  minVoxels = options.minVoxels;
  overlap = options.overlapWindows;
}

/** Whether sliding windows defer their blending to the workers (configureKernelThreads overlapWindows). */
export function overlapWindows(): boolean {
  return (overlap ?? true) && kernelThreads() > 1;
}

/** Threads a pass would use at most now (1 without a registered runner). */
export function kernelThreads(): number {
  const available = runner?.available ?? 1;
  return Math.max(1, Math.min(available, configured ?? available));
}

function checkThreads(threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1)
    throw new UsageError(`threads must be a positive integer, got ${String(threads)}`, { field: 'threads', received: threads });
  return threads;
}

/**
 * Threads to use for a pass producing `voxels` outputs over `extent` slices: 1 below the
 * crossover (`crossover`: the kernel family's measured one, in its own unit of work, unless
 * configureKernelThreads set minVoxels), never more than one slice per thread.
 */
export function planThreads(voxels: number, extent: number, threads?: number, crossover = THREAD_CROSSOVER_VOXELS): number {
  const wanted = threads === undefined ? kernelThreads() : Math.min(checkThreads(threads), runner?.available ?? 1);
  const min = minVoxels ?? crossover;
  if (wanted <= 1 || runner === undefined || voxels < min) return 1;
  // At least half the crossover per slab.
  const n = min > 0 ? Math.min(wanted, extent, Math.floor(voxels / (min / 2))) : Math.min(wanted, extent);
  return n <= 1 ? 1 : runner.prepare(n);
}

/** Near-equal contiguous k ranges. */
export function splitRange(extent: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < parts; p++) out.push([Math.floor((extent * p) / parts), Math.floor((extent * (p + 1)) / parts)]);
  return out;
}

/**
 * Runs `kernel` over k in [0, extent) on `threads` threads (from planThreads; 1 = here, directly).
 * Returns the sum of the slabs' results.
 */
export function runSlabs<A>(kernel: SlabKernel<A>, args: A, extent: number, threads: number): number {
  if (threads > 1 && runner !== undefined) threads = runner.prepare(threads);
  if (threads <= 1 || runner === undefined) return kernel.run(args, 0, extent);
  const ranges = splitRange(extent, threads);
  const wait = runner.dispatch(kernel.name, args, ranges, (k0, k1) => kernel.run(args, k0, k1));
  let own = 0;
  let failure: { error: unknown } | undefined;
  try {
    own = kernel.run(args, ranges[0]![0], ranges[0]![1]);
  } catch (error) {
    failure = { error };
  }
  // Always wait: workers write into the caller's arrays, which must not be reused meanwhile.
  const results = wait();
  if (failure) throw failure.error;
  let sum = own;
  for (const r of results) sum += r;
  return sum;
}

/**
 * Starts `kernel` over k in [0, extent) on up to `threads` - 1 workers and returns at once; the
 * caller runs nothing meanwhile and later calls the returned wait (blocks until the slabs are
 * done, returns their summed results, rethrows a worker's error). Where the caller is about to
 * block in something else (a synchronous session.run), the slabs run in that time. Without
 * workers the kernel runs here, now, and the wait only returns its result. The arrays the kernel
 * writes must not be read or reused before the wait returns. `transfer`: buffers in `args` handed
 * to the (then single) worker without a copy; should the caller have to take the job back (no
 * worker started it), they are detached here and the kernel must refuse to run on them.
 */
export function startSlabs<A>(kernel: SlabKernel<A>, args: A, extent: number, threads: number, transfer?: readonly ArrayBuffer[]): () => number {
  // Buffers to transfer go to one worker: the whole extent is then its one job.
  const most = transfer === undefined ? extent : 1;
  const workers = threads > 1 && runner !== undefined ? Math.min(most, runner.prepare(threads) - 1) : 0;
  if (workers < 1 || runner === undefined) {
    const result = kernel.run(args, 0, extent);
    return () => result;
  }
  // Slab 0 is the caller's in a SlabRunner's dispatch: an empty one here.
  const ranges: [number, number][] = [[0, 0], ...splitRange(extent, workers)];
  const wait = runner.dispatch(kernel.name, args, ranges, (k0, k1) => kernel.run(args, k0, k1), transfer);
  return () => wait().reduce((a, b) => a + b, 0);
}

type TypedCtor<T> = { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number };

/** A zeroed array of `length` elements on shared memory. */
export function sharedArray<T>(ctor: TypedCtor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}

/** The array itself when already on shared memory, else a shared copy. */
export function asShared<T extends ArrayLike<number> & { readonly buffer: ArrayBufferLike; set(a: ArrayLike<number>): void }>(a: T): T {
  if (typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as unknown as TypedCtor<T>;
  const copy = sharedArray(ctor, a.length);
  copy.set(a);
  return copy;
}

/** Whether `a` is a view of shared memory (a threaded pass can hand it to workers as it is). */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}
