import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createModelSession, IntegrityError, ModelFileError, ProviderError, SessionCache, ShapeError, type ModelSession } from '../../src/index.js';
import { checkOutputValues } from '../../src/runtime/model-session.js';
import { createNodeBackend } from '../../src/node.js';
import { maxAbsDiff, TINY_GOLDEN, TINY_IO, TINY_MODEL_PATH, TINY_MODEL_SHA256, tinyInput } from '../helpers/tiny-model.js';

const backend = createNodeBackend();
const opened: ModelSession[] = [];
afterAll(async () => {
  for (const s of opened) await s.dispose();
});

async function open(...args: Parameters<typeof createModelSession> extends [unknown, ...infer R] ? R : never) {
  const s = await createModelSession(backend, ...args);
  opened.push(s);
  return s;
}

describe('model session on onnxruntime-node CPU', () => {
  it('reproduces the torch golden outputs within 1e-5 and reports the provider', async () => {
    const s = await open({ path: TINY_MODEL_PATH }, { provider: 'cpu', sha256: TINY_MODEL_SHA256, io: TINY_IO, modelId: 'tiny' });
    const out = await s.run({ image: tinyInput() });
    const logits = out.logits!;
    expect(logits.dims).toEqual(TINY_GOLDEN.output.dims);
    expect(maxAbsDiff(logits.data as Float32Array, TINY_GOLDEN.output.values)).toBeLessThan(1e-5);
    expect(s.provider).toEqual({ requested: ['cpu'], used: 'cpu', dropped: [] });
    expect(s.sha256).toBe(TINY_MODEL_SHA256);
    expect(s.inputNames).toEqual(['image']);
  });

  it('runs a feed on shared memory (the threaded kernels hand outputs over on a SharedArrayBuffer)', async () => {
    const s = await open({ path: TINY_MODEL_PATH }, { provider: 'cpu', modelId: 'tiny' });
    const input = tinyInput();
    const shared = new Float32Array(new SharedArrayBuffer(input.data.byteLength));
    shared.set(input.data as Float32Array);
    const fromShared = (await s.run({ image: { ...input, data: shared } })).logits!.data as Float32Array;
    expect(maxAbsDiff(fromShared, TINY_GOLDEN.output.values)).toBeLessThan(1e-5);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('loads the same model from bytes and from a file URL', async () => {
    const bytes = new Uint8Array(readFileSync(TINY_MODEL_PATH));
    const a = await open({ bytes }, { provider: 'cpu' });
    const b = await open({ url: pathToFileURL(TINY_MODEL_PATH).href }, { provider: 'cpu' });
    const ya = (await a.run({ image: tinyInput() })).logits!.data as Float32Array;
    const yb = (await b.run({ image: tinyInput() })).logits!.data as Float32Array;
    expect(maxAbsDiff(ya, yb)).toBe(0);
    expect(a.sha256).toBe(TINY_MODEL_SHA256);
  });

  it('refuses a checksum mismatch before creating a session', async () => {
    const wrong = '0'.repeat(64);
    const error = await createModelSession(backend, { path: TINY_MODEL_PATH }, { sha256: wrong, modelId: 'tiny' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).message).toContain(TINY_MODEL_SHA256);
    expect((error as IntegrityError).details).toMatchObject({ expected: wrong, actual: TINY_MODEL_SHA256, modelId: 'tiny' });
  });

  it('reports a missing model file with a typed error naming the file', async () => {
    const error = await createModelSession(backend, { path: '/nonexistent/model.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).details.file).toBe('/nonexistent/model.onnx');
  });

  it('checks the model I/O against the manifest at creation, naming expected and actual', async () => {
    const wrongDims = { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 3, 16, 16] }], outputs: TINY_IO.outputs };
    await expect(createModelSession(backend, { path: TINY_MODEL_PATH }, { io: wrongDims, modelId: 'tiny' })).rejects.toThrow(/axis 1 is 1, manifest expects 3/);
    const wrongName = { inputs: [{ name: 'pixels', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: TINY_IO.outputs };
    await expect(createModelSession(backend, { path: TINY_MODEL_PATH }, { io: wrongName, modelId: 'tiny' })).rejects.toThrow(
      /'pixels' is not in the model \(model inputs: image\)/,
    );
    const wrongType = { inputs: TINY_IO.inputs, outputs: [{ name: 'logits', dtype: 'int64', dims: [-1, 3] }] };
    await expect(createModelSession(backend, { path: TINY_MODEL_PATH }, { io: wrongType, modelId: 'tiny' })).rejects.toBeInstanceOf(ShapeError);
  });

  it('checks feeds before running', async () => {
    const s = await open({ path: TINY_MODEL_PATH }, { provider: 'cpu', io: TINY_IO, modelId: 'tiny' });
    await expect(s.run({ image: { type: 'float32', dims: [1, 1, 8, 8], data: new Float32Array(64) } })).rejects.toThrow(
      /shape \[1, 1, 8, 8\], expected \[\?, 1, 16, 16\]/,
    );
    await expect(s.run({})).rejects.toThrow(/missing input 'image'/);
    // A strided view (ModelTensor.strides: the 16x16 image read transposed) would run scrambled.
    const view = { ...tinyInput(), strides: [256, 256, 1, 16] };
    await expect(s.run({ image: view })).rejects.toThrow(/input 'image' is a strided tensor view/);
  });

  it('gives a typed provider error for CUDA without its libraries, and a reported fallback when allowed', async () => {
    const error = await createModelSession(backend, { path: TINY_MODEL_PATH }, { provider: 'cuda', modelId: 'tiny' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).provider).toBe('cuda');
    expect((error as ProviderError).message).toMatch(/cuda: CUDA provider libraries are not installed/);
    const s = await open({ path: TINY_MODEL_PATH }, { provider: 'cuda', allowFallback: true, modelId: 'tiny' });
    expect(s.provider.used).toBe('cpu');
    expect(s.provider.dropped).toHaveLength(1);
    expect(s.provider.dropped[0]).toMatchObject({ provider: 'cuda', reason: expect.stringMatching(/onnxruntime-node-install=cuda12/) });
    const auto = await open({ path: TINY_MODEL_PATH }, { provider: 'auto' });
    expect(auto.provider).toMatchObject({ requested: ['cuda', 'cpu'], used: 'cpu' });
  });

  it("refuses 'wasm' in Node with a reason", async () => {
    await expect(createModelSession(backend, { path: TINY_MODEL_PATH }, { provider: 'wasm' })).rejects.toThrow(/wasm.*browser provider/);
  });

  it('reports all-zero and non-finite outputs as provider failures', () => {
    const info = { modelId: 'm', report: { used: 'webgpu' as const } };
    expect(() => checkOutputValues({ y: { type: 'float32', dims: [3], data: new Float32Array(3) } }, info, true)).toThrow(/all zeros on provider webgpu/);
    expect(() => checkOutputValues({ y: { type: 'float32', dims: [2], data: new Float32Array([1, NaN]) } }, info, false)).toThrow(ProviderError);
    expect(() => checkOutputValues({ y: { type: 'float32', dims: [2], data: new Float32Array([0, 0.5]) } }, info, true)).not.toThrow();
  });

  it('caches sessions per model and provider, and disposes them', async () => {
    const cache = new SessionCache();
    let created = 0;
    const make = async () => {
      created++;
      return createModelSession(backend, { path: TINY_MODEL_PATH }, { provider: 'cpu' });
    };
    const [a, b] = await Promise.all([cache.get('k', make), cache.get('k', make)]);
    expect(a).toBe(b);
    expect(created).toBe(1);
    await cache.disposeAll();
    expect(a.disposed).toBe(true);
    await expect(a.run({ image: tinyInput() })).rejects.toThrow(/disposed/);
    const c = await cache.get('k', make);
    expect(c).not.toBe(a);
    expect(created).toBe(2);
    await cache.disposeAll();
  });
});
