/**
 * The blend normaliser: each voxel of the accumulated output divided by the sum of the blend
 * weights of the windows covering it, without an output-sized weight map (separable profiles
 * when the map factorises, else tile by tile), over the whole output or a band of planes
 * (runSlidingWindowSlabs). Here rather than in runtime/sliding-window/ (its users): the kernel
 * threads run normaliseTiles over plane ranges (blend-slabs.ts), and their kernel table
 * (postprocess/threads/) may not import runtime/.
 */

/**
 * The window layout of a sliding-window run (runtime/sliding-window/window-grid.ts's Grid, which
 * this layer may not import): image size, roi, padding before the image, window starts per axis.
 */
export interface WindowGrid {
  readonly size: readonly number[];
  readonly roi: readonly number[];
  readonly padBefore: readonly number[];
  readonly starts: readonly (readonly number[])[];
}

/** Moves planes [planes, b0) of each channel to [0, b0 - planes) and zeroes the rest. */
export function shiftPlanes(output: Float32Array, channels: number, b0: number, plane: number, planes: number): void {
  const spatial = b0 * plane;
  for (let c = 0; c < channels; c++) {
    const at = c * spatial;
    output.copyWithin(at, at + planes * plane, at + spatial);
    output.fill(0, at + Math.max(0, b0 - planes) * plane, at + spatial);
  }
}

/**
 * Which image planes of axis 0 a normalisation covers and where they are stored: output plane =
 * image plane - offset, `spatial` elements per channel. Absent: the whole image, stored whole.
 */
export interface PlaneBand {
  readonly from: number;
  readonly to: number;
  readonly offset: number;
  readonly spatial: number;
}

/**
 * Per axis: runs of consecutive coordinates (original grid) covered by the same window starts.
 * Between two window edges the set of covering windows does not change.
 */
export function coverSegments(grid: WindowGrid, axis: number): { from: number; to: number; starts: number[] }[] {
  const segments: { from: number; to: number; starts: number[] }[] = [];
  const pad = grid.padBefore[axis]!;
  const roi = grid.roi[axis]!;
  for (let p = 0; p < grid.size[axis]!; p++) {
    const q = p + pad;
    const starts = grid.starts[axis]!.filter((s) => s <= q && q < s + roi);
    const last = segments[segments.length - 1];
    if (last && last.starts.length === starts.length && last.starts.every((s, i) => s === starts[i])) last.to = p + 1;
    else segments.push({ from: p, to: p + 1, starts });
  }
  return segments;
}

/**
 * Divides the accumulated output by the sum of blend weights over the windows covering each
 * voxel. Instead of a full-size weight map (one more output-sized float array), the sum is
 * rebuilt tile by tile, a tile being a box whose voxels share their covering windows: the same
 * arithmetic as accumulating a map, with only a roi-sized scratch buffer.
 */
export function normaliseTiles(output: Float32Array, outChannels: number, grid: WindowGrid, weights: Float32Array, band?: PlaneBand): void {
  const [s0, s1, s2] = grid.size as [number, number, number];
  const [, r1, r2] = grid.roi as [number, number, number];
  const [p0, p1, p2] = grid.padBefore as [number, number, number];
  const spatial = band?.spatial ?? s0 * s1 * s2;
  const shift = (band?.offset ?? 0) * s1 * s2;
  // A tile clipped to the band keeps its covering windows, so each voxel's sum is unchanged.
  const zSegs = coverSegments(grid, 0)
    .map((g) => ({ ...g, from: Math.max(g.from, band?.from ?? 0), to: Math.min(g.to, band?.to ?? s0) }))
    .filter((g) => g.to > g.from);
  const segs = [zSegs, coverSegments(grid, 1), coverSegments(grid, 2)];
  const scratch = new Float32Array(weights.length);
  for (const sz of segs[0]!)
    for (const sy of segs[1]!)
      for (const sx of segs[2]!) {
        const nz = sz.to - sz.from;
        const ny = sy.to - sy.from;
        const nx = sx.to - sx.from;
        scratch.fill(0, 0, nz * ny * nx);
        for (const wz of sz.starts)
          for (const wy of sy.starts)
            for (const wx of sx.starts) {
              for (let z = 0; z < nz; z++)
                for (let y = 0; y < ny; y++) {
                  const w = ((sz.from + z + p0 - wz) * r1 + (sy.from + y + p1 - wy)) * r2 + (sx.from + p2 - wx);
                  const t = (z * ny + y) * nx;
                  for (let x = 0; x < nx; x++) scratch[t + x] = scratch[t + x]! + weights[w + x]!;
                }
            }
        for (let z = 0; z < nz; z++)
          for (let y = 0; y < ny; y++) {
            const t = (z * ny + y) * nx;
            const v0 = ((sz.from + z) * s1 + sy.from + y) * s2 + sx.from - shift;
            for (let c = 0; c < outChannels; c++) {
              const base = c * spatial + v0;
              for (let x = 0; x < nx; x++) output[base + x] = output[base + x]! / scratch[t + x]!;
            }
          }
      }
}

/** Per coordinate of one axis: the sum of the profile over the windows covering it. */
export function coverSums(grid: WindowGrid, axis: number, profile: Float64Array): Float64Array {
  const out = new Float64Array(grid.size[axis]!);
  const pad = grid.padBefore[axis]!;
  const roi = grid.roi[axis]!;
  for (let p = 0; p < out.length; p++) {
    const q = p + pad;
    let sum = 0;
    for (const s of grid.starts[axis]!) if (s <= q && q < s + roi) sum += profile[q - s]!;
    out[p] = sum;
  }
  return out;
}

export function normaliseSeparable(
  output: Float32Array,
  outChannels: number,
  grid: WindowGrid,
  factors: readonly [Float64Array, Float64Array, Float64Array],
  band?: PlaneBand,
): void {
  const [s0, s1, s2] = grid.size as [number, number, number];
  const [sz, sy, sx] = [0, 1, 2].map((axis) => coverSums(grid, axis, factors[axis]!)) as [Float64Array, Float64Array, Float64Array];
  const invX = sx.map((v) => 1 / v);
  const spatial = band?.spatial ?? s0 * s1 * s2;
  const offset = band?.offset ?? 0;
  for (let z = band?.from ?? 0; z < (band?.to ?? s0); z++)
    for (let y = 0; y < s1; y++) {
      const f = 1 / (sz[z]! * sy[y]!);
      const row = ((z - offset) * s1 + y) * s2;
      for (let c = 0; c < outChannels; c++) {
        const base = c * spatial + row;
        for (let x = 0; x < s2; x++) output[base + x] = output[base + x]! * (f * invX[x]!);
      }
    }
}
