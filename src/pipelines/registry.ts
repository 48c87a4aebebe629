/**
 * createPipeline's task registry: one factory per task, typed so that
 * `createPipeline('classification', ...)` returns a ClassificationPipeline.
 */
import { UsageError } from '../core/errors.js';
import type { ModelEntry, TaskName } from '../manifest/types.js';
import { createClassificationPipeline, type ClassificationPipeline } from './classification.js';
import { createSegmentationPipeline, type SegmentationPipeline } from './segmentation.js';
import { createRegistrationPipeline, type RegistrationPipeline } from './registration.js';
import { createDetectionPipeline, type DetectionPipeline } from './detection.js';
import { createReportTextPipeline, type ReportTextPipeline } from './report-text.js';
import type { PipelineContext } from './types.js';

export interface PipelineMap {
  classification: ClassificationPipeline;
  segmentation: SegmentationPipeline;
  registration: RegistrationPipeline;
  detection: DetectionPipeline;
  'report-text': ReportTextPipeline;
}

export type ImplementedTask = keyof PipelineMap;

type Factory<T extends ImplementedTask> = (context: PipelineContext, model: string | ModelEntry) => Promise<PipelineMap[T]>;

const TASKS: { readonly [T in ImplementedTask]: Factory<T> } = {
  classification: createClassificationPipeline,
  segmentation: createSegmentationPipeline,
  registration: createRegistrationPipeline,
  detection: createDetectionPipeline,
  'report-text': createReportTextPipeline,
};

export function isImplementedTask(task: string): task is ImplementedTask {
  return Object.hasOwn(TASKS, task);
}

export async function createPipelineInContext<T extends ImplementedTask>(task: T, model: string | ModelEntry, context: PipelineContext): Promise<PipelineMap[T]> {
  if (!isImplementedTask(task)) {
    throw new UsageError(`unknown or unsupported task '${String(task)}' (supported: ${Object.keys(TASKS).join(', ')})`, { field: 'task', received: task });
  }
  return (TASKS[task] as Factory<T>)(context, model);
}

export type { TaskName };
