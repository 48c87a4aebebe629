/**
 * The JavaScript blend accumulator (blend-accumulator.ts), where WebAssembly SIMD or the memory for
 * the arena is unavailable: the same arithmetic as the wasm kernels (float32 products and sums).
 */
import type { BlendMap } from './importance.js';
import { normaliseSeparable, normaliseTiles, shiftPlanes } from '../../postprocess/common/blend-normalise.js';
import type { Grid } from './window-grid.js';

export class JsBlend {
  private readonly output: Float32Array;

  constructor(
    private readonly grid: Grid,
    private readonly outChannels: number,
    private readonly map: BlendMap,
    private readonly scale: number,
  ) {
    this.output = new Float32Array(outChannels * grid.size[0]! * grid.size[1]! * grid.size[2]!);
  }

  add(pred: Float32Array, starts: readonly (readonly number[])[]): void {
    // owned is only an offer: this path reads pred where it is.
    const roiVoxels = this.grid.roi[0]! * this.grid.roi[1]! * this.grid.roi[2]!;
    starts.forEach((start, b) =>
      accumulateWindow(this.output, this.outChannels, this.grid, start, pred, b * this.outChannels * roiVoxels, this.map.weights, this.scale),
    );
  }

  finish(): Float32Array {
    if (this.map.factors !== undefined) normaliseSeparable(this.output, this.outChannels, this.grid, this.map.factors);
    else normaliseTiles(this.output, this.outChannels, this.grid, this.map.weights);
    return this.output;
  }

  finishPlanes(from: number, to: number, offset: number, full: Grid, out: Float32Array): void {
    const [b0, s1, s2] = this.grid.size as [number, number, number];
    const spatial = b0 * s1 * s2;
    const plane = s1 * s2;
    const band = { from: from + offset, to: to + offset, offset, spatial };
    if (this.map.factors !== undefined) normaliseSeparable(this.output, this.outChannels, full, this.map.factors, band);
    else normaliseTiles(this.output, this.outChannels, full, this.map.weights, band);
    const n = (to - from) * plane;
    for (let c = 0; c < this.outChannels; c++) out.set(this.output.subarray(c * spatial + from * plane, c * spatial + to * plane), c * n);
  }

  flush(): void {}

  shift(planes: number): void {
    const [b0, s1, s2] = this.grid.size as [number, number, number];
    shiftPlanes(this.output, this.outChannels, b0, s1 * s2, planes);
  }
}

function accumulateWindow(
  output: Float32Array,
  outChannels: number,
  grid: Grid,
  start: readonly number[],
  pred: Float32Array,
  offset: number,
  weights: Float32Array,
  scale: number,
): void {
  const [s0, s1, s2] = grid.size as [number, number, number];
  const [r0, r1, r2] = grid.roi as [number, number, number];
  const x0 = start[2]! - grid.padBefore[2]!;
  const xLo = Math.max(0, -x0);
  const xHi = Math.min(r2, s2 - x0);
  for (let c = 0; c < outChannels; c++) {
    for (let z = 0; z < r0; z++) {
      const iz = start[0]! + z - grid.padBefore[0]!;
      if (iz < 0 || iz >= s0) continue;
      for (let y = 0; y < r1; y++) {
        const iy = start[1]! + y - grid.padBefore[1]!;
        if (iy < 0 || iy >= s1) continue;
        const src = offset + ((c * r0 + z) * r1 + y) * r2;
        const w = (z * r1 + y) * r2;
        const dst = ((c * s0 + iz) * s1 + iy) * s2 + x0;
        if (scale === 1) for (let x = xLo; x < xHi; x++) output[dst + x] = output[dst + x]! + pred[src + x]! * weights[w + x]!;
        else for (let x = xLo; x < xHi; x++) output[dst + x] = output[dst + x]! + pred[src + x]! * weights[w + x]! * scale;
      }
    }
  }
}
