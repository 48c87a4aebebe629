/**
 * createPipeline's task registry, built from the task definitions each src/pipelines/<task>.ts
 * exports (defineTask): adding a task adds its definition to TASK_DEFINITIONS and nothing else
 * here. Typed so that `createPipeline('classification', ...)` returns a ClassificationPipeline.
 */
import { UsageError } from '../core/errors.js';
import type { ModelEntry, TaskName } from '../manifest/types.js';
import { classificationTask } from './classification.js';
import { detectionTask } from './detection.js';
import { registrationTask } from './registration.js';
import { reportTextTask } from './report-text.js';
import { segmentationTask } from './segmentation.js';
import type { TaskDefinition } from './task-definition.js';
import type { PipelineContext } from './types.js';

export const TASK_DEFINITIONS = [classificationTask, segmentationTask, registrationTask, detectionTask, reportTextTask] as const;

type Definition = (typeof TASK_DEFINITIONS)[number];

/** Task name -> the pipeline its definition creates. */
export type PipelineMap = { [D in Definition as D['name']]: Awaited<ReturnType<D['create']>> };

export type ImplementedTask = keyof PipelineMap;

const TASKS: ReadonlyMap<string, TaskDefinition> = new Map(TASK_DEFINITIONS.map((d) => [d.name, d]));

export function isImplementedTask(task: string): task is ImplementedTask {
  return TASKS.has(task);
}

export async function createPipelineInContext<T extends ImplementedTask>(
  task: T,
  model: string | ModelEntry,
  context: PipelineContext,
): Promise<PipelineMap[T]> {
  const definition = TASKS.get(task);
  if (definition === undefined) {
    throw new UsageError(`unknown or unsupported task '${String(task)}' (supported: ${[...TASKS.keys()].join(', ')})`, { field: 'task', received: task });
  }
  // The definition found under `task` creates that task's pipeline (defineTask ties name and type).
  return (await definition.create(context, model)) as PipelineMap[T];
}

export type { TaskName };
