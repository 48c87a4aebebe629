/**
 * The MONAI importer on the real configs of five model-zoo bundles (test/fixtures/monai-bundles,
 * SOURCES.md): the entries it writes equal the project's hand-written entries where they exist
 * (spleen, BraTS, lung nodule detection), and carry the configs' own values for the others.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importMonaiBundle } from '../../../src/manifest/monai/import-bundle.js';
import { parseManifest } from '../../../src/manifest/load.js';
import { readManifestFile } from '../../../src/node.js';
import type { Manifest, ModelEntry } from '../../../src/manifest/types.js';

const BUNDLES = fileURLToPath(new URL('../../fixtures/monai-bundles/', import.meta.url));
const bundled: Manifest = await readManifestFile();

function imported(bundle: string, overrides: Record<string, unknown> = {}, classNames?: string[]) {
  return importMonaiBundle(join(BUNDLES, bundle), { datasets: bundled.datasets, overrides, ...(classNames ? { classNames } : {}) });
}

/** The imported entry loads as a manifest entry (schema, steps, datasets). */
function load(entry: Record<string, unknown> & { id: string }, datasetEntries: Record<string, unknown>): ModelEntry {
  const { id, ...rest } = entry;
  const datasets: Record<string, unknown> = {};
  for (const d of Object.values(bundled.datasets)) {
    const { id: _i, ...raw } = d;
    datasets[d.id] = raw;
  }
  const m = parseManifest({
    manifestVersion: 1,
    datasets: { ...datasets, ...datasetEntries },
    models: {
      [id]: { ...rest, files: [{ role: 'model', path: `${id}.onnx`, sha256: '0'.repeat(64) }], weights: { ...(rest['weights'] as object), kind: 'user' } },
    },
  });
  return m.models[id]!;
}

/** io without free-text descriptions (the hand-written ones are prose). */
function ioShape(entry: Pick<ModelEntry, 'io'>, dropOutputChannels = false) {
  const strip = (t: Record<string, unknown>, channels: boolean) => {
    const { description: _d, channels: c, ...rest } = t;
    return channels && c !== undefined ? { ...rest, channels: c } : rest;
  };
  return { inputs: entry.io.inputs.map((t) => strip({ ...t }, true)), outputs: entry.io.outputs.map((t) => strip({ ...t }, !dropOutputChannels)) };
}

function labelValues(entry: Pick<ModelEntry, 'labels'>) {
  return entry.labels.map((l, i) => (typeof l === 'string' ? l : { name: l.name, value: l.value ?? i }));
}

describe('MONAI bundle import vs the hand-written entries', () => {
  it('spleen_ct_segmentation: the same entry as monai-spleen-ct-segmentation', () => {
    const r = imported('spleen_ct_segmentation');
    const e = load(r.entry, r.datasetEntries);
    const hand = bundled.models['monai-spleen-ct-segmentation']!;
    expect(e.id).toBe(hand.id);
    expect(e.datasets).toEqual(hand.datasets);
    expect(e.architecture).toBe(hand.architecture);
    expect(e.modality).toEqual(hand.modality);
    expect(e.space).toEqual(hand.space);
    expect(e.preprocess).toEqual(hand.preprocess);
    expect(e.inference).toEqual(hand.inference);
    expect(e.postprocess).toEqual(hand.postprocess);
    expect(ioShape(e)).toEqual(ioShape(hand));
    // Names and values; the hand-written entry adds colours and SNOMED codes no bundle carries.
    expect(labelValues(e)).toEqual(labelValues(hand));
    expect(e.metrics?.['mean_dice']?.value).toBe(hand.metrics?.['mean_dice']?.value);
    expect(r.notes).toEqual(['postprocessing[3] SaveImaged: no step (the SDK writes its own outputs)']);
  });

  it('brats_mri_segmentation: stacked channels, nonzero channel-wise z-score, sigmoid regions -> BraTS labels 1 / 2 / 4', () => {
    const r = imported('brats_mri_segmentation');
    const e = load(r.entry, r.datasetEntries);
    const hand = bundled.models['monai-brats-mri-segmentation']!;
    expect([e.id, e.datasets, e.modality, e.space, e.inputs]).toEqual([hand.id, hand.datasets, hand.modality, hand.space, hand.inputs]);
    expect(e.preprocess).toEqual(hand.preprocess);
    expect(e.inference).toEqual(hand.inference);
    // The Lambdad's nested torch.where (ET wins, then TC, then WT) as the SDK's ordered regions.
    expect(e.postprocess).toEqual(hand.postprocess);
    // Output channel names: the bundle says "Tumor core", the hand-written entry "TC".
    expect(ioShape(e, true)).toEqual(ioShape(hand, true));
    expect(e.io.outputs[0]!.channels).toEqual(['Tumor core', 'Whole tumor', 'Enhancing tumor']);
    expect(e.labels.map((l) => (typeof l === 'string' ? l : l.value))).toEqual(hand.labels.map((l) => (typeof l === 'string' ? l : l.value)));
    expect(labelValues(e)).toEqual([
      { name: 'background', value: 0 },
      { name: 'Tumor core (not Enhancing tumor)', value: 1 },
      { name: 'Whole tumor (not Enhancing tumor, Tumor core)', value: 2 },
      { name: 'Enhancing tumor', value: 4 },
    ]);
  });

  it('lung_nodule_ct_detection: RetinaNet detector calls -> sliding window + NMS; the raw-LUNA16 switch brings Spacingd back', () => {
    const hand = bundled.models['monai-lung-nodule-ct-detection']!;
    // As shipped the bundle expects pre-resampled images: Spacingd is _disabled_.
    const resampled = load(imported('lung_nodule_ct_detection').entry, {});
    expect(resampled.preprocess.map((s) => s.op)).toEqual(['orient', 'scaleIntensityRange', 'toTensor']);
    // The hand-written entry feeds raw CT (whether_raw_luna16=true, as the bundle's README shows).
    const r = imported('lung_nodule_ct_detection', { whether_raw_luna16: true }, ['nodule']);
    const e = load(r.entry, r.datasetEntries);
    expect([e.id, e.task, e.datasets, e.modality, e.space]).toEqual([hand.id, hand.task, hand.datasets, hand.modality, hand.space]);
    expect(e.preprocess).toEqual(hand.preprocess);
    expect(e.inference).toEqual(hand.inference);
    expect(e.postprocess).toEqual(hand.postprocess);
    expect(ioShape(e)).toEqual(ioShape(hand));
    expect(e.labels).toEqual(hand.labels);
    expect(r.notes[0]).toMatch(/topk_candidates_per_level=1000 is not applied/);
  });
});

describe('MONAI bundle import: bundles without a hand-written entry', () => {
  it('swin_unetr_btcv_segmentation: 14 organs, its own dataset entry (BTCV has no link in the catalogue)', () => {
    const r = imported('swin_unetr_btcv_segmentation');
    const e = load(r.entry, r.datasetEntries);
    expect(e.architecture).toBe('SwinUNETR (MONAI)');
    expect(e.preprocess).toEqual([
      { op: 'orient', axcodes: 'RAS' },
      { op: 'resample', spacing: [1.5, 1.5, 2], mode: 'linear', rule: 'monai' },
      { op: 'scaleIntensityRange', aMin: -175, aMax: 250, bMin: 0, bMax: 1, clip: true },
      { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
    ]);
    expect(e.inference).toEqual({ mode: 'slidingWindow', roi: [96, 96, 96], overlap: 0.5, batch: 4, blend: 'constant', placement: 'monai' });
    expect(e.postprocess).toEqual([{ op: 'softmax', axis: 1 }, { op: 'argmax' }]);
    expect(e.io.outputs[0]!.dims).toEqual([-1, 14, 96, 96, 96]);
    expect(labelValues(e).slice(0, 3)).toEqual([
      { name: 'background', value: 0 },
      { name: 'spleen', value: 1 },
      { name: 'Right Kidney', value: 2 },
    ]);
    expect(e.datasets).toEqual(['monai-swin-unetr-btcv-segmentation-data']);
    expect(r.datasetEntries['monai-swin-unetr-btcv-segmentation-data']!.acquisition).toEqual({
      kind: 'public-link',
      link: 'https://www.synapse.org/#!Synapse:syn3193805/wiki/217752/',
      terms: 'see the linked page',
    });
  });

  it(
    'wholeBody_ct_segmentation: @displayable_configs expressions, ScaleIntensityd, gaussian windows with replicate padding, argmax before a nearest ' +
      'Invertd',
    () => {
      const r = imported('wholeBody_ct_segmentation');
      const e = load(r.entry, r.datasetEntries);
      expect(e.preprocess).toEqual([
        { op: 'orient', axcodes: 'RAS' },
        // pixdim is "$[1.5, 1.5, 1.5] if @displayable_configs#highres else [3.0, 3.0, 3.0]" with highres true.
        { op: 'resample', spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'monai' },
        { op: 'zscore', nonzero: true, channelWise: false },
        { op: 'scaleIntensity', min: -1, max: 1, channelWise: false },
        { op: 'toTensor', layout: 'NCDHW', dtype: 'float32', axisOrder: 'ijk' },
      ]);
      expect(e.inference).toEqual({
        mode: 'slidingWindow',
        roi: [96, 96, 96],
        overlap: 0.25,
        batch: 1,
        blend: 'gaussian',
        placement: 'monai',
        padMode: 'replicate',
      });
      expect(e.postprocess).toEqual([
        { op: 'softmax', axis: 1 },
        { op: 'argmax', grid: 'model' },
      ]);
      expect(e.labels).toHaveLength(105);
      expect(labelValues(e)[104]).toEqual({ name: 'urinary_bladder', value: 104 });
      // The low-resolution variant: the override flows through the expression.
      const low = load(imported('wholeBody_ct_segmentation', { 'displayable_configs#highres': false }).entry, r.datasetEntries);
      expect(low.preprocess[1]).toEqual({ op: 'resample', spacing: [3, 3, 3], mode: 'linear', rule: 'monai' });
    },
  );
});
