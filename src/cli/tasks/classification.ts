/**
 * Classification on the CLI: one image per item, labels + optional occlusion maps, ROC AUC eval, SR findings.
 *
 * Outputs: `<id>.json` (labels, logits, provenance) and, with --explain, one occlusion overlay PNG per explained label.
 *
 * Evaluation: ROC AUC per label (CSV: image path + one 0/1 column per label) and their mean.
 */
import { UsageError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { classificationFindings } from '../../pipelines/dicom-results.js';
import { labelNames } from '../../manifest/load.js';
import type { ModelEntry } from '../../manifest/types.js';
import { checkImageInput, type ClassificationPipeline, type ClassificationResult } from '../../pipelines/classification.js';
import { computeRocAuc } from '../../postprocess/metrics/roc-auc.js';
import { imageItems } from '../batch/collect-items.js';
import { findColumn, fmt, mean } from '../batch/eval/eval-types.js';
import { loadSingleImage } from '../batch/load-item.js';
import { createMicroBatcher } from '../batch/micro-batcher.js';
import { sanitizeStem } from '../batch/output-names.js';
import { blendHeat, renderSlice } from '../batch/render-overlay.js';
import { type OutputFile, pngOf, rounded, type TaskOutputs, toJson } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { demoClassification } from '../demo/sections-2d.js';
import type { CliTask, Evaluator } from './types.js';

async function buildClassificationOutputs(item: BatchItem, result: ClassificationResult, input: Volume): Promise<TaskOutputs> {
  const files: OutputFile[] = [];
  const overlays: Record<string, string> = {};
  const map = result.explanation;
  if (map) {
    const plane = map.volume.geometry.size[0] * map.volume.geometry.size[1];
    for (const [f, label] of map.labels.entries()) {
      const img = renderSlice(input, 0);
      blendHeat(img, map.volume.data, f * plane * map.volume.geometry.size[2]);
      const name = `${item.id}.explain-${sanitizeStem(label)}.png`;
      files.push({ name, bytes: await pngOf(img) });
      overlays[label] = name;
    }
  }
  const json = {
    id: item.id,
    input: item.label,
    labels: result.labels,
    logits: result.logits,
    ...(map ? { explanation: { method: 'occlusion', labels: map.labels, overlays } } : {}),
    provenance: result.provenance,
  };
  files.unshift({ name: `${item.id}.json`, bytes: toJson(json) });
  const summary: Record<string, string | number> = {
    positive: result.labels
      .filter((l) => l.positive)
      .map((l) => l.name)
      .join(';'),
  };
  for (const l of result.labels) if (l.name) summary[l.name] = rounded(l.score);
  return { files, summary, warnings: input.meta.warnings ?? [], provenance: result.provenance };
}

function createClassificationEvaluator(entry: ModelEntry): Evaluator {
  const names = labelNames(entry).filter(Boolean);
  const truth = new Map<string, number[]>();
  const scores = new Map<string, number[]>();
  return {
    check(items) {
      const columns = Object.keys(items[0]?.columns ?? {});
      if (!names.some((n) => findColumn(columns, n)))
        throw new UsageError(`the labels CSV needs one 0/1 column per label (model labels: ${names.join(', ')}; found: ${columns.join(', ')})`, {
          field: 'data',
        });
    },
    async add(item, r) {
      if (r.task !== 'classification') return;
      const columns = item.columns ?? {};
      for (const label of r.result.labels) {
        const col = findColumn(Object.keys(columns), label.name);
        const raw = col === undefined ? '' : columns[col]!.trim();
        // Blank cells (unlabelled) and CheXpert-style -1 (uncertain) are left out of that label's AUC.
        if (raw !== '0' && raw !== '1' && raw !== '1.0' && raw !== '0.0') continue;
        truth.set(label.name, [...(truth.get(label.name) ?? []), Number(raw)]);
        scores.set(label.name, [...(scores.get(label.name) ?? []), label.score]);
      }
    },
    finish() {
      const perLabel = names.map((name) => {
        const y = truth.get(name) ?? [];
        const s = scores.get(name) ?? [];
        const positives = y.filter((v) => v === 1).length;
        const auc = positives > 0 && positives < y.length ? computeRocAuc(y, Float64Array.from(s)) : null;
        return { label: name, auc, cases: y.length, positives, ...(auc === null ? { note: y.length === 0 ? 'no labelled cases' : 'needs both classes' } : {}) };
      });
      const meanAuc = mean(perLabel.flatMap((l) => (l.auc === null ? [] : [l.auc])));
      return {
        summary: { meanAuc },
        table: {
          headers: ['label', 'AUC', 'cases', 'positives'],
          rows: [...perLabel.map((l) => [l.label, fmt(l.auc), String(l.cases), String(l.positives)]), ['mean', fmt(meanAuc), '', '']],
        },
        details: { perLabel },
      };
    },
  };
}

async function explainLabels(pipe: ClassificationPipeline, volume: Volume): Promise<ClassificationResult> {
  const plain = await pipe.run(volume);
  const positive = plain.labels.filter((l) => l.positive && l.name).map((l) => l.name);
  const top = [...plain.labels].filter((l) => l.name).sort((a, b) => b.score - a.score)[0];
  const labels = positive.length > 0 ? positive : top ? [top.name] : [];
  if (labels.length === 0) return plain;
  return pipe.run(volume, { explain: { labels } });
}

export const classificationCli: CliTask<'classification'> = {
  name: 'classification',
  volumetric: false,
  collector: () => imageItems,
  async infer(pipe, item, options) {
    const input = await loadSingleImage(item, options);
    if (options.explain) return { task: 'classification', input, result: await explainLabels(pipe, input) };
    // Checked here so an unsuitable image fails alone instead of failing a whole batch.
    checkImageInput(input, pipe.entry, String(input.meta.source ?? item.label));
    return { task: 'classification', input, result: options.classify ? await options.classify(input) : await pipe.run(input) };
  },
  outputs: (item, r) => buildClassificationOutputs(item, r.result, r.input),
  /**
   * Without --explain, inputs in flight together run as one batch (micro-batcher.ts). A batch
   * takes at most half the workers, so the other half decode the next batch meanwhile; below 4
   * workers plain concurrent runs overlap better than batches would.
   */
  batcher(pipe, { explain, workers }) {
    const maxBatch = Math.min(pipe.entry.inference.batch ?? 8, Math.floor(workers / 2));
    return explain || maxBatch < 2 ? undefined : createMicroBatcher(pipe, workers, maxBatch);
  },
  evaluation: {
    cases: 'csv',
    usage: ['AUC per label + mean. CSV: path (image) + one 0/1 column per label (blank or -1: unlabelled)'],
    evaluator: async (entry) => createClassificationEvaluator(entry),
  },
  demo: [{ name: 'classification', run: demoClassification }],
  dicomweb: {
    async run(pipe, { volumes, selected }) {
      const first = volumes.get(selected[0]!.input)!;
      checkImageInput(first, pipe.entry, 'series');
      return pipe.run(first);
    },
    // Unnamed outputs (empty label names: channels a model does not report) are no finding.
    findings: (result, { entry }) => ({ classifications: classificationFindings(result, entry).filter((c) => c.label !== '') }),
  },
};
