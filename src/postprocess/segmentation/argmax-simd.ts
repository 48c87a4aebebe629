/**
 * Label maps from float32 channels on the SIMD kernels (argmax; sigmoid regions), streamed in
 * chunks of voxels through a small kernel arena (the channels of one chunk copied in, labels
 * copied out): about ten times faster than the scalar loops on a 3-class 240x240x155 map, same
 * labels (argmax ties to the lower channel). Null where the kernels are unavailable or a NaN is present (the caller's
 * scalar loop then reports exactly which channel and voxel).
 *
 * Channels on shared memory above the crossover run on the kernel threads (core/threads/): each
 * thread takes a range of chunks through its own arena and writes its labels into a shared
 * output; a label depends on its voxel's channels only, so the map is the same at any thread count.
 */
import { isShared, planThreads, runSlabs, sharedArray, type SlabKernel } from '../../core/threads/slab-pool.js';
import { createKernelArena, type KernelArena } from '../../core/volume-kernels.js';

/** Voxels per chunk: the channels of one chunk stay in L2 between copy and kernel. */
const CHUNK = 16384;

/**
 * Voxels x channels below which label mapping stays on one thread: a pass of well under 1 ns
 * per element, so dispatch and the workers' cold code weigh long; at 80^3 x 3 (1.5M) threading
 * added 50-65 % CPU for 1.1-1.3x, from 96x112x128 x 3 (4.1M) up 1.25-1.6x on the critical path
 * (bench/kernel-threads.mjs --family volume, BENCHMARKS.md "Kernel threads: volume kernels").
 */
export const LABEL_MAP_CROSSOVER = 3 << 20;

interface ArgmaxArgs {
  readonly data: Float32Array;
  readonly channels: number;
  readonly voxels: number;
  readonly out: Uint8Array;
}

interface RegionsArgs {
  readonly data: Float32Array;
  readonly voxels: number;
  readonly order: readonly number[];
  readonly labels: readonly number[];
  readonly threshold: number;
  readonly gte: boolean;
  readonly out: Uint8Array;
}

/** Chunks [k0, k1) of an argmax (the arena passed in or a new one); 1 where a NaN stopped it (the caller then falls back), else 0. */
function argmaxChunks(a: ArgmaxArgs, k0: number, k1: number, given?: KernelArena | null): number {
  const { data, channels, voxels, out } = a;
  const arena = given ?? createKernelArena([channels * CHUNK * 4, CHUNK]);
  if (arena === null) throw new Error('WebAssembly SIMD kernels unavailable on a kernel thread');
  const [planes, labels] = arena.offsets as [number, number];
  for (let v0 = k0 * CHUNK; v0 < Math.min(voxels, k1 * CHUNK); v0 += CHUNK) {
    const len = Math.min(CHUNK, voxels - v0);
    for (let c = 0; c < channels; c++) {
      arena.f32.set(data.subarray(c * voxels + v0, c * voxels + v0 + len), (planes >> 2) + c * len);
    }
    if (arena.kernels.argmaxPlanes(planes, channels, len, labels) >= 0) return 1;
    out.set(arena.u8.subarray(labels, labels + len), v0);
  }
  return 0;
}

/** Chunks [k0, k1) of a regions map (the arena passed in or a new one); 1 on NaN, else 0. */
function regionsChunks(a: RegionsArgs, k0: number, k1: number, given?: KernelArena | null): number {
  const { data, voxels, order, labels, threshold, gte, out } = a;
  const used = [...new Set(order)];
  const arena = given ?? createKernelArena([used.length * CHUNK * 4, CHUNK, 8 * order.length]);
  if (arena === null) throw new Error('WebAssembly SIMD kernels unavailable on a kernel thread');
  const [planes, out8, regions] = arena.offsets as [number, number, number];
  const slot = new Map(used.map((c, i) => [c, i]));
  for (let v0 = k0 * CHUNK; v0 < Math.min(voxels, k1 * CHUNK); v0 += CHUNK) {
    const len = Math.min(CHUNK, voxels - v0);
    used.forEach((c, i) => arena.f32.set(data.subarray(c * voxels + v0, c * voxels + v0 + len), (planes >> 2) + i * len));
    order.forEach((c, r) => {
      arena.i32[(regions >> 2) + 2 * r] = slot.get(c)! * len * 4;
      arena.i32[(regions >> 2) + 2 * r + 1] = labels[r]!;
    });
    if (arena.kernels.regionsPlanes(planes, len, regions, order.length, threshold, gte ? 1 : 0, out8) >= 0) return 1;
    out.set(arena.u8.subarray(out8, out8 + len), v0);
  }
  return 0;
}

export const ARGMAX_KERNEL: SlabKernel<ArgmaxArgs> = { name: 'argmaxChannels', run: (a, k0, k1) => argmaxChunks(a, k0, k1) };
export const REGIONS_KERNEL: SlabKernel<RegionsArgs> = { name: 'regionsToLabels', run: (a, k0, k1) => regionsChunks(a, k0, k1) };

/** Threads for a label map over `channels` planes of `voxels` (1 unless the data is shared). */
function labelThreads(data: Float32Array, channels: number, voxels: number): number {
  return isShared(data) ? planThreads(voxels * channels, Math.ceil(voxels / CHUNK), undefined, LABEL_MAP_CROSSOVER) : 1;
}

export function argmaxChannelsSimd(data: Float32Array, channels: number, voxels: number): Uint8Array | null {
  if (channels > 256) return null;
  // Null (kernels off / unavailable) before any output is allocated; the serial pass uses this arena.
  const arena = createKernelArena([channels * CHUNK * 4, CHUNK]);
  if (arena === null) return null;
  const chunks = Math.ceil(voxels / CHUNK);
  const threads = labelThreads(data, channels, voxels);
  const out = threads > 1 ? sharedArray(Uint8Array, voxels) : new Uint8Array(voxels);
  const args: ArgmaxArgs = { data, channels, voxels, out };
  const nan = threads > 1 ? runSlabs(ARGMAX_KERNEL, args, chunks, threads) : argmaxChunks(args, 0, chunks, arena);
  return nan > 0 ? null : out;
}

/**
 * convertRegionsToLabels on the SIMD regions kernel, chunk by chunk (uint8 labels, a threshold
 * exact in float32). Null where it does not apply or a NaN is present: the scalar loop then
 * runs and reports it.
 */
export function regionsToLabelsSimd(
  data: Float32Array,
  voxels: number,
  order: readonly number[],
  labels: readonly number[],
  threshold: number,
  gte: boolean,
): Uint8Array | null {
  if (labels.some((l) => l > 255) || Math.fround(threshold) !== threshold) return null;
  const used = new Set(order).size;
  const arena = createKernelArena([used * CHUNK * 4, CHUNK, 8 * order.length]);
  if (arena === null) return null;
  const chunks = Math.ceil(voxels / CHUNK);
  const threads = labelThreads(data, used, voxels);
  const out = threads > 1 ? sharedArray(Uint8Array, voxels) : new Uint8Array(voxels);
  const args: RegionsArgs = { data, voxels, order: [...order], labels: [...labels], threshold, gte, out };
  const nan = threads > 1 ? runSlabs(REGIONS_KERNEL, args, chunks, threads) : regionsChunks(args, 0, chunks, arena);
  return nan > 0 ? null : out;
}
