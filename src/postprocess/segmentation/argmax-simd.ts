/**
 * argmaxChannels for float32 channels on the SIMD argmax kernel, streamed in chunks of voxels
 * through a small kernel arena (the channels of one chunk copied in, labels copied out): about
 * ten times faster than the scalar loop on a 3-class 240x240x155 map, same labels (ties to the
 * lower channel). Null where the kernels are unavailable or a NaN is present (the caller's
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
