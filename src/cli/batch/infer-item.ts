/**
 * One item through its pipeline: load the inputs (see load-item.ts), call the task's run(), and
 * return the result together with the loaded input volume that overlays are drawn on.
 */
import { InputError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { checkImageInput, type ClassificationResult } from '../../pipelines/classification.js';
import type { DetectionResult } from '../../pipelines/detection.js';
import { parseLandmarks } from '../../pipelines/landmarks.js';
import type { RegistrationResult } from '../../pipelines/registration.js';
import type { PipelineMap } from '../../pipelines/registry.js';
import type { ReportTextResult } from '../../pipelines/report-text.js';
import type { SegmentationResult } from '../../pipelines/segmentation.js';
import { loadImage, loadText, type LoadOptions } from './load-item.js';
import type { BatchItem, ImagePath } from './types.js';

export type AnyPipeline = PipelineMap[keyof PipelineMap];

export type ItemResult =
  | { readonly task: 'classification'; readonly result: ClassificationResult; readonly input: Volume }
  | { readonly task: 'detection'; readonly result: DetectionResult; readonly input: Volume }
  | { readonly task: 'segmentation'; readonly result: SegmentationResult; readonly input: Volume }
  | { readonly task: 'registration'; readonly result: RegistrationResult; readonly input: Volume }
  | { readonly task: 'report-text'; readonly result: ReportTextResult };

export interface InferOptions extends LoadOptions {
  /** Classification: occlusion maps for the positive labels (else the top one). */
  readonly explain?: boolean;
  /** Classification without explain: runs a checked volume (e.g. through a micro-batcher). */
  readonly classify?: (volume: Volume) => Promise<ClassificationResult>;
  /** Segmentation: a sliding-window progress callback for one input (by its id), if wanted. */
  readonly windowProgress?: (itemId: string) => ((done: number, total: number) => void) | undefined;
}

function expectImage(item: BatchItem): ImagePath {
  if (item.source.kind !== 'image') throw new InputError(`${item.label}: this model takes one image per input`, { input: item.id });
  return item.source.image;
}

async function explainLabels(pipe: PipelineMap['classification'], volume: Volume): Promise<ClassificationResult> {
  const plain = await pipe.run(volume);
  const positive = plain.labels.filter((l) => l.positive && l.name).map((l) => l.name);
  const top = [...plain.labels].filter((l) => l.name).sort((a, b) => b.score - a.score)[0];
  const labels = positive.length > 0 ? positive : top ? [top.name] : [];
  if (labels.length === 0) return plain;
  return pipe.run(volume, { explain: { labels } });
}

export async function inferItem(pipe: AnyPipeline, item: BatchItem, options: InferOptions = {}): Promise<ItemResult> {
  const src = item.source;
  if (src.kind === 'incomplete') throw new InputError(src.reason, { input: item.id });
  switch (pipe.task) {
    case 'classification': {
      const input = await loadImage(expectImage(item), options);
      if (options.explain) return { task: 'classification', input, result: await explainLabels(pipe, input) };
      // Checked here so an unsuitable image fails alone instead of failing a whole batch.
      checkImageInput(input, pipe.entry, String(input.meta.source ?? item.label));
      return { task: 'classification', input, result: options.classify ? await options.classify(input) : await pipe.run(input) };
    }
    case 'detection': {
      const input = await loadImage(expectImage(item), options);
      // LUNA16 rows are keyed by the series UID when the file has one, else by the output stem.
      const seriesuid = typeof input.meta.seriesInstanceUid === 'string' ? input.meta.seriesInstanceUid : item.id;
      return { task: 'detection', input, result: await pipe.run(input, { seriesuid }) };
    }
    case 'segmentation': {
      const onProgress = options.windowProgress?.(item.id);
      const runOptions = onProgress ? { onProgress } : {};
      if (src.kind === 'named') {
        const volumes: Record<string, Volume> = {};
        for (const [name, image] of Object.entries(src.images)) volumes[name] = await loadImage(image, options);
        const result = await pipe.run(volumes, runOptions);
        const first = pipe.entry.inputs?.[0]?.name;
        return { task: 'segmentation', input: (first && volumes[first]) || Object.values(volumes)[0]!, result };
      }
      const input = await loadImage(expectImage(item), options);
      return { task: 'segmentation', input, result: await pipe.run(input, runOptions) };
    }
    case 'registration': {
      if (src.kind !== 'pair') throw new InputError(`${item.label}: registration needs a fixed and a moving image`, { input: item.id });
      const fixed = await loadImage(src.fixed, options);
      const moving = await loadImage(src.moving, options);
      const movingLabels = src.movingLabels ? await loadImage(src.movingLabels, options) : undefined;
      const landmarks = src.landmarks
        ? {
            fixed: parseLandmarks(await loadText(src.landmarks.fixed), src.landmarks.format, fixed.geometry, 'fixed landmarks'),
            moving: parseLandmarks(await loadText(src.landmarks.moving), src.landmarks.format, moving.geometry, 'moving landmarks'),
          }
        : undefined;
      const result = await pipe.run({ fixed, moving, ...(movingLabels ? { movingLabels } : {}), ...(landmarks ? { landmarks } : {}) });
      return { task: 'registration', input: fixed, result };
    }
    case 'report-text': {
      const text = src.kind === 'text' ? src.text : src.kind === 'text-file' ? await loadText(src.path) : undefined;
      if (text === undefined) throw new InputError(`${item.label}: report-text models take .txt files or a CSV 'report' column`, { input: item.id });
      return { task: 'report-text', result: await pipe.run(text) };
    }
  }
}
