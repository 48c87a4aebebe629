/**
 * Processes one queued input exactly as `medinfer run` does (same inference, same output files,
 * written atomically), then records completion. A job whose outputs are already complete (a
 * retry after a crash that happened after the last rename) is not redone.
 * Input errors (undecodable file, wrong modality, over a limit...) are permanent: the job fails
 * at once without retries. Anything else (I/O, provider) is retried with backoff.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { isMedinferError } from '../../core/errors.js';
import { toFailure, writeItemOutputs } from '../batch/run-batch.js';
import type { InferenceJobData } from './job-data.js';
import { isDicomWebJob, processDicomWebJob, type DicomWebJobData } from './dicomweb-job.js';
import { readCompletedItem, recordCompleted, recordFailed } from './item-state.js';
import type { WorkerPipelines } from './worker-pipelines.js';

const PERMANENT = new Set(['E_DECODE', 'E_UNSUPPORTED', 'E_INPUT', 'E_LIMIT', 'E_SHAPE', 'E_MANIFEST', 'E_USAGE', 'E_INTEGRITY', 'E_MODEL_FILE']);

export async function processJob(job: Job<InferenceJobData>, pipelines: WorkerPipelines): Promise<{ id: string; skipped: boolean }> {
  // Job types other than file inference (dicomweb-job.ts) carry a `kind`.
  if (isDicomWebJob(job.data)) {
    const summary = await processDicomWebJob(job as unknown as Job<DicomWebJobData>, pipelines);
    return { id: job.data.item.id, skipped: summary.status === 'already-stored' };
  }
  const data = job.data;
  const item = data.item;
  if (await readCompletedItem(data.output, item.id)) return { id: item.id, skipped: true };
  try {
    const pipe = await pipelines.get(data);
    const line = await writeItemOutputs(pipe, item, data.output, {
      explain: data.explain,
      ...(data.maxVoxels !== undefined ? { maxVoxels: data.maxVoxels } : {}),
      ...(data.volume !== undefined ? { volume: data.volume } : {}),
    });
    await recordCompleted(data.output, line);
    return { id: item.id, skipped: false };
  } catch (error) {
    const failure = toFailure(item, error);
    const permanent = isMedinferError(error) && PERMANENT.has(error.code);
    const attempts = job.attemptsMade + 1;
    const last = permanent || attempts >= (job.opts.attempts ?? 1);
    if (last) await recordFailed(data.output, { ...failure, at: new Date().toISOString(), attempts });
    if (permanent) throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
    throw error;
  }
}
