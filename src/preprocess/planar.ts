/**
 * Channel layout used inside preprocessing: planar channels, one full 3D block per channel
 * (stored as Volume `frames`). Interleaved `components` (RGB rasters) are split into planes
 * first, because every spatial kernel and per-channel statistic then reads contiguous memory.
 * Channel index = frame * components + component.
 */
import { createVolume, type Volume, type VolumeMeta } from '../core/volume.js';
import { voxelCount, type Geometry } from '../core/geometry.js';
import { allocateTypedArray, type TypedArray } from '../core/dtype.js';
import { LimitError } from '../core/errors.js';

export function channelCount(v: Volume): number {
  return v.components * v.frames;
}

/** Returns `v` itself when already planar (components = 1); otherwise a de-interleaved copy. */
export function toPlanar(v: Volume): Volume {
  if (v.components === 1) return v;
  const n = voxelCount(v.geometry);
  const comps = v.components;
  const out = allocateTypedArray(v.type, v.data.length);
  for (let f = 0; f < v.frames; f++) {
    const base = f * n * comps;
    for (let c = 0; c < comps; c++) {
      const dst = base + c * n;
      for (let p = 0, s = base + c; p < n; p++, s += comps) out[dst + p] = v.data[s]!;
    }
  }
  return createVolume({ geometry: v.geometry, data: out, frames: v.frames * comps, meta: v.meta });
}

/**
 * Output buffer of a pointwise step on planar `v` (= toPlanar(original)): v's own float32 data
 * when the caller allowed in-place writing or when toPlanar just made v as a private copy;
 * otherwise a new array.
 */
export function allocateOutput(v: Volume, inPlace: boolean | undefined, original: Volume): Float32Array {
  const owned = inPlace === true || v !== original;
  return owned && v.components === 1 && v.data instanceof Float32Array ? v.data : new Float32Array(v.data.length);
}

/** Largest output a spatial step will allocate (elements): 2**30 float32 = 4 GiB. */
export const MAX_OUTPUT_ELEMENTS = 2 ** 30;

/** Refuses before allocating when a step would produce an absurd grid (e.g. a spacing typo). */
export function checkOutputSize(op: string, size: readonly number[], channels: number): void {
  const n = (size[0] ?? 1) * (size[1] ?? 1) * (size[2] ?? 1) * channels;
  if (!(n <= MAX_OUTPUT_ELEMENTS)) {
    throw new LimitError(`${op}: output grid [${size.join('x')}] x ${channels} channels is ${n} elements, over the ${MAX_OUTPUT_ELEMENTS} limit`, {
      op,
      size: [...size],
      channels,
      limit: MAX_OUTPUT_ELEMENTS,
    });
  }
}

/** A planar volume from channel-major data. */
export function createPlanarVolume(geometry: Geometry, data: TypedArray, channels: number, meta: VolumeMeta): Volume {
  return createVolume({ geometry, data, frames: channels, meta });
}
