/** Classification on the CLI: one image per item, labels + optional occlusion maps, ROC AUC eval, SR findings. */
import type { Volume } from '../../core/volume.js';
import { classificationFindings } from '../../io/dicom-write/index.js';
import { checkImageInput, type ClassificationPipeline, type ClassificationResult } from '../../pipelines/classification.js';
import { imageItems } from '../batch/collect-items.js';
import { createClassificationEvaluator } from '../batch/eval/eval-classification.js';
import { loadSingleImage } from '../batch/load-item.js';
import { createMicroBatcher } from '../batch/micro-batcher.js';
import { buildClassificationOutputs } from '../batch/task-outputs/classification.js';
import { demoClassification } from '../demo/sections-2d.js';
import type { CliTask } from './types.js';

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
  evaluation: { cases: 'csv', evaluator: async (entry) => createClassificationEvaluator(entry) },
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
