/**
 * Label maps from float32 channels on the SIMD kernels (argmax; sigmoid regions), streamed in
 * chunks of voxels through a small kernel arena (the channels of one chunk copied in, labels
 * copied out): about ten times faster than the scalar loops on a 3-class 240x240x155 map, same
 * labels (argmax ties to the lower channel). Null where the kernels are unavailable or a NaN is present (the caller's
 * scalar loop then reports exactly which channel and voxel).
 */
import { createKernelArena } from '../../core/volume-kernels.js';

/** Voxels per chunk: the channels of one chunk stay in L2 between copy and kernel. */
const CHUNK = 16384;

export function argmaxChannelsSimd(data: Float32Array, channels: number, voxels: number): Uint8Array | null {
  if (channels > 256) return null;
  const arena = createKernelArena([channels * CHUNK * 4, CHUNK]);
  if (arena === null) return null;
  const [planes, labels] = arena.offsets as [number, number];
  const out = new Uint8Array(voxels);
  for (let v0 = 0; v0 < voxels; v0 += CHUNK) {
    const len = Math.min(CHUNK, voxels - v0);
    for (let c = 0; c < channels; c++) {
      arena.f32.set(data.subarray(c * voxels + v0, c * voxels + v0 + len), (planes >> 2) + c * len);
    }
    if (arena.kernels.argmaxPlanes(planes, channels, len, labels) >= 0) return null;
    out.set(arena.u8.subarray(labels, labels + len), v0);
  }
  return out;
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
  const used = [...new Set(order)];
  const arena = createKernelArena([used.length * CHUNK * 4, CHUNK, 8 * order.length]);
  if (arena === null) return null;
  const [planes, out8, regions] = arena.offsets as [number, number, number];
  const slot = new Map(used.map((c, i) => [c, i]));
  const out = new Uint8Array(voxels);
  for (let v0 = 0; v0 < voxels; v0 += CHUNK) {
    const len = Math.min(CHUNK, voxels - v0);
    used.forEach((c, i) => arena.f32.set(data.subarray(c * voxels + v0, c * voxels + v0 + len), (planes >> 2) + i * len));
    order.forEach((c, r) => {
      arena.i32[(regions >> 2) + 2 * r] = slot.get(c)! * len * 4;
      arena.i32[(regions >> 2) + 2 * r + 1] = labels[r]!;
    });
    if (arena.kernels.regionsPlanes(planes, len, regions, order.length, threshold, gte ? 1 : 0, out8) >= 0) return null;
    out.set(arena.u8.subarray(out8, out8 + len), v0);
  }
  return out;
}
