// scijs ndarray <-> Volume / tensor: the views share the typed array (same buffer, byte offset) and
// index the element the SDK's layout puts there (Volume: i fastest, components interleaved, frames
// after the 3D block; tensor: row-major dims). Uses the real `ndarray` package (devDependency).
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '../../src/core/errors.js';
import { createGeometry } from '../../src/core/geometry.js';
import { createVolume } from '../../src/core/volume.js';
import { tensorFromNdarray, toNdarray, volumeFromNdarray } from '../../src/io/ndarray-interop.js';
import type { TensorLike } from '../../src/runtime/tensor.js';

const [NI, NJ, NK] = [4, 3, 2];
const geometry = createGeometry({ size: [NI, NJ, NK], spacing: [0.5, 0.7, 2] });
const ramp = (n: number) => Int16Array.from({ length: n }, (_, p) => p * 3 - 50);

describe('toNdarray', () => {
  it('a 3D volume is a [i, j, k] view over the same Int16Array; writes through the view reach the volume', () => {
    const volume = createVolume({ geometry, data: ramp(NI * NJ * NK) });
    const nd = toNdarray(volume, ndarray);
    expect(nd.data).toBe(volume.data);
    expect(nd.shape).toEqual([NI, NJ, NK]);
    expect(nd.dtype).toBe('int16');
    for (let k = 0; k < NK; k++) for (let j = 0; j < NJ; j++) for (let i = 0; i < NI; i++) expect(nd.get(i, j, k)).toBe(volume.data[i + NI * (j + NJ * k)]);
    nd.set(3, 2, 1, 999);
    expect(volume.data[3 + NI * (2 + NJ * 1)]).toBe(999);
  });

  it('frames and components become trailing axes [i, j, k, t, c] in the volume layout', () => {
    const [T, C] = [2, 3];
    const data = new Float32Array(NI * NJ * NK * T * C).map((_, p) => p + 0.25);
    const volume = createVolume({ geometry, data, frames: T, components: C });
    const nd = toNdarray(volume, ndarray);
    expect(nd.shape).toEqual([NI, NJ, NK, T, C]);
    for (let t = 0; t < T; t++)
      for (let k = 0; k < NK; k++)
        for (let j = 0; j < NJ; j++)
          for (let i = 0; i < NI; i++) for (let c = 0; c < C; c++) expect(nd.get(i, j, k, t, c)).toBe(data[(((t * NK + k) * NJ + j) * NI + i) * C + c]);
    // frames only: four axes; components only: t = 1 stays as the fourth axis so c is always the fifth
    expect(toNdarray(createVolume({ geometry, data: data.subarray(0, NI * NJ * NK * T), frames: T }), ndarray).shape).toEqual([NI, NJ, NK, T]);
    expect(toNdarray(createVolume({ geometry, data: data.subarray(0, NI * NJ * NK * C), components: C }), ndarray).shape).toEqual([NI, NJ, NK, 1, C]);
  });

  it('a tensor is a row-major view with shape = dims (ONNX order)', () => {
    const tensor: TensorLike = { type: 'float32', dims: [1, 2, 3, 4], data: new Float32Array(24).map((_, p) => p / 8) };
    const nd = toNdarray(tensor, ndarray);
    expect(nd.data).toBe(tensor.data);
    expect(nd.shape).toEqual([1, 2, 3, 4]);
    for (let c = 0; c < 2; c++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) expect(nd.get(0, c, y, x)).toBe(tensor.data[(c * 3 + y) * 4 + x]);
  });
});

describe('volumeFromNdarray', () => {
  it('round trip through toNdarray shares the buffer (no copy) and keeps every voxel', () => {
    const volume = createVolume({ geometry, data: ramp(NI * NJ * NK) });
    const { volume: back, shared } = volumeFromNdarray(toNdarray(volume, ndarray), geometry);
    expect(shared).toBe(true);
    expect(back.data).toBe(volume.data);
    expect(back.type).toBe('int16');
    expect([back.frames, back.components]).toEqual([1, 1]);
  });

  it('a contiguous k-slab view (offset into a larger array) is shared at the right byte offset', () => {
    const big = createVolume({ geometry, data: ramp(NI * NJ * NK) });
    const slab = toNdarray(big, ndarray).lo(0, 0, 1); // k = 1 .. NK-1: offset NI*NJ elements
    const { volume, shared } = volumeFromNdarray(slab, createGeometry({ size: [NI, NJ, 1] }));
    expect(shared).toBe(true);
    expect(volume.data.buffer).toBe(big.data.buffer);
    expect(volume.data.byteOffset).toBe(NI * NJ * Int16Array.BYTES_PER_ELEMENT);
    expect(Array.from(volume.data)).toEqual(Array.from(big.data.subarray(NI * NJ)));
  });

  it("ndarray's default row-major [i, j, k] layout is copied into the volume layout, element by element", () => {
    const data = ramp(NI * NJ * NK);
    const nd = ndarray(data, [NI, NJ, NK]); // strides [NJ*NK, NK, 1]: k fastest, not the Volume's i fastest
    const { volume, shared } = volumeFromNdarray(nd, geometry);
    expect(shared).toBe(false);
    expect(volume.data.buffer).not.toBe(data.buffer);
    for (let k = 0; k < NK; k++) for (let j = 0; j < NJ; j++) for (let i = 0; i < NI; i++) expect(volume.data[i + NI * (j + NJ * k)]).toBe(nd.get(i, j, k));
  });

  it('refuses a shape that is not the geometry size, and arrays no Volume type names', () => {
    expect(() => volumeFromNdarray(ndarray(new Float32Array(24), [2, 3, 4]), geometry)).toThrow(ShapeError);
    expect(() => volumeFromNdarray(ndarray(new Uint8ClampedArray(24), [NI, NJ, NK], [1, NI, NI * NJ]), geometry)).toThrow(InputError);
    expect(() => volumeFromNdarray(ndarray(new Array<number>(24).fill(0), [NI, NJ, NK], [1, NI, NI * NJ]), geometry)).toThrow(InputError);
  });
});

describe('tensorFromNdarray', () => {
  it('a row-major ndarray is a tensor over the same buffer; its type follows the array class', () => {
    const data = new Float32Array(24).map((_, p) => p - 3.5);
    const { tensor, shared } = tensorFromNdarray(ndarray(data, [2, 3, 4]));
    expect(shared).toBe(true);
    expect(tensor).toMatchObject({ type: 'float32', dims: [2, 3, 4] });
    expect(tensor.data).toBe(data);
    const ids = tensorFromNdarray(ndarray(new BigInt64Array([1n, 2n]), [1, 2])).tensor;
    expect(ids.type).toBe('int64');
  });

  it('a transposed view is copied in row-major order of its own shape', () => {
    const nd = ndarray(
      new Float32Array(24).map((_, p) => p),
      [2, 3, 4],
    ).transpose(2, 0, 1); // shape [4, 2, 3]
    const { tensor, shared } = tensorFromNdarray(nd);
    expect(shared).toBe(false);
    expect(tensor.dims).toEqual([4, 2, 3]);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) expect(tensor.data[(a * 2 + b) * 3 + c]).toBe(nd.get(a, b, c));
  });

  it('Uint16Array is float16 bits only when the caller says so; Int16Array has no ONNX tensor type here', () => {
    const bits = new Uint16Array([0x3c00, 0xc000]); // 1.0, -2.0 in IEEE half precision
    expect(() => tensorFromNdarray(ndarray(bits, [2]))).toThrow(InputError);
    expect(tensorFromNdarray(ndarray(bits, [2]), 'float16').tensor).toMatchObject({ type: 'float16', dims: [2] });
    expect(() => tensorFromNdarray(ndarray(new Int16Array(2), [2]))).toThrow(InputError);
  });
});
