/** The user model store: folder resolution, add (graph check, sha256, atomic writes), merge with the bundled manifest. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addModelToStore } from '../../src/runtime/model-store/add-model.js';
import { loadManifestWithStore } from '../../src/manifest/store/load-with-store.js';
import { defaultModelsDir, resolveModelsDir } from '../../src/manifest/store/models-dir.js';
import { createPipeline, createVolume } from '../../src/node.js';

const SEGMENTER = fileURLToPath(new URL('../fixtures/models/tiny-segmenter.onnx', import.meta.url));
const SEGMENTER_SHA = createHash('sha256').update(readFileSync(SEGMENTER)).digest('hex');

function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'bright-blob-seg',
    task: 'segmentation',
    title: 'bright blob',
    datasets: ['bright-blobs'],
    architecture: '1x1x1 conv',
    dimensionality: 3,
    weights: { licence: 'MIT' },
    io: {
      inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, -1, -1, -1], layout: 'NCDHW', axisOrder: 'ijk' }],
      outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 2, -1, -1, -1], layout: 'NCDHW', axisOrder: 'ijk' }],
    },
    preprocess: [
      { op: 'scaleIntensityRange', aMin: 0, aMax: 100, bMin: 0, bMax: 1, clip: true },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ],
    inference: { mode: 'whole' },
    postprocess: [{ op: 'softmax', axis: 1 }, { op: 'argmax' }],
    labels: [
      { name: 'background', value: 0 },
      { name: 'blob', value: 1 },
    ],
    intendedUse: 'tests of the user model store only',
    ...overrides,
  };
}
const DATASETS = {
  'bright-blobs': { name: 'bright blobs', tasks: ['segmentation'], modality: 'synthetic', acquisition: { kind: 'generated', generator: 'test' } },
};

function tempStore(): string {
  return mkdtempSync(join(tmpdir(), 'medinfer-store-'));
}

describe('model store folder', () => {
  it('follows option > MEDINFER_MODELS > platform default', () => {
    expect(defaultModelsDir('linux', {}, '/home/u')).toBe('/home/u/.local/share/medinfer/models');
    expect(defaultModelsDir('linux', { XDG_DATA_HOME: '/data/u' }, '/home/u')).toBe('/data/u/medinfer/models');
    // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
    expect(defaultModelsDir('linux', { XDG_DATA_HOME: 'rel' }, '/home/u')).toBe('/home/u/.local/share/medinfer/models');
    expect(defaultModelsDir('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Application Support/medinfer/models');
    expect(defaultModelsDir('win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\medinfer\\models');
    expect(resolveModelsDir({ env: { MEDINFER_MODELS: 'store' }, cwd: '/srv', platform: 'linux', home: '/h' })).toEqual({ dir: '/srv/store', source: 'env' });
    expect(resolveModelsDir({ modelsDir: '/x', env: { MEDINFER_MODELS: '/y' } })).toEqual({ dir: '/x', source: 'option' });
    expect(resolveModelsDir({ env: {}, platform: 'linux', home: '/h' })).toEqual({ dir: '/h/.local/share/medinfer/models', source: 'default' });
  });

  it('a named folder that does not exist is a typed error; an unset default is an empty store', async () => {
    await expect(loadManifestWithStore({ modelsDir: '/nonexistent-medinfer-store' })).rejects.toMatchObject({
      code: 'E_MODEL_FILE',
      details: { field: 'modelsDir' },
    });
    const empty = await loadManifestWithStore({ env: { MEDINFER_MODELS: join(tempStore(), 'not-yet') } });
    expect(empty.store).toMatchObject({ exists: false, modelIds: [], source: 'env' });
  });
});

describe('addModelToStore', () => {
  it('copies the model with its sha256, writes the entry, and pipelines find it by id', async () => {
    const dir = join(tempStore(), 'new-store');
    const added = await addModelToStore(SEGMENTER, entry(), { modelsDir: dir, datasets: DATASETS });
    expect(added).toMatchObject({ id: 'bright-blob-seg', dir, sha256: SEGMENTER_SHA, bytes: readFileSync(SEGMENTER).length, replaced: false });
    expect(readFileSync(join(dir, 'bright-blob-seg.onnx'))).toEqual(readFileSync(SEGMENTER));
    const stored = JSON.parse(readFileSync(join(dir, 'models.manifest.json'), 'utf8')) as {
      models: Record<string, { files: unknown[]; weights: unknown }>;
      datasets: Record<string, unknown>;
    };
    expect(stored.models['bright-blob-seg']!.files).toEqual([{ role: 'model', path: 'bright-blob-seg.onnx', sha256: SEGMENTER_SHA, bytes: added.bytes }]);
    expect(stored.models['bright-blob-seg']!.weights).toEqual({ licence: 'MIT', kind: 'user' });
    expect(Object.keys(stored.datasets)).toEqual(['bright-blobs']);

    const { manifest, store } = await loadManifestWithStore({ modelsDir: dir });
    expect(store.modelIds).toEqual(['bright-blob-seg']);
    expect(manifest.models['bright-blob-seg']!.base).toBe(dir);
    expect(manifest.models['medinfer-brats-unet3d-phantom']).toBeDefined();

    // 0..100 scaled to 0..1; the model labels > 0.5 -> exactly the voxels above 50.
    const size = [6, 5, 4] as const;
    const data = new Float32Array(6 * 5 * 4).map((_, i) => (i % 3 === 0 ? 80 : 20));
    const pipeline = await createPipeline('segmentation', 'bright-blob-seg', { modelsDir: dir, provider: 'cpu' });
    try {
      const result = await pipeline.run(createVolume({ geometry: { size: [...size] }, data }));
      expect(Array.from(result.labels.data)).toEqual(Array.from(data, (v) => (v > 50 ? 1 : 0)));
      expect(result.provenance.sha256).toBe(SEGMENTER_SHA);
    } finally {
      await pipeline.dispose();
    }

    await expect(addModelToStore(SEGMENTER, entry(), { modelsDir: dir })).rejects.toMatchObject({ code: 'E_MANIFEST', details: { field: 'id' } });
    expect((await addModelToStore(SEGMENTER, entry({ title: 'again' }), { modelsDir: dir, replace: true })).replaced).toBe(true);
  });

  it("refuses every mismatch between the graph and the entry's io with a typed error naming the field", async () => {
    const dir = tempStore();
    const io = (inputs: unknown, outputs?: unknown) => entry({ io: { inputs, outputs: outputs ?? (entry()['io'] as { outputs: unknown }).outputs } });
    const ok = (entry()['io'] as { inputs: Record<string, unknown>[] }).inputs[0]!;
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [io([{ ...ok, name: 'img' }]), 'io.inputs[0].name', /manifest input 'img' is not in the model \(model inputs: image\)/],
      [io([{ ...ok, dtype: 'float16' }]), 'io.inputs[0].dtype', /has dtype float32, manifest expects float16/],
      [io([{ ...ok, dims: [-1, 1, -1, -1] }]), 'io.inputs[0].dims', /has rank 5 .*manifest expects rank 4/],
      [io([ok], [{ name: 'logits', dtype: 'float32', dims: [-1, 3, -1, -1, -1] }]), 'io.outputs[0].dims[1]', /output 'logits' axis 1 is 2, manifest expects 3/],
    ];
    for (const [bad, field, message] of cases) {
      const error = await addModelToStore(SEGMENTER, bad, { modelsDir: dir, datasets: DATASETS }).catch((e: unknown) => e);
      expect(error, field).toMatchObject({ code: 'E_SHAPE', details: { field } });
      expect((error as Error).message).toMatch(message);
    }
    // Nothing was written for a refused model.
    expect(existsSync(join(dir, 'models.manifest.json'))).toBe(false);
  });

  it('refuses entries the manifest would refuse, ids of bundled models and files onnxruntime cannot load', async () => {
    const dir = tempStore();
    await expect(addModelToStore(SEGMENTER, entry({ id: 'medinfer-brats-unet3d-phantom' }), { modelsDir: dir, datasets: DATASETS })).rejects.toMatchObject({
      code: 'E_MANIFEST',
      details: { field: 'models', modelId: 'medinfer-brats-unet3d-phantom' },
    });
    await expect(addModelToStore(SEGMENTER, entry(), { modelsDir: dir })).rejects.toMatchObject({
      code: 'E_MANIFEST',
      details: { field: 'datasets', received: 'bright-blobs' },
    });
    await expect(addModelToStore(SEGMENTER, entry({ id: 'Bad Id' }), { modelsDir: dir })).rejects.toMatchObject({
      code: 'E_MANIFEST',
      details: { field: 'id' },
    });
    await expect(addModelToStore(SEGMENTER, entry({ preprocess: [{ op: 'noSuchStep' }] }), { modelsDir: dir, datasets: DATASETS })).rejects.toMatchObject({
      code: 'E_MANIFEST',
    });
    // A catalogue dataset repeated in the store must say the same (key order does not matter).
    const { readManifestFile } = await import('../../src/node.js');
    const { id: _id, ...spleen } = (await readManifestFile()).datasets['msd-spleen']!;
    const reordered = Object.fromEntries(Object.entries(spleen).reverse());
    await expect(
      addModelToStore(SEGMENTER, entry({ id: 'same-dataset', datasets: ['msd-spleen'] }), { modelsDir: dir, datasets: { 'msd-spleen': reordered } }),
    ).resolves.toMatchObject({ id: 'same-dataset' });
    await expect(
      addModelToStore(SEGMENTER, entry({ id: 'other-dataset', datasets: ['msd-spleen'] }), {
        modelsDir: dir,
        datasets: { 'msd-spleen': { ...spleen, name: 'another' } },
      }),
    ).rejects.toMatchObject({ code: 'E_MANIFEST', details: { field: 'datasets', received: 'msd-spleen' } });
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not an onnx graph');
    await expect(addModelToStore(junk, entry(), { modelsDir: dir, datasets: DATASETS })).rejects.toMatchObject({
      code: 'E_MODEL_FILE',
      details: { file: junk },
    });
    await expect(addModelToStore(join(dir, 'missing.onnx'), entry(), { modelsDir: dir, datasets: DATASETS })).rejects.toMatchObject({ code: 'E_MODEL_FILE' });
    // Only the accepted model is in the store.
    expect(Object.keys((JSON.parse(readFileSync(join(dir, 'models.manifest.json'), 'utf8')) as { models: object }).models)).toEqual(['same-dataset']);
  });
});
