/**
 * Window cutting from 16-bit channels held in a kernel arena (the sliding-window cutter's
 * 'planes16' mode, runtime/sliding-window/window-cutter.ts) as units of work that either thread
 * runs: one unit = one channel of one window, transposed and normalised by the SIMD
 * `transposeNormalize16` kernel, its x and z remainders of 4 here with the same float32
 * arithmetic (one rounding per operation), after filling the window channel with the pad value
 * where the window overhangs the image. The cutter runs units itself (`cut`) or starts them on a
 * kernel worker while the caller is blocked in the previous window's session.run (`startCut`):
 * the same function on the same arena, so the same bytes.
 * Here rather than in runtime/: the workers' kernel table (postprocess/threads/) may not import runtime.
 */
import type { SlabKernel } from '../../core/threads/slab-pool.js';
import { kernelsOnMemory, type VolumeKernelExports } from '../../core/volume-kernels.js';

/** Numbers per unit in CutArgs.units. */
export const CUT_UNIT = 16;

/**
 * One unit, CUT_UNIT numbers: destination (float32 index in the arena of the window channel's
 * first in-image voxel), source (16-bit index of the channel copy's first voxel of the window),
 * nx, ny, nz (in-image extent: nx along the window's slowest axis = the source's rows, nz along
 * its innermost = the source's planes), plane (r1 * r2) and r2 of the window, sb and sd (source
 * row and plane strides, elements), subtract, multiply, zeroStays (1/0), unsigned (1/0), fill
 * from, fill to (float32 indices; equal = no fill), pad value.
 */
export interface CutArgs {
  readonly memory: WebAssembly.Memory;
  readonly units: Float64Array;
}

/** Views of an arena's memory the units read and write. */
export interface CutViews {
  readonly f32: Float32Array;
  readonly i16: Int16Array;
  readonly u16: Uint16Array;
}

export function cutViews(memory: WebAssembly.Memory): CutViews {
  const b = memory.buffer;
  return { f32: new Float32Array(b), i16: new Int16Array(b), u16: new Uint16Array(b) };
}

/** Runs unit k of `units`. */
export function cutUnit16(kernels: VolumeKernelExports, views: CutViews, units: Float64Array, k: number): void {
  const o = k * CUT_UNIT;
  const [dst, at, nx, ny, nz, plane, r2, sb, sd, sub, mul, zeroStays, unsigned, fillFrom, fillTo, pad] = units.subarray(
    o,
    o + CUT_UNIT,
  ) as unknown as number[] & [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const { f32 } = views;
  if (fillTo > fillFrom) f32.fill(pad, fillFrom, fillTo);
  if (nx <= 0 || ny <= 0 || nz <= 0) return;
  const src = unsigned === 1 ? views.u16 : views.i16;
  const [nx4, nz4] = [nx >> 2, nz >> 2];
  kernels.transposeNormalize16(dst * 4, at * 2, nx4, ny, nz4, plane * 4, r2 * 4, sb * 2, sd * 2, sub, mul, zeroStays, unsigned);
  for (let z = 0; z < nz; z++) {
    const x0 = z < nz4 << 2 ? nx4 << 2 : 0;
    for (let y = 0; y < ny; y++) {
      const s = at + z * sd + y * sb;
      const d = dst + y * r2 + z;
      for (let x = x0; x < nx; x++) {
        const v = src[s + x]!;
        f32[d + x * plane] = zeroStays === 1 && v === 0 ? 0 : Math.fround(Math.fround(v - sub) * mul);
      }
    }
  }
}

export const CUT16_KERNEL: SlabKernel<CutArgs> = {
  name: 'windowCut16',
  run: ({ memory, units }, k0, k1) => {
    const kernels = kernelsOnMemory(memory);
    const views = cutViews(memory);
    for (let k = k0; k < k1; k++) cutUnit16(kernels, views, units, k);
    return 0;
  },
};
