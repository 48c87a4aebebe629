/**
 * An entry's pre-model gets its own session without ONNX Runtime's CPU memory arena (the arena
 * would keep the pre-model's whole-volume activations while the main network runs), and that
 * choice reaches onnxruntime-node as enableCpuMemArena = false. The main network keeps the
 * default. Real onnxruntime-node sessions of the bundled brainchop models; nothing is run.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createPipeline, createNodeBackend, readManifestFile } from '../../src/node.js';
import type { BackendSessionOptions, RuntimeBackend } from '../../src/runtime/backend.js';

describe('pre-model session options', () => {
  it('the pre-model opens without the CPU arena, the main model with the default', async () => {
    const real = createNodeBackend();
    const seen: { bytes: number; options: BackendSessionOptions }[] = [];
    const backend: RuntimeBackend = {
      ...real,
      unavailableReason: real.unavailableReason.bind(real),
      loadModelBytes: real.loadModelBytes.bind(real),
      async createSession(model, provider, options) {
        seen.push({ bytes: model.byteLength, options });
        return real.createSession(model, provider, options);
      },
    };
    // What the Node backend hands onnxruntime-node for these options.
    const created: ort.InferenceSession.SessionOptions[] = [];
    const create = ort.InferenceSession.create;
    (ort.InferenceSession as { create: unknown }).create = (model: Uint8Array, so: ort.InferenceSession.SessionOptions) => {
      created.push(so);
      return create(model, so);
    };
    try {
      const manifest = await readManifestFile();
      const pipe = await createPipeline('segmentation', 'brainchop-aparc-aseg-50', { manifest, provider: 'cpu', threads: 1, backend });
      await pipe.dispose();
    } finally {
      (ort.InferenceSession as { create: unknown }).create = create;
    }
    // model30chan50cls.onnx (791888 bytes) is the entry, model5_gw_ae.onnx (25318 bytes) its pre-model.
    expect(seen.map((s) => [s.bytes, s.options.memoryArena])).toEqual([
      [791888, undefined],
      [25318, false],
    ]);
    expect(created.map((so) => so.enableCpuMemArena)).toEqual([undefined, false]);
  });
});
