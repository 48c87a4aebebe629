/**
 * Segmentation on the CLI: one image or named images per item, label maps, Dice / HD95 eval, SEG + SR.
 *
 * Outputs: `<id>.seg.nii.gz` (label map on the input's exact grid, so the same
 * affine as the input), `<id>.json` (volumes in ml per label) and `<id>.overlay.png` of the
 * axial slice with the largest mask area; with a `maskInput` step (brain extraction) also
 * `<id>.masked.nii.gz`, the input with voxels outside the labels set to 0.
 *
 * Evaluation: Dice and HD95 (mm, MONAI convention) per label, and per nested region for
 * region models (BraTS WT / TC), against reference masks on the input grid (CSV: the image
 * column(s) + a `reference` / `label` / `mask` column). Per label the
 * mean over cases; Dice skips cases where the label is absent from both masks (nnU-Net's
 * ignore-empty rule) and HD95 reports cases with one empty mask as infinite, counted apart.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError, UsageError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import type { ModelEntry } from '../../manifest/types.js';
import { createNiftiFileSink } from '../../io/nifti/node-nifti-file-sink.js';
import type { SegmentationResult, SegmentationSinkResult } from '../../pipelines/segmentation.js';
import type { ImageInput } from '../../pipelines/types.js';
import type { NamedInputs } from '../../pipelines/model-inputs.js';
import type { LabelArray } from '../../postprocess/segmentation/label-maps.js';
import { findLargestSlice } from '../../postprocess/segmentation/label-tally.js';
import { computeDice } from '../../postprocess/metrics/dice.js';
import { computeHausdorff95 } from '../../postprocess/metrics/hausdorff.js';
import { imageItems, namedItems } from '../batch/collect-items.js';
import { findColumn, fmt, mean } from '../batch/eval/eval-types.js';
import { loadImage, loadSingleImage } from '../batch/load-item.js';
import { blendLabels, renderSlice } from '../batch/render-overlay.js';
import { niftiGz, pngOf, rounded, type TaskOutputs, toJson } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { demoSegmentation } from '../demo/sections-3d.js';
import { demoBrainchop } from '../demo/sections-brainchop.js';
import { segmentVolumes } from '../dicomweb/derived-sr.js';
import type { CliTask, DicomWebInput, Evaluator } from './types.js';

/**
 * `<id>.seg.nii.gz` is the result's label map, or was written by runToSink while the model ran
 * (`medinfer run`: the map never whole in memory); the overlay and the json are the same either way.
 */
async function buildSegmentationOutputs(item: BatchItem, result: SegmentationResult | SegmentationSinkResult, input: Volume): Promise<TaskOutputs> {
  const inMemory = 'labels' in result ? result.labels : undefined;
  const largest = inMemory ? findLargestSlice(inMemory.data as LabelArray, inMemory.geometry.size) : (result as SegmentationSinkResult).largestSlice;
  const k = largest.index;
  const img = renderSlice(input, k);
  blendLabels(img, largest.labels, 0);
  const warnings = [...(input.meta.warnings ?? []), ...result.warnings];
  const volumes = Object.fromEntries(Object.entries(result.volumesMl).map(([n, v]) => [n, rounded(v)]));
  const masked = result.masked ? [{ name: `${item.id}.masked.nii.gz`, bytes: await niftiGz(result.masked) }] : [];
  const json = {
    id: item.id,
    input: item.label,
    mask: `${item.id}.seg.nii.gz`,
    ...(result.masked ? { masked: `${item.id}.masked.nii.gz` } : {}),
    volumesMl: volumes,
    overlaySlice: k,
    warnings,
    provenance: result.provenance,
  };
  const summary: Record<string, number> = {};
  for (const [n, v] of Object.entries(volumes)) summary[`${n}_ml`] = v;
  const seg = `${item.id}.seg.nii.gz`;
  return {
    files: [
      inMemory ? { name: seg, bytes: await niftiGz(inMemory) } : { name: seg, written: true as const },
      { name: `${item.id}.overlay.png`, bytes: await pngOf(img) },
      { name: `${item.id}.json`, bytes: toJson(json) },
      ...masked,
    ],
    summary,
    warnings,
    provenance: result.provenance,
  };
}

const REFERENCE_COLUMNS = ['reference', 'label', 'labels', 'mask', 'seg', 'segmentation', 'ground_truth'];

export function foregroundLabels(entry: ModelEntry): { name: string; value: number }[] {
  return entry.labels.map((l, i) => (typeof l === 'string' ? { name: l, value: i } : { name: l.name, value: l.value ?? i })).filter((l) => l.value > 0);
}

/**
 * Nested regions of models that paint overlapping region channels into labels (BraTS:
 * regionsToLabels paints WT, then TC, then ET): region k is the union of the labels painted from
 * step k on. Regions of one label are the per-label rows already; only unions are added.
 */
export function nestedRegions(entry: ModelEntry, labels: readonly { name: string; value: number }[]): { name: string; values: number[] }[] {
  const step = entry.postprocess.find((s) => s.op === 'regionsToLabels');
  const painted = Array.isArray(step?.['labels']) ? (step['labels'] as unknown[]).filter((v): v is number => typeof v === 'number') : [];
  const nameOf = (v: number) => labels.find((l) => l.value === v)?.name ?? `label ${v}`;
  return painted
    .map((_, k) => painted.slice(k))
    .filter((vs) => vs.length > 1)
    .map((vs) => ({ name: vs.map(nameOf).join(' + '), values: vs }));
}

/** Per-label units plus nested regions, each a set of label values scored as one binary mask. */
function scoringUnits(entry: ModelEntry): { name: string; values: number[]; region: boolean }[] {
  const labels = foregroundLabels(entry);
  return [...labels.map((l) => ({ name: l.name, values: [l.value], region: false })), ...nestedRegions(entry, labels).map((r) => ({ ...r, region: true }))];
}

function createSegmentationEvaluator(entry: ModelEntry, csvPath: string): Evaluator {
  const labels = scoringUnits(entry);
  const dice = new Map<string, number[]>(labels.map((l) => [l.name, []]));
  const hd = new Map<string, number[]>(labels.map((l) => [l.name, []]));
  const infinite = new Map<string, number>(labels.map((l) => [l.name, 0]));
  let cases = 0;
  const referenceOf = (columns: Readonly<Record<string, string>>) => {
    const col = REFERENCE_COLUMNS.map((c) => findColumn(Object.keys(columns), c)).find((c) => c !== undefined);
    return col === undefined ? undefined : columns[col];
  };
  return {
    check(items) {
      if (!referenceOf(items[0]?.columns ?? {}))
        throw new UsageError(`the pairs CSV needs a reference mask column (${REFERENCE_COLUMNS.join(' | ')})`, { field: 'data' });
    },
    async add(item, r) {
      if (r.task !== 'segmentation') return;
      if (!('labels' in r.result)) throw new UsageError('segmentation evaluation needs the label map in memory (no outputDir)', { field: 'outputDir' });
      const refText = referenceOf(item.columns ?? {});
      if (!refText) throw new InputError(`${item.label}: no reference mask given`, { input: item.id });
      const refPath = resolve(dirname(csvPath), refText);
      const reference = await loadImage({ path: refPath, dicomFolder: (await stat(refPath).catch(() => undefined))?.isDirectory() ?? false });
      const predicted = r.result.labels;
      if (reference.geometry.size.join() !== predicted.geometry.size.join()) {
        throw new InputError(`${item.label}: reference mask is ${reference.geometry.size.join('x')}, the image ${predicted.geometry.size.join('x')}`, {
          input: item.id,
        });
      }
      cases++;
      for (const l of labels) {
        const binP = Uint8Array.from(predicted.data as ArrayLike<number>, (v) => (l.values.includes(v) ? 1 : 0));
        const binR = Uint8Array.from(reference.data as ArrayLike<number>, (v) => (l.values.includes(Math.round(v)) ? 1 : 0));
        const d = computeDice(binP, binR, { labels: [1] })[0]!;
        if (!d.bothEmpty) dice.get(l.name)!.push(d.dice);
        const h = computeHausdorff95(binP, binR, predicted.geometry);
        if (h.empty === 'both') continue;
        if (Number.isFinite(h.distance)) hd.get(l.name)!.push(h.distance);
        else infinite.set(l.name, infinite.get(l.name)! + 1);
      }
    },
    finish() {
      const perLabel = labels.map((l) => ({
        label: l.name,
        values: l.values,
        region: l.region,
        dice: mean(dice.get(l.name)!),
        hd95Mm: mean(hd.get(l.name)!),
        diceCases: dice.get(l.name)!.length,
        hd95Infinite: infinite.get(l.name)!,
      }));
      // Means over the labels only: regions overlap them and would count voxels twice.
      const meanDice = mean(perLabel.flatMap((l) => (l.dice === null || l.region ? [] : [l.dice])));
      const meanHd = mean(perLabel.flatMap((l) => (l.hd95Mm === null || l.region ? [] : [l.hd95Mm])));
      return {
        summary: { meanDice, meanHd95Mm: meanHd, cases },
        table: {
          headers: ['label', 'Dice', 'HD95 mm', 'cases', 'HD95 inf'],
          rows: [
            ...perLabel.map((l) => [l.label, fmt(l.dice), fmt(l.hd95Mm, 2), String(l.diceCases), String(l.hd95Infinite)]),
            ['mean (labels)', fmt(meanDice), fmt(meanHd, 2), String(cases), ''],
          ],
        },
        details: { perLabel },
      };
    },
  };
}

/** Sliding windows in a DICOMweb run: a line at most once a second (as for the retrieval), and the last one. */
function windowProgress({ log, progress }: DicomWebInput): (done: number, total: number) => void {
  let lastLogged = performance.now();
  return (done, total) => {
    if (total <= 1) return;
    if (progress) {
      progress.update('inference: windows', done, total);
      if (done >= total) progress.finish('inference: windows');
      return;
    }
    if (done < total && performance.now() - lastLogged < 1000) return;
    lastLogged = performance.now();
    log(`inference: ${done}/${total} windows`);
  };
}

export const segmentationCli: CliTask<'segmentation'> = {
  name: 'segmentation',
  volumetric: true,
  // Multi-modal models (several inputs[].name) take one named image per input.
  collector: (entry) => ((entry.inputs?.length ?? 0) > 1 ? namedItems : imageItems),
  async infer(pipe, item, options) {
    const onProgress = options.windowProgress?.(item.id);
    const runOptions = onProgress ? { onProgress } : {};
    // With an output folder the label map goes to its file as the windows finish it (runToSink).
    const dir = options.outputDir;
    const segment = (input: ImageInput | NamedInputs) =>
      dir === undefined ? pipe.run(input, runOptions) : pipe.runToSink(input, createNiftiFileSink(join(dir, `${item.id}.seg.nii.gz`)), runOptions);
    const src = item.source;
    if (src.kind === 'named') {
      const volumes: Record<string, Volume> = {};
      for (const [name, image] of Object.entries(src.images)) volumes[name] = await loadImage(image, options);
      const result = await segment(volumes);
      const first = pipe.entry.inputs?.[0]?.name;
      return { task: 'segmentation', input: (first && volumes[first]) || Object.values(volumes)[0]!, result };
    }
    const input = await loadSingleImage(item, options);
    return { task: 'segmentation', input, result: await segment(input) };
  },
  outputs: (item, r) => buildSegmentationOutputs(item, r.result, r.input),
  evaluation: {
    cases: 'csv',
    usage: ['Dice and HD95 (mm) per label. CSV: image column(s) (path, or one per model input) + reference'],
    evaluator: async (entry, data) => createSegmentationEvaluator(entry, data.list!),
  },
  demo: [
    { name: 'segmentation', run: demoSegmentation },
    { name: 'brainchop', run: demoBrainchop },
  ],
  dicomweb: {
    async run(pipe, input) {
      const { volumes, selected } = input;
      const images = selected.length > 1 ? Object.fromEntries(selected.map((s) => [s.input!, volumes.get(s.input)!])) : volumes.get(selected[0]!.input)!;
      return pipe.run(images, { onProgress: windowProgress(input) });
    },
    segLabels: (result) => result.labels,
    findings: (result, { segments }) => (segments ? { volumes: segmentVolumes(result.labels, segments) } : {}),
  },
};
