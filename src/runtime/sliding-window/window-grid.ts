/** The window layout of one sliding-window run, in 3D-padded axes (2D inputs get a leading 1). */
export interface Grid {
  /** Image size (spatial, unpadded). */
  size: number[];
  roi: number[];
  /** Padding before the image on each axis when the image is smaller than the roi. */
  padBefore: number[];
  /** Window starts per axis, in padded coordinates. */
  starts: number[][];
}

/** The part of window `start` that lies inside the image: [lo, hi) in window coordinates per axis. */
export function windowBoxInImage(grid: Grid, start: readonly number[]): { lo: number[]; hi: number[] } {
  const lo = [0, 1, 2].map((d) => Math.max(0, grid.padBefore[d]! - start[d]!));
  const hi = [0, 1, 2].map((d) => Math.min(grid.roi[d]!, grid.size[d]! + grid.padBefore[d]! - start[d]!));
  return { lo, hi };
}
