/**
 * The library side of a task, as each src/pipelines/<task>.ts exports it: its name, the
 * postprocess ops its pipeline runs (the manifest's table, manifest/task-ops.ts, which the
 * loaders check entries against) and its pipeline factory. registry.ts builds createPipeline's
 * table from the list of these definitions.
 */
import type { ModelEntry, TaskName } from '../manifest/types.js';
import type { TASK_POSTPROCESS_OPS } from '../manifest/task-ops.js';
import type { PipelineBase, PipelineContext } from './types.js';

export interface TaskDefinition<N extends TaskName = TaskName, P extends PipelineBase = PipelineBase> {
  readonly name: N;
  /** The postprocess ops this task's pipeline runs: exactly TASK_POSTPROCESS_OPS[name]. */
  readonly postprocessOps: (typeof TASK_POSTPROCESS_OPS)[N];
  readonly create: (context: PipelineContext, model: string | ModelEntry) => Promise<P>;
}

/** Types a task definition; the pipeline it creates says it is of this task. */
export function defineTask<N extends TaskName, P extends PipelineBase & { readonly task: N }>(definition: TaskDefinition<N, P>): TaskDefinition<N, P> {
  return definition;
}
