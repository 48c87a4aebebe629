/**
 * Sigmoid and planar-channel softmax of float32 volumes on the SIMD kernels: Math.exp per
 * element made the activation of a 3-class 240x240x155 output cost ~0.8 s, the kernels' float32
 * exp (within ~2 ulps, as torch's vectorised expf) ~0.03 s. Data already in kernel memory (a
 * blended sliding-window output) is worked on in place; other arrays stream through a small
 * scratch arena. Both return how much they did, 0 (nothing changed) where kernels are unavailable
 * or the input holds a value their caller's scalar loop must report or treat specially (NaN; for
 * softmax any infinity): that loop then runs on everything and throws or handles it as before.
 */
import { arenaHolding, scratchArena, SCRATCH_FLOATS, type KernelArena } from '../../core/volume-kernels.js';

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
  const at = s.offsets[0]!;
  for (let a = 0; a < data.length; a += SCRATCH_FLOATS) {
    const len = Math.min(SCRATCH_FLOATS, data.length - a);
    s.f32.set(data.subarray(a, a + len), at >> 2);
    const i = s.kernels.scanNonFinite(at, len, finite ? 1 : 0);
    if (i >= 0) return a + i;
  }
  return -1;
}

function hasNonFinite(data: Float32Array, finite: boolean): boolean {
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
  if (own !== undefined) {
    own.kernels.sigmoidInPlace(data.byteOffset, vec);
  } else {
    const s = scratchArena()!;
    const at = s.offsets[0]!;
    for (let a = 0; a < vec; a += SCRATCH_FLOATS) {
      const len = Math.min(SCRATCH_FLOATS, vec - a);
      s.f32.set(data.subarray(a, a + len), at >> 2);
      s.kernels.sigmoidInPlace(at, len);
      data.set(s.f32.subarray(at >> 2, (at >> 2) + len), a);
    }
  }
  return vec;
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
  if (own !== undefined) {
    own.kernels.softmaxPlanes(data.byteOffset, channels, vec, n * 4);
  } else {
    streamPlanes(scratchArena()!, data, channels, n, vec);
  }
  return vec;
}

/** Voxels [0, vec) of every channel through the scratch arena, a chunk of voxels at a time. */
function streamPlanes(s: KernelArena, data: Float32Array, channels: number, n: number, vec: number): void {
  const at = s.offsets[0]! >> 2;
  const chunk = Math.floor(SCRATCH_FLOATS / channels) & ~3;
  for (let v0 = 0; v0 < vec; v0 += chunk) {
    const len = Math.min(chunk, vec - v0);
    for (let c = 0; c < channels; c++) s.f32.set(data.subarray(c * n + v0, c * n + v0 + len), at + c * len);
    s.kernels.softmaxPlanes(at * 4, channels, len, len * 4);
    for (let c = 0; c < channels; c++) data.set(s.f32.subarray(at + c * len, at + (c + 1) * len), c * n + v0);
  }
}
