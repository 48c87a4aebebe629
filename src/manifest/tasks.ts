/**
 * The task list: the one place a task's name is written. The manifest types (TaskName), the JSON
 * Schema's task enums (schema.ts) and the CLI's task registry (src/cli/tasks/index.ts, typed as a
 * record over TaskName, so a name added here without a CLI definition fails to compile) derive
 * from it. The library side registers its pipeline factory in src/pipelines/registry.ts.
 */
export const TASK_NAMES = ['classification', 'detection', 'segmentation', 'registration', 'report-text'] as const;

export type TaskName = (typeof TASK_NAMES)[number];

/** Dataset entries may also name tasks a dataset serves that no model here runs. */
export const DATASET_TASK_NAMES = [...TASK_NAMES, 'transfer-learning'] as const;
