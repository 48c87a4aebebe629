/**
 * The wasm memory check of the browser backend (wasm-memory.ts, memory-estimate.ts, onnx-graph.ts)
 * on the bundled brainchop graphs. Expected peaks are worked out by hand from the architectures
 * (models/brainchop/README.md: MeshNet chains of 3^3 convolutions at stride 1 with 'same' padding,
 * so every tensor has the input's D x H x W): the worst node of a chain is the one whose input and
 * output are both alive, e.g. the 1x1x1 output convolution of model30chan50cls (30 channels in,
 * 50 out). The real-Chromium refusal is test/browser/wasm-memory.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../src/core/errors.js';
import { estimateRunMemory, type RunMemoryEstimate } from '../../src/runtime/memory-estimate.js';
import { readOnnxGraph } from '../../src/runtime/onnx-graph.js';
import { WASM32_HEAP_BYTES, isWasmOutOfMemory, refuseOversizedWasmRun, wasmOutOfMemoryError } from '../../src/runtime/wasm-memory.js';
import type { TensorMap } from '../../src/core/tensor.js';

const graph = (file: string) => readOnnxGraph(new Uint8Array(readFileSync(file)), file);
const estimate = (file: string, dims: number[]) => estimateRunMemory(graph(file), { [graph(file).inputs[0]!.name]: dims }) as RunMemoryEstimate;
const feedsOf = (dims: number[]): TensorMap => ({ input: { type: 'float32', dims, data: new Float32Array(0) } });

describe('ONNX graph reader', () => {
  it('reads the aparc-aseg-50 MeshNet: 10 Conv, 9 Elu, Identity; weights [out, in, 3, 3, 3]; dilations; symbolic io', () => {
    const g = graph('models/brainchop/model30chan50cls.onnx');
    const count = (op: string) => g.nodes.filter((n) => n.op === op).length;
    expect([count('Conv'), count('Elu'), count('Identity'), g.nodes.length]).toEqual([10, 9, 1, 20]);
    expect(g.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['N', 1, 'D', 'H', 'W'] }]);
    expect(g.outputs).toEqual([{ name: 'logits', elemType: 1, dims: ['N', 50, 'D', 'H', 'W'] }]);
    const convs = g.nodes.filter((n) => n.op === 'Conv');
    expect(g.initializers.get(convs[0]!.inputs[1]!)?.dims).toEqual([30, 1, 3, 3, 3]);
    expect(g.initializers.get(convs[9]!.inputs[1]!)?.dims).toEqual([50, 30, 1, 1, 1]);
    expect(convs.map((n) => (n.attrs.get('dilations') as number[])[0])).toEqual([1, 2, 4, 8, 16, 8, 4, 2, 1, 1]);
  });

  it('names the file when the bytes are not a model', () => {
    expect(() => readOnnxGraph(new Uint8Array([0x3a, 0xff, 0xff, 0xff, 0x0f]), 'x.onnx')).toThrow(/x\.onnx: not a readable ONNX model/);
    expect(() => readOnnxGraph(new Uint8Array([0x08, 0x07]), 'y.onnx')).toThrow(/y\.onnx: not an ONNX model \(no graph field\)/);
  });
});

describe('run memory estimate (float32, bytes)', () => {
  it('aparc-aseg-50: peak at the output convolution, 30 + 50 channels of the crop', () => {
    const v = 133 * 144 * 181; // the real T1's crop (BENCHMARKS.md, brainchop in Node)
    const e = estimate('models/brainchop/model30chan50cls.onnx', [1, 1, 133, 144, 181]);
    expect(e.peakBytes).toBe((30 + 50) * 4 * v);
    expect(e.atNode).toBe('Conv output/conv_19');
    expect(e.largestTensor.bytes).toBe(50 * 4 * v);
    expect(e.weightBytes).toBe(4 * (30 * 27 + 30 + 8 * (30 * 30 * 27 + 30) + 50 * 30 + 50));
  });

  it('mindgrab: peak at the first InstanceNormalization (15 channels in and out), GELU counted in place', () => {
    const v = 204 * 202 * 252;
    const e = estimate('models/brainchop/mindgrab.onnx', [1, 1, 204, 202, 252]);
    expect(e.peakBytes).toBe(2 * 15 * 4 * v);
    expect(e.atNode).toMatch(/^InstanceNormalization /);
  });

  it('tissue (5 channels) on the whole 256^3 volume: 5 + 5 channels', () => {
    expect(estimate('models/brainchop/model5_gw_ae.onnx', [1, 1, 256, 256, 256]).peakBytes).toBe(10 * 4 * 256 ** 3);
  });

  it('a graph with an op it has no rule for gives no estimate, and says which node', () => {
    const g = graph('models/brats-unet3d-phantom.onnx');
    expect(estimateRunMemory(g, { image: [1, 4, 64, 64, 48] })).toEqual({ unknownReason: expect.stringMatching(/^Constant node .*: /) });
  });
});

describe('wasm32 refusal', () => {
  const file = 'models/brainchop/model30chan50cls.onnx';
  it('aparc-aseg-50 on a whole 256^3 volume: LimitError naming the model, the estimate, the limit and what to use instead', () => {
    const dims = [1, 1, 256, 256, 256];
    const e = estimate(file, dims);
    let error: unknown;
    try {
      refuseOversizedWasmRun('brainchop-aparc-aseg-50', 791888, e, feedsOf(dims));
    } catch (x) {
      error = x;
    }
    expect(error).toBeInstanceOf(LimitError);
    const err = error as LimitError;
    expect(err.message).toMatch(/^model 'brainchop-aparc-aseg-50' needs an estimated 5122 MiB of wasm memory for this input \(input 1x1x256x256x256;/);
    expect(err.message).toMatch(/wasm32 limit of 4096 MiB; nothing was run\. Run it in Node .* WebGPU .*\(output\/conv_19, 3200 MiB\)/);
    expect(err.details).toMatchObject({
      modelId: 'brainchop-aparc-aseg-50',
      limitBytes: WASM32_HEAP_BYTES,
      estimatedBytes: e.peakBytes + e.weightBytes + 791888,
    });
  });

  it('the real T1 crop fits and passes', () => {
    const dims = [1, 1, 133, 144, 181];
    expect(() => refuseOversizedWasmRun('brainchop-aparc-aseg-50', 791888, estimate(file, dims), feedsOf(dims))).not.toThrow();
  });

  it("ORT's own out-of-memory error (as onnxruntime-web 1.30 words it) becomes a LimitError with the model and cause", () => {
    // Observed from onnxruntime-web's wasm build (Node) running the BraTS U-Net on 4x320^3.
    const ort = new Error('failed to call OrtRun(). ERROR_CODE: 6, ERROR_MESSAGE: std::bad_alloc');
    expect(isWasmOutOfMemory(ort)).toBe(true);
    expect(isWasmOutOfMemory(new Error('failed to call OrtRun(). ERROR_CODE: 2, ERROR_MESSAGE: invalid dims'))).toBe(false);
    const err = wasmOutOfMemoryError('brats', 100, undefined, { image: { type: 'float32', dims: [1, 4, 320, 320, 320], data: new Float32Array(0) } }, ort);
    expect(err).toBeInstanceOf(LimitError);
    expect(err.message).toMatch(/^model 'brats' ran out of wasm memory on this input \(image 1x4x320x320x320; .*4096 MiB, shared by every session/);
    expect(err.cause).toBe(ort);
  });
});
