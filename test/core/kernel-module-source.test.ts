/**
 * The committed kernel module is exactly what the .wat source assembles to (wabt from npm), and
 * both of its users - the volume-pass arenas and the preprocessing scratch instance - see every
 * function they call in it.
 */
import { describe, expect, it } from 'vitest';
import { VOLUME_KERNELS_WASM_BASE64 } from '../../src/core/volume-kernels-wasm.js';
import { getSimdKernels } from '../../src/preprocess/simd.js';
// @ts-expect-error - a plain .mjs script without type declarations
import { assembleKernels } from '../../scripts/kernels/build-volume-kernels.mjs';

describe('kernel module', () => {
  it('the committed base64 equals a fresh assembly of scripts/kernels/volume-kernels.wat', async () => {
    const { bytes } = (await assembleKernels()) as { bytes: Buffer };
    expect(Buffer.from(VOLUME_KERNELS_WASM_BASE64, 'base64').equals(bytes)).toBe(true);
  });

  it('exports the volume passes and the preprocessing kernels from one module', () => {
    const module = new WebAssembly.Module(Buffer.from(VOLUME_KERNELS_WASM_BASE64, 'base64'));
    const names = WebAssembly.Module.exports(module)
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(
      [
        'memory',
        'lerp',
        'copyRows',
        'transposeBlock',
        'transposeNormalize16',
        'linearRows',
        'linearRowsNarrow',
        'accumulate',
        'scaleRows',
        'argmaxPlanes',
        'scanNonFinite',
        'sigmoidInPlace',
        'softmaxPlanes',
        'regionsPlanes',
        'stats',
        'normalize',
        'axpyF32',
        'axpyU16',
        'bandU16',
        'bandU8',
        'bandF32',
        'shiftRange16',
        'orReduce',
        'rowDot',
        'affineClamp',
      ].sort(),
    );
  });

  it('the preprocessing kernels compute on the shared module: stats of a known vector', () => {
    const k = getSimdKernels();
    expect(k).not.toBeNull();
    // 8 floats at the scratch buffer: [0, 1, 2, ..., 7] with shift 1: s1 = sum(x - 1) = 20, s2 = sum((x-1)^2) = 1+0+1+4+9+16+25+36 = 92, one zero.
    k!.f32.set([0, 1, 2, 3, 4, 5, 6, 7], 64 / 4);
    k!.stats(64, 2, 1);
    expect([k!.f64[0], k!.f64[1], k!.i32[4]]).toEqual([20, 92, 1]);
  });
});
