/**
 * Sigmoid and planar-channel softmax of float32 volumes on the SIMD kernels: Math.exp per
 * element made the activation of a 3-class 240x240x155 output cost ~0.8 s, the kernels' float32
 * exp (within ~2 ulps, as torch's vectorised expf) ~0.03 s. Data already in kernel memory (a
 * blended sliding-window output) is worked on in place; other arrays stream through a small
 * scratch arena. Both return how much they did, 0 (nothing changed) where kernels are unavailable
 * or the input holds a value their caller's scalar loop must report or treat specially (NaN; for
 * softmax any infinity): that loop then runs on everything and throws or handles it as before.
 *
 * Data on shared memory above the crossover runs on the kernel threads (core/threads/): each
 * thread streams its own range of elements (sigmoid) or voxels (softmax) through its own scratch
 * arena, or in place where the data is a shared kernel arena (a blended output, `memory` in the
 * job); the kernels work lane by lane, so the results are the same bytes at any thread count.
 */
import { isShared, planThreads, runSlabs, type SlabKernel } from '../../core/threads/slab-pool.js';
import { arenaHolding, kernelsOnMemory, scratchArena, SCRATCH_FLOATS, type KernelArena } from '../../core/volume-kernels.js';

/** Below this many elements the scalar loops are as fast as setting up the kernels. */
const MIN_ELEMENTS = 4096;

/**
 * Index of the first NaN (finite = false) or non-finite value (finite = true) in data, -1 if
 * none, or null where the kernels are unavailable.
 */
export function firstNonFinite(data: Float32Array, finite: boolean): number | null {
  const own = arenaHolding(data);
  if (own !== undefined) return own.kernels.scanNonFinite(data.byteOffset, data.length, finite ? 1 : 0);
  const s = scratchArena();
  if (s === null) return null;
  return scanStream(s, data, finite, 0, data.length);
}

/** firstNonFinite over elements [from, to) through a scratch arena: the index, or -1. */
function scanStream(s: KernelArena, data: Float32Array, finite: boolean, from: number, to: number): number {
  const at = s.offsets[0]!;
  for (let a = from; a < to; a += SCRATCH_FLOATS) {
    const len = Math.min(SCRATCH_FLOATS, to - a);
    s.f32.set(data.subarray(a, a + len), at >> 2);
    const i = s.kernels.scanNonFinite(at, len, finite ? 1 : 0);
    if (i >= 0) return a + i;
  }
  return -1;
}

/** Elements per slab unit of the threaded passes (the SIMD width: slab edges stay 4-aligned). */
const LANES = 4;

/**
 * Elements (sigmoid) or voxels x channels (softmax) below which the activations stay on one
 * thread: from 64^3 x 3 (786k) up threading added at most ~20 % CPU and shortened the critical
 * path 1.5-2x, at 48^3 x 3 it added 25 % for 1.3x (bench/kernel-threads.mjs --family volume,
 * BENCHMARKS.md "Kernel threads: volume kernels").
 */
export const ACTIVATION_CROSSOVER = 1 << 19;

function arenaOrThrow(): KernelArena {
  const s = scratchArena();
  if (s === null) throw new Error('WebAssembly SIMD kernels unavailable on a kernel thread');
  return s;
}

/** `data` on shared memory; `memory` where it lies in a shared kernel arena (worked on in place). */
interface SharedData {
  readonly data: Float32Array;
  readonly memory?: WebAssembly.Memory | undefined;
}

interface ScanArgs extends SharedData {
  readonly finite: boolean;
}
/** 1 where elements [4 k0, 4 k1) (the last slab: to the end) hold a NaN / non-finite value, else 0. */
export const SCAN_NON_FINITE_KERNEL: SlabKernel<ScanArgs> = {
  name: 'scanNonFinite',
  run: ({ data, memory, finite }, k0, k1) => {
    const to = Math.min(data.length, LANES * k1);
    if (memory === undefined) return scanStream(arenaOrThrow(), data, finite, LANES * k0, to) >= 0 ? 1 : 0;
    return kernelsOnMemory(memory).scanNonFinite(data.byteOffset + 4 * LANES * k0, to - LANES * k0, finite ? 1 : 0) >= 0 ? 1 : 0;
  },
};

export const SIGMOID_KERNEL: SlabKernel<SharedData> = {
  name: 'sigmoid',
  run: ({ data, memory }, k0, k1) => {
    if (memory === undefined) sigmoidStream(arenaOrThrow(), data, LANES * k0, LANES * k1);
    else kernelsOnMemory(memory).sigmoidInPlace(data.byteOffset + 4 * LANES * k0, LANES * (k1 - k0));
    return 0;
  },
};

interface SoftmaxArgs extends SharedData {
  readonly channels: number;
}
export const SOFTMAX_KERNEL: SlabKernel<SoftmaxArgs> = {
  name: 'softmaxChannels',
  run: ({ data, memory, channels }, k0, k1) => {
    const n = data.length / channels;
    if (memory === undefined) streamPlanes(arenaOrThrow(), data, channels, n, LANES * k0, LANES * k1);
    else kernelsOnMemory(memory).softmaxPlanes(data.byteOffset + 4 * LANES * k0, channels, LANES * (k1 - k0), n * 4);
    return 0;
  },
};

/**
 * How an activation over `units` SIMD groups runs: threaded where the data is on shared memory
 * (in place on a shared arena's memory), else on this thread (`threads` 1).
 */
function activationPlan(data: Float32Array, units: number): { threads: number; memory?: WebAssembly.Memory } {
  const own = arenaHolding(data);
  if (own !== undefined && !own.shared) return { threads: 1 };
  const threads = isShared(data) ? planThreads(data.length, units, undefined, ACTIVATION_CROSSOVER) : 1;
  return own !== undefined ? { threads, memory: own.kernels.memory } : { threads };
}

function hasNonFinite(data: Float32Array, finite: boolean): boolean {
  const units = Math.ceil(data.length / LANES);
  const { threads, memory } = activationPlan(data, units);
  if (threads > 1) return runSlabs(SCAN_NON_FINITE_KERNEL, { data, memory, finite }, units, threads) > 0;
  return firstNonFinite(data, finite) !== -1;
}

/**
 * Sigmoid in place on the first length & ~3 elements; returns how many it did (0: nothing, the
 * caller's loop does all). The caller finishes the rest (fewer than four) with its own loop.
 */
export function sigmoidInPlaceSimd(data: Float32Array): number {
  if (data.length < MIN_ELEMENTS || scratchArena() === null || hasNonFinite(data, false)) return 0;
  const own = arenaHolding(data);
  const vec = data.length & ~3;
  const { threads, memory } = activationPlan(data, vec / LANES);
  if (own !== undefined && threads <= 1) own.kernels.sigmoidInPlace(data.byteOffset, vec);
  else runSlabs(SIGMOID_KERNEL, { data, memory }, vec / LANES, threads);
  return vec;
}

/** Sigmoid of elements [from, to) (multiples of 4) through a scratch arena. */
function sigmoidStream(s: KernelArena, data: Float32Array, from: number, to: number): void {
  const at = s.offsets[0]!;
  for (let a = from; a < to; a += SCRATCH_FLOATS) {
    const len = Math.min(SCRATCH_FLOATS, to - a);
    s.f32.set(data.subarray(a, a + len), at >> 2);
    s.kernels.sigmoidInPlace(at, len);
    data.set(s.f32.subarray(at >> 2, (at >> 2) + len), a);
  }
}

/**
 * Softmax over planar channels in place for voxels [0, n & ~3); returns how many voxels it did
 * (0: nothing). The caller's loop does the remaining voxels (all finite by then).
 */
export function softmaxChannelsInPlaceSimd(data: Float32Array, channels: number): number {
  const n = data.length / channels;
  if (data.length < MIN_ELEMENTS || channels * 4 > SCRATCH_FLOATS || scratchArena() === null || hasNonFinite(data, true)) return 0;
  const vec = n & ~3;
  const own = arenaHolding(data);
  const { threads, memory } = activationPlan(data, vec / LANES);
  if (own !== undefined && threads <= 1) own.kernels.softmaxPlanes(data.byteOffset, channels, vec, n * 4);
  else runSlabs(SOFTMAX_KERNEL, { data, memory, channels }, vec / LANES, threads);
  return vec;
}

/** Voxels [from, to) (multiples of 4) of every channel through the scratch arena, a chunk of voxels at a time. */
function streamPlanes(s: KernelArena, data: Float32Array, channels: number, n: number, from: number, to: number): void {
  const at = s.offsets[0]! >> 2;
  const chunk = Math.floor(SCRATCH_FLOATS / channels) & ~3;
  for (let v0 = from; v0 < to; v0 += chunk) {
    const len = Math.min(chunk, to - v0);
    for (let c = 0; c < channels; c++) s.f32.set(data.subarray(c * n + v0, c * n + v0 + len), at + c * len);
    s.kernels.softmaxPlanes(at * 4, channels, len, len * 4);
    for (let c = 0; c < channels; c++) data.set(s.f32.subarray(at + c * len, at + (c + 1) * len), c * n + v0);
  }
}
