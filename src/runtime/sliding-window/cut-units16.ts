/**
 * The units of work (postprocess/common/cut-slabs.ts) that cut windows out of 16-bit channels held
 * in the window cutter's arena (window-cutter.ts 'planes16': a tensor read in 'ijk' order, its
 * first axis along the stored rows, a deferred zscore as an affine map per channel). One unit per
 * window channel; the cutter runs them itself or posts them to a kernel worker (startCut).
 */
import type { DeferredTensorView } from '../../core/tensor.js';
import { CUT_UNIT } from '../../postprocess/common/cut-slabs.js';
import { windowBoxInImage, type Grid } from './window-grid.js';

export type Affine16 = NonNullable<DeferredTensorView['affine16']>;

/** Where the cutter keeps what the units read and write. */
export interface Units16Layout {
  readonly grid: Grid;
  /** Input strides of [C, s0, s1, s2] (elements). */
  readonly strides: readonly [number, number, number, number];
  readonly affine: Affine16;
  /** Byte offset in the arena of channel c's 16-bit copy. */
  readonly channelAt: readonly number[];
  /** Float index in the arena of the first window's first voxel. */
  readonly windowAt: number;
  readonly roiVoxels: number;
  readonly padValue: number;
}

/**
 * Unit k of `units`: channel c's window part, `at` = element offset of its first voxel in the
 * channel, `dst` = float index in the arena, dims = in-image extent, `fill` = float range set to
 * the pad value first (equal ends: none).
 */
export function unit16(
  layout: Units16Layout,
  units: Float64Array,
  k: number,
  c: number,
  at: number,
  dst: number,
  [nx, ny, nz]: [number, number, number],
  fill: [number, number],
): void {
  const { subtract, multiply, zeroStays, channels } = layout.affine;
  const [, , sb, sd] = layout.strides;
  const [, r1, r2] = layout.grid.roi as [number, number, number];
  const unsigned = channels[c] instanceof Uint16Array ? 1 : 0;
  const source = (layout.channelAt[c]! >> 1) + at;
  const values = [dst, source, nx, ny, nz, r1 * r2, r2, sb, sd, subtract[c]!, multiply[c]!, zeroStays ? 1 : 0, unsigned, fill[0], fill[1], layout.padValue];
  units.set(values, k * CUT_UNIT);
}

/** The units of every channel of the windows at `starts` (padded coordinates), pad fills included. */
export function units16(layout: Units16Layout, starts: readonly (readonly number[])[]): Float64Array {
  const channels = layout.affine.channels.length;
  const units = new Float64Array(starts.length * channels * CUT_UNIT);
  const { grid, roiVoxels } = layout;
  const [, r1, r2] = grid.roi as [number, number, number];
  const [, sa, sb, sd] = layout.strides;
  starts.forEach((start, b) => {
    const { lo, hi } = windowBoxInImage(grid, start);
    const inside = lo.every((l, d) => l === 0 && hi[d] === grid.roi[d]);
    const empty = hi.some((h, d) => h <= lo[d]!);
    const at = (start[0]! + lo[0]! - grid.padBefore[0]!) * sa + (start[1]! + lo[1]! - grid.padBefore[1]!) * sb + (start[2]! + lo[2]! - grid.padBefore[2]!) * sd;
    const to = (lo[0]! * r1 + lo[1]!) * r2 + lo[2]!;
    const dims: [number, number, number] = empty ? [0, 0, 0] : [hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!];
    for (let c = 0; c < channels; c++) {
      const k = b * channels + c;
      const dst = layout.windowAt + k * roiVoxels;
      unit16(layout, units, k, c, at, dst + to, dims, inside ? [0, 0] : [dst, dst + roiVoxels]);
    }
  });
  return units;
}
