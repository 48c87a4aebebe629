/** Sliding windows over an image smaller than the roi: constant padding vs edge replication (MONAI padding_mode). */
import { describe, expect, it } from 'vitest';
import { runSlidingWindow } from '../../src/ops.js';
import type { ModelTensor } from '../../src/index.js';

/** numpy.pad(mode='edge') of a [D, H, W] array, written out independently of the cutter. */
function padEdge(data: Float32Array, size: number[], before: number[], padded: number[]): Float32Array {
  const out = new Float32Array(padded[0]! * padded[1]! * padded[2]!);
  const c = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  let p = 0;
  for (let a = 0; a < padded[0]!; a++)
    for (let b = 0; b < padded[1]!; b++)
      for (let d = 0; d < padded[2]!; d++) {
        out[p++] = data[(c(a - before[0]!, size[0]!) * size[1]! + c(b - before[1]!, size[1]!)) * size[2]! + c(d - before[2]!, size[2]!)]!;
      }
  return out;
}

describe('sliding-window padMode', () => {
  // Image [3, 2, 4], roi [4, 4, 5]: one window over the image padded by (0|1, 1|1, 0|1).
  const size = [3, 2, 4];
  const data = Float32Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 3);
  const input: ModelTensor<'float32'> = { type: 'float32', data, dims: [1, 1, ...size] };
  const roi = [4, 4, 5];
  // A predictor whose answer depends on the padding: every output voxel is the window's mean.
  const seen: Float32Array[] = [];
  const meanOfWindow = async (w: ModelTensor<'float32'>): Promise<ModelTensor<'float32'>> => {
    seen.push(w.data.slice());
    const mean = w.data.reduce((s, x) => s + x, 0) / w.data.length;
    return { type: 'float32', data: new Float32Array(w.data.length).fill(mean), dims: w.dims };
  };

  it("'replicate' feeds the window the edge-padded image (numpy.pad mode='edge' / torch replicate)", async () => {
    seen.length = 0;
    const out = await runSlidingWindow(input, meanOfWindow, { roi, overlap: 0, padMode: 'replicate' });
    const expected = padEdge(data, size, [0, 1, 0], roi);
    expect(Array.from(seen[0]!)).toEqual(Array.from(expected));
    const mean = expected.reduce((s, x) => s + x, 0) / expected.length;
    expect(out.dims).toEqual([1, 1, ...size]);
    for (const v of out.data) expect(v).toBeCloseTo(mean, 5);
  });

  it("'constant' (the default) pads with padValue", async () => {
    seen.length = 0;
    await runSlidingWindow(input, meanOfWindow, { roi, overlap: 0, padValue: -5 });
    expect(seen[0]!.filter((x) => x === -5).length).toBe(4 * 4 * 5 - 24 + Array.from(data).filter((x) => x === -5).length);
  });
});
