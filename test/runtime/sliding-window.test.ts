import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelSession, type ModelSession, type ModelTensor } from '../../src/index.js';
import { createImportanceMap } from '../../src/runtime/sliding-window/importance.js';
import { monaiWindowStarts, nnunetWindowStarts } from '../../src/runtime/sliding-window/placement.js';
import { runSlidingWindow, type BlendMode, type WindowPlacement } from '../../src/ops.js';
import { createNodeBackend } from '../../src/node.js';

const FIXTURES = new URL('../fixtures/sliding-window/', import.meta.url);
interface Case {
  name: string;
  roi: number[];
  overlap: number;
  blend: BlendMode;
  placement: WindowPlacement;
  batch: number;
  mirror: number[];
  outputDims: number[];
}
const meta = JSON.parse(readFileSync(new URL('cases.json', FIXTURES), 'utf8')) as { inputDims: number[]; cases: Case[]; tolerance: number };

function readF32(name: string): Float32Array {
  const b = readFileSync(new URL(name, FIXTURES));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

describe('window placement', () => {
  it('reproduces MONAI dense_patch_slices and nnU-Net steps (documented examples)', () => {
    expect(monaiWindowStarts(300, 96, 0.5)).toEqual([0, 48, 96, 144, 192, 204]);
    expect(monaiWindowStarts(300, 96, 0.25)).toEqual([0, 72, 144, 204]);
    expect(nnunetWindowStarts(300, 96, 0.5)).toEqual([0, 41, 82, 122, 163, 204]);
    expect(monaiWindowStarts(96, 96, 0.5)).toEqual([0]);
    expect(nnunetWindowStarts(50, 96, 0.5)).toEqual([0]);
  });

  it('builds Gaussian maps as MONAI (clamped at 1e-3) and nnU-Net (peak 10) do', () => {
    const m = createImportanceMap([5, 5, 5], 'gaussian', 'monai', 0.125);
    expect(m[62]).toBeCloseTo(1, 7); // centre of an odd roi
    expect(Math.min(...m)).toBeCloseTo(1e-3, 9);
    const n = createImportanceMap([4, 4, 4], 'gaussian', 'nnunet', 0.125);
    expect(Math.max(...n)).toBeCloseTo(10, 5);
    expect(n[2 * 16 + 2 * 4 + 2]).toBeCloseTo(10, 5); // centre at n // 2
  });
});

describe('sliding-window inference vs the torch reference', () => {
  let session: ModelSession;
  afterAll(async () => session?.dispose());

  for (const c of meta.cases) {
    it(`${c.name}: within ${meta.tolerance}`, async () => {
      session ??= await createModelSession(createNodeBackend(), { path: fileURLToPath(new URL('net.onnx', FIXTURES)) }, { provider: 'cpu' });
      const input: ModelTensor<'float32'> = { type: 'float32', data: readF32('input.bin'), dims: meta.inputDims };
      let calls = 0;
      const out = await runSlidingWindow(
        input,
        async (w) => {
          calls++;
          expect(w.dims[0]).toBeLessThanOrEqual(c.batch);
          const y = (await session.run({ x: { type: 'float32', dims: w.dims, data: w.data } })).y!;
          return { type: 'float32', data: y.data as Float32Array, dims: y.dims };
        },
        { roi: c.roi, overlap: c.overlap, blend: c.blend, placement: c.placement, batch: c.batch, mirrorAxes: c.mirror },
      );
      expect(out.dims).toEqual(c.outputDims);
      const ref = readF32(`${c.name}.bin`);
      let max = 0;
      for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i]! - out.data[i]!));
      expect(max).toBeLessThan(meta.tolerance);
      expect(calls).toBeGreaterThan(0);
    });
  }
});

describe('sliding-window invariants', () => {
  it('an identity predictor returns the input exactly for any placement, blend and mirroring (2D and 3D)', async () => {
    const dims3 = [1, 2, 7, 9, 11];
    const data3 = Float32Array.from({ length: 2 * 7 * 9 * 11 }, (_, i) => Math.sin(i));
    const identity = async (w: ModelTensor<'float32'>) => ({ type: 'float32', data: w.data.slice(), dims: w.dims });
    for (const placement of ['monai', 'nnunet'] as const)
      for (const blend of ['constant', 'gaussian'] as const) {
        const out = await runSlidingWindow({ type: 'float32', data: data3, dims: dims3 }, identity, {
          roi: [4, 12, 5],
          overlap: 0.5,
          placement,
          blend,
          mirrorAxes: [0, 2],
          batch: 3,
        });
        for (let i = 0; i < data3.length; i++) expect(out.data[i]).toBeCloseTo(data3[i]!, 5);
      }
    const data2 = Float32Array.from({ length: 13 * 6 }, (_, i) => i % 7);
    const out2 = await runSlidingWindow({ type: 'float32', data: data2, dims: [1, 1, 13, 6] }, identity, { roi: [5, 8], overlap: 0.25, blend: 'gaussian' });
    expect(out2.dims).toEqual([1, 1, 13, 6]);
    for (let i = 0; i < data2.length; i++) expect(out2.data[i]).toBeCloseTo(data2[i]!, 5);
  });

  it('rejects bad options and a predictor returning the wrong shape', async () => {
    const input: ModelTensor<'float32'> = { type: 'float32', data: new Float32Array(64), dims: [1, 1, 4, 4, 4] };
    const id = async (w: ModelTensor<'float32'>) => w;
    await expect(runSlidingWindow(input, id, { roi: [2, 2], overlap: 0.5 })).rejects.toThrow(/roi has 2 axes, input has 3/);
    await expect(runSlidingWindow(input, id, { roi: [2, 2, 2], overlap: 1 })).rejects.toThrow(/overlap must be in \[0, 1\)/);
    await expect(
      runSlidingWindow(input, async () => ({ type: 'float32', data: new Float32Array(3), dims: [1, 1, 3] }), { roi: [2, 2, 2], overlap: 0 }),
    ).rejects.toThrow(/window predictor returned/);
  });
});
