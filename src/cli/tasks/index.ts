/**
 * The CLI's task registry: one definition per task (./<task>.ts). Typed as a record over
 * TaskName, so a task added to the task list (src/manifest/tasks.ts) does not compile until it
 * has a CLI definition here. Generic code looks tasks up here instead of switching on names.
 */
import { InputError, UsageError } from '../../core/errors.js';
import { TASK_NAMES, type TaskName } from '../../manifest/tasks.js';
import type { TaskOutputs } from '../batch/task-outputs/output-files.js';
import type { BatchItem } from '../batch/types.js';
import { classificationCli } from './classification.js';
import { detectionCli } from './detection.js';
import { registrationCli } from './registration.js';
import { reportTextCli } from './report-text.js';
import { segmentationCli } from './segmentation.js';
import type { AnyPipeline, CliTask, InferOptions, ItemResult } from './types.js';

const CLI_TASKS: { readonly [T in TaskName]: CliTask<T> } = {
  classification: classificationCli,
  detection: detectionCli,
  segmentation: segmentationCli,
  registration: registrationCli,
  'report-text': reportTextCli,
};

/** The CLI definition of `name`; a task the CLI does not know is a UsageError. */
export function cliTask(name: string): CliTask {
  if (!Object.hasOwn(CLI_TASKS, name))
    throw new UsageError(`unknown task '${name}' (the CLI runs: ${TASK_NAMES.join(', ')})`, { field: 'task', received: name });
  return CLI_TASKS[name as TaskName];
}

/** Every task's definition, in the task list's order. */
export function cliTasks(): CliTask[] {
  return TASK_NAMES.map((n) => cliTask(n));
}

/** One item through its pipeline: the task loads the inputs (load-item.ts) and runs it. */
export async function inferItem(pipe: AnyPipeline, item: BatchItem, options: InferOptions = {}): Promise<ItemResult> {
  if (item.source.kind === 'incomplete') throw new InputError(item.source.reason, { input: item.id });
  return cliTask(pipe.task).infer(pipe, item, options);
}

/** An item's output files and summary, written by its task. */
export function buildOutputs(item: BatchItem, result: ItemResult): Promise<TaskOutputs> {
  return cliTask(result.task).outputs(item, result);
}

export type { AnyPipeline, CliTask, InferOptions, ItemResult } from './types.js';
