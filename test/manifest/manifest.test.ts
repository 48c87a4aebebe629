import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getModelEntry, labelNames, ManifestError, MANIFEST_SCHEMA, parseManifest } from '../../src/index.js';
import { resolveModelFileLocation } from '../../src/runtime/open-model.js';
import { loadManifestWithStore, readManifestFile } from '../../src/node.js';

const raw = JSON.parse(readFileSync(new URL('../../models.manifest.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const clone = (): Record<string, any> => structuredClone(raw) as Record<string, any>;

describe('bundled manifest', () => {
  it('validates and loads with bundled files resolved from the package root, converted external weights from the model store', async () => {
    const m = await readManifestFile();
    const tiny = getModelEntry(m, 'medinfer-cxr-densenet-phantom');
    expect(resolveModelFileLocation(m, tiny.files[0]!)).toBe(`${m.base}/models/cxr-densenet-phantom.onnx`);
    // External weights are the user's conversions: they live in the store, not in the package (lost on reinstall).
    const { manifest, store } = await loadManifestWithStore({ env: { MEDINFER_MODELS: '/srv/medinfer-store' } });
    const xrv = getModelEntry(manifest, 'xrv-densenet121-res224-all');
    expect(resolveModelFileLocation(manifest, xrv.files[0]!, xrv)).toBe('/srv/medinfer-store/xrv-densenet121-res224-all.onnx');
    expect(store).toMatchObject({ dir: '/srv/medinfer-store', source: 'env', exists: false });
    expect(resolveModelFileLocation(manifest, tiny.files[0]!, getModelEntry(manifest, tiny.id))).toBe(`${m.base}/models/cxr-densenet-phantom.onnx`);
  });

  it('keeps the committed JSON Schema identical to the one the loader uses', () => {
    const committed = JSON.parse(readFileSync(new URL('../../models.manifest.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(MANIFEST_SCHEMA)));
  });

  it('catalogues every dataset of the survey tables and the five flagship datasets', () => {
    const m = parseManifest(raw);
    const ids = Object.keys(m.datasets);
    const survey = [
      'bci-iv-2a',
      'imagenet',
      'messidor',
      'bioimaging2015-histopathology',
      'tcia-rider',
      'tcia-rembrandt',
      'brain-1',
      'tcga-lgg',
      'mendeley-chest-xray-pneumonia',
      'isic-2018',
      'covid19-set-1',
      'covid19-set-2',
      'covid19-set-3',
      'covid19-set-4',
      'pneumonia-2020',
      'pad-ufes-20',
      'kaggle-skin-cancer',
      'chaoyang',
      'kaggle-brain-tumor-mri-1',
      'kaggle-brain-tumor-mri-2',
      'ct-arteries',
      'isles',
      'acdc',
      'isic-2017',
      'mscmrseg',
      'wmh',
      'synapse-multi-organ',
      'brain-2',
      'oasis',
      'brain-3',
      'brain-4',
      'abdominal-ct',
      'lidc-idri',
      'lits',
      'busi',
      'carotid-us',
    ];
    for (const id of [...survey, 'chexpert', 'luna16', 'brats', 'dir-lab', 'mimic-cxr', 'i2b2-n2c2']) expect(ids).toContain(id);
    expect(
      Object.values(m.datasets)
        .filter((d) => d.flagship)
        .map((d) => d.id)
        .sort(),
    ).toEqual(['brats', 'chexpert', 'dir-lab', 'i2b2-n2c2', 'luna16', 'mimic-cxr']);
    expect(m.datasets['covid19-set-2']!.acquisition.link).toBe('https://data.mendeley.com/datasets/8h65ywd2jr/3');
    expect(m.datasets['messidor']!.acquisition.kind).toBe('not-publicly-linked');
  });

  it('records the public models as the reference documents feed and read them', () => {
    const m = parseManifest(raw);
    for (const id of [
      'xrv-densenet121-res224-all',
      'xrv-densenet121-res224-chex',
      'monai-brats-mri-segmentation',
      'monai-spleen-ct-segmentation',
      'monai-lung-nodule-ct-detection',
      'voxelmorph-vxm-dense',
    ]) {
      const e = getModelEntry(m, id);
      expect(e.weights.kind).toBe('external');
      expect(e.intendedUse.length).toBeGreaterThan(20);
    }
    const xrv = getModelEntry(m, 'xrv-densenet121-res224-all');
    expect(labelNames(xrv)).toHaveLength(18);
    expect(labelNames(xrv)[10]).toBe('Cardiomegaly');
    expect(xrv.postprocess[1]).toMatchObject({ op: 'opNorm' });
    const chex = getModelEntry(m, 'xrv-densenet121-res224-chex');
    expect(labelNames(chex).filter((l) => l === '')).toHaveLength(7);
    expect((chex.postprocess[1] as { thresholds: (number | null)[] }).thresholds[2]).toBeNull();
    const brats = getModelEntry(m, 'monai-brats-mri-segmentation');
    expect(brats.io.inputs[0]!.channels).toEqual(['t1c', 't1', 't2', 'flair']);
    expect(brats.inference).toMatchObject({ mode: 'slidingWindow', roi: [240, 240, 160], overlap: 0.5 });
    const spleen = getModelEntry(m, 'monai-spleen-ct-segmentation');
    expect(spleen.preprocess[1]).toMatchObject({ op: 'resample', spacing: [1.5, 1.5, 2.0] });
    const luna = getModelEntry(m, 'monai-lung-nodule-ct-detection');
    expect(luna.postprocess[0]).toMatchObject({ op: 'nms', iou: 0.22, scoreThreshold: 0.02, maxDetections: 300 });
  });
});

describe('manifest validation errors', () => {
  it('requires intendedUse on every model', () => {
    const m = clone();
    delete m.models['monai-spleen-ct-segmentation'].intendedUse;
    expect(() => parseManifest(m)).toThrow(/monai-spleen-ct-segmentation must have required property 'intendedUse'/);
  });

  it('rejects references to unknown datasets', () => {
    const m = clone();
    m.models['voxelmorph-vxm-dense'].datasets = ['no-such-dataset'];
    expect(() => parseManifest(m)).toThrow(/dataset 'no-such-dataset' is not in the manifest's dataset catalogue/);
  });

  it('rejects malformed checksums, unknown tasks and path traversal', () => {
    const a = clone();
    a.models['voxelmorph-vxm-dense'].files[0].sha256 = 'xyz';
    expect(() => parseManifest(a)).toThrow(ManifestError);
    const b = clone();
    b.models['voxelmorph-vxm-dense'].task = 'dreaming';
    expect(() => parseManifest(b)).toThrow(/task must be equal to one of the allowed values/);
    const c = clone();
    c.models['voxelmorph-vxm-dense'].files[0].path = '../../etc/passwd';
    expect(() => parseManifest(c)).toThrow(/must be relative to the manifest and stay inside it/);
  });

  it('requires a source and a conversion script for external weights, and sha256 for bundled files', () => {
    const a = clone();
    delete a.models['voxelmorph-vxm-dense'].weights.convertScript;
    expect(() => parseManifest(a)).toThrow(/external weights need 'source'/);
    const b = clone();
    b.models['voxelmorph-vxm-dense'].weights = { kind: 'bundled' };
    expect(() => parseManifest(b)).toThrow(/bundled file .* has no sha256/);
  });

  it('runs registered step validators and keeps their message', () => {
    expect(() =>
      parseManifest(raw, {
        validatePreprocess: (steps, ctx) => {
          if (ctx.modelId === 'monai-spleen-ct-segmentation') throw new ManifestError(`${ctx.modelId}: ${ctx.list}[1] '${steps[1]!.op}': bad field`);
        },
      }),
    ).toThrow(/monai-spleen-ct-segmentation: preprocess\[1\] 'resample': bad field/);
  });
});

describe('manifest step validation (preprocess / postprocess modules)', () => {
  it('rejects an unknown preprocess op naming the model, list and step', () => {
    const m = clone();
    m.models['monai-spleen-ct-segmentation'].preprocess[1] = { op: 'resampel', spacing: [1, 1, 1] };
    expect(() => parseManifest(m)).toThrow(/model 'monai-spleen-ct-segmentation' preprocess: .*resampel/);
  });

  it('rejects a bad postprocess parameter naming the field', () => {
    const m = clone();
    m.models['monai-lung-nodule-ct-detection'].postprocess[0].iou = 3;
    expect(() => parseManifest(m)).toThrow(/model 'monai-lung-nodule-ct-detection' postprocess: .*iou/);
  });
});
