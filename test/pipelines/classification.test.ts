import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelSession, createVolume, InputError, ManifestError, ModelFileError, type Manifest, type Volume } from '../../src/index.js';
import { createNodeBackend, createPipeline, readManifestFile } from '../../src/node.js';
import { TINY_MODEL_PATH } from '../helpers/tiny-model.js';
import { writeTinyManifest } from '../helpers/tiny-manifest.js';

/** A 32x32 radiograph-like test image (deterministic pattern). */
function image(seed: number, modality = 'CR'): Volume {
  const data = new Float32Array(32 * 32);
  for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) data[j * 32 + i] = Math.sin(i * 0.3 + seed) * Math.cos(j * 0.2 - seed) + (i + j) / 64;
  return createVolume({ geometry: { size: [32, 32, 1], spacing: [0.5, 0.5, 1] }, data, meta: { modality, source: `img${seed}` } });
}

/** Bilinear 2x downsampling with align_corners=False samples exactly between pixel pairs: 2x2 means. */
function blockMeans(v: Volume): Float32Array {
  const out = new Float32Array(256);
  for (let j = 0; j < 16; j++)
    for (let i = 0; i < 16; i++) {
      const d = v.data;
      out[j * 16 + i] = (d[2 * j * 32 + 2 * i]! + d[2 * j * 32 + 2 * i + 1]! + d[(2 * j + 1) * 32 + 2 * i]! + d[(2 * j + 1) * 32 + 2 * i + 1]!) / 4;
    }
  return out;
}

let manifestPath: string;
let manifest: Manifest;
beforeAll(async () => {
  manifestPath = writeTinyManifest();
  manifest = await readManifestFile(manifestPath);
});
afterAll(() => rmSync(dirname(manifestPath), { recursive: true, force: true }));

describe('classification pipeline', () => {
  it('runs the declared plan and scores; logits equal a bare session on an independently prepared tensor', async () => {
    const pipe = await createPipeline('classification', 'tiny-cxr', { manifest, provider: 'cpu' });
    const img = image(1);
    const result = await pipe.run(img);
    const bare = await createModelSession(createNodeBackend(), { path: TINY_MODEL_PATH }, { provider: 'cpu' });
    const expected = (await bare.run({ image: { type: 'float32', dims: [1, 1, 16, 16], data: blockMeans(img) } })).logits!.data as Float32Array;
    for (let k = 0; k < 3; k++) expect(result.logits[k]).toBeCloseTo(expected[k]!, 5);
    expect(result.labels.map((l) => l.name)).toEqual(['a', 'b', 'c']);
    result.labels.forEach((l, k) => {
      expect(l.score).toBeCloseTo(1 / (1 + Math.exp(-expected[k]!)), 5);
      expect(l.positive).toBe(l.score >= 0.5);
    });
    expect(result.provenance).toMatchObject({ modelId: 'tiny-cxr', task: 'classification', provider: { used: 'cpu' }, inputs: ['img1'] });
    expect(result.provenance.preprocessing[0]!.map((r) => r.op)).toEqual(['resize', 'toTensor']);
    await bare.dispose();
    await pipe.dispose();
  });

  it('batches inputs into one tensor with results identical to single runs', async () => {
    const pipe = await createPipeline('classification', 'tiny-cxr', { manifest, provider: 'cpu' });
    const inputs = [image(1), image(2), image(3)];
    const batch = await pipe.runBatch(inputs);
    for (const [k, input] of inputs.entries()) {
      const single = await pipe.run(input);
      for (let c = 0; c < 3; c++) expect(batch[k]!.logits[c]).toBeCloseTo(single.logits[c]!, 5);
      expect(batch[k]!.provenance.inputs).toEqual([`img${k + 1}`]);
    }
    await pipe.dispose();
  });

  it('computes an occlusion map on the input grid', async () => {
    const pipe = await createPipeline('classification', 'tiny-cxr', { manifest, provider: 'cpu' });
    const r = await pipe.run(image(4), { explain: { window: 4, stride: 2, batch: 8, labels: ['a', 'c'] } });
    const map = r.explanation!;
    expect(map.labels).toEqual(['a', 'c']);
    expect(map.volume.geometry.size).toEqual([32, 32, 1]);
    expect(map.volume.geometry.spacing).toEqual([0.5, 0.5, 1]);
    expect(map.volume.frames).toBe(2);
    let nonZero = 0;
    for (const v of map.volume.data) if (Math.abs(v) > 1e-6) nonZero++;
    expect(nonZero).toBeGreaterThan(100);
    await pipe.dispose();
  });

  it('gives typed errors for wrong dimensionality, modality and task, naming model and input', async () => {
    const pipe = await createPipeline('classification', 'tiny-cxr', { manifest, provider: 'cpu' });
    const vol3d = createVolume({ geometry: { size: [8, 8, 4] }, data: new Float32Array(256), meta: { source: 'ct.nii' } });
    await expect(pipe.run(vol3d)).rejects.toThrow(InputError);
    await expect(pipe.run(vol3d)).rejects.toThrow(/tiny-cxr.*ct\.nii is a 8x8x4 volume/);
    await expect(pipe.run(image(1, 'MR'))).rejects.toThrow(/expects CR\/DX images; img1 is MR/);
    await pipe.dispose();
  });

  it('refuses a model of another task and a missing model file', async () => {
    const segManifest = await readManifestFile();
    await expect(createPipeline('classification', 'monai-spleen-ct-segmentation', { manifest: segManifest })).rejects.toThrow(ManifestError);
    const broken = await readManifestFile(writeTinyManifest({ files: [{ role: 'model', path: 'models/absent.onnx', sha256: '0'.repeat(64) }] }));
    const error = await createPipeline('classification', 'tiny-cxr', { manifest: broken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).details.file).toBe(join(broken.base!, 'models/absent.onnx'));
  });
});
