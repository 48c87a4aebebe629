/**
 * The task list: the one place a task's name is written. The manifest types (TaskName), the JSON
 * Schema's task enums (schema.ts) and the CLI's task registry (src/cli/tasks/index.ts, typed as a
 * record over TaskName, so a name added here without a CLI definition fails to compile) derive
 * from it, and TASK_POSTPROCESS_OPS below (which ops each task's pipeline runs) must name every task.
 * The library side registers its pipeline factory in src/pipelines/registry.ts.
 */
import type { PostprocessOp } from '../postprocess/plan/ops.js';

export const TASK_NAMES = ['classification', 'detection', 'segmentation', 'registration', 'report-text'] as const;

export type TaskName = (typeof TASK_NAMES)[number];

/** Dataset entries may also name tasks a dataset serves that no model here runs. */
export const DATASET_TASK_NAMES = [...TASK_NAMES, 'transfer-learning'] as const;

/** The postprocess ops each task's pipeline runs; any other op on an entry is a ManifestError (task-ops.ts). */
export const TASK_POSTPROCESS_OPS = {
  classification: ['sigmoid', 'softmax', 'opNorm', 'threshold', 'topK'],
  detection: ['decodeYolo', 'decodeEndToEnd', 'nms'],
  segmentation: [
    'sigmoid',
    'softmax',
    'argmax',
    'regionsToLabels',
    'threshold',
    'remapLabels',
    'keepLargestComponent',
    'removeSmallComponents',
    'keepLargestForegroundComponent',
    'binarize',
    'maskInput',
  ],
  registration: ['integrateVelocity', 'upsampleField'],
  // The activation of the report head, checked against the output's shape (report-text.ts).
  'report-text': ['softmax', 'sigmoid'],
} as const satisfies { readonly [T in TaskName]: readonly PostprocessOp[] };
