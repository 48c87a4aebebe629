/**
 * Which postprocess ops each task runs. The manifest loader refuses an op outside its entry's
 * task (an `nms` step on a segmentation entry would otherwise be accepted and silently never
 * run), and each pipeline's task definition (src/pipelines/<task>.ts) names the same list and
 * switches exhaustively over exactly these ops (PostprocessStepOf), so a list and the code that
 * runs it cannot drift apart. The table is in tasks.ts beside the task list (it lives in manifest/,
 * not pipelines/, because the loaders - parseManifest, readManifestFile, the model store,
 * fetchManifest - sit below pipelines/).
 */
import { ManifestError } from '../core/errors.js';
import type { PostprocessOp, PostprocessStep } from '../postprocess/plan/ops.js';
import type { TaskName } from './types.js';
import { TASK_POSTPROCESS_OPS } from './tasks.js';

export { TASK_POSTPROCESS_OPS };

/** The postprocess ops a task runs. */
export type PostprocessOpOf<T extends TaskName> = (typeof TASK_POSTPROCESS_OPS)[T][number];

/** The postprocess steps a task's pipeline switches over. */
export type PostprocessStepOf<T extends TaskName> = Extract<PostprocessStep, { readonly op: PostprocessOpOf<T> }>;

function runsOp<T extends TaskName>(task: T, step: PostprocessStep): step is PostprocessStepOf<T> {
  return (TASK_POSTPROCESS_OPS[task] as readonly PostprocessOp[]).includes(step.op);
}

/**
 * An entry's postprocess steps typed for its task. Throws a ManifestError naming the entry, the
 * step index and the op for a step the task does not run; the loaders call it at load, the
 * pipelines to narrow the type (it cannot throw there for a loaded entry).
 */
export function postprocessOfTask<T extends TaskName>(
  task: T,
  entry: { readonly id: string; readonly postprocess: readonly PostprocessStep[] },
): readonly PostprocessStepOf<T>[] {
  const steps: PostprocessStepOf<T>[] = [];
  for (const [index, step] of entry.postprocess.entries()) {
    if (!runsOp(task, step)) {
      throw new ManifestError(
        `model '${entry.id}' postprocess[${index}] (${step.op}): a ${task} pipeline does not run '${step.op}' (it runs ` +
          `${TASK_POSTPROCESS_OPS[task].join(', ')})`,
        { modelId: entry.id, list: 'postprocess', step: index, op: step.op, task },
      );
    }
    steps.push(step);
  }
  return steps;
}
