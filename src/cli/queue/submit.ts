/**
 * `queue submit`: groups the inputs exactly as `medinfer run` does and enqueues one job per
 * input group. Inputs whose outputs are already complete are not enqueued; a job id is derived
 * from (output folder, item id), so submitting the same batch twice creates no duplicate work.
 */
import { resolve } from 'node:path';
import type { Queue } from 'bullmq';
import { UsageError } from '../../core/errors.js';
import { getModelEntry } from '../../manifest/load.js';
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import { groupInputs } from '../batch/group-inputs.js';
import { loadManifest } from '../batch/run-batch.js';
import type { OutputFormat } from '../batch/types.js';
import { batchRecordPath, type BatchRecord } from './collect.js';
import { jobIdFor, type InferenceJobData } from './job-data.js';
import { readCompletedItem, readFailedItem } from './item-state.js';

export interface SubmitOptions {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly output: string;
  readonly manifest?: string;
  readonly format: OutputFormat;
  readonly explain: boolean;
  readonly maxVoxels?: number;
  readonly volume?: number;
  readonly attempts: number;
  readonly backoffMs: number;
}

export interface SubmitSummary {
  readonly total: number;
  readonly enqueued: number;
  readonly alreadyDone: number;
  readonly alreadyQueued: number;
  readonly jobIds: readonly string[];
  /** Every job not complete at submission (enqueued now or before): what `--wait` watches and re-adds. */
  readonly jobs: readonly QueuedJob[];
}

/** What it takes to add one input's job again (same id, so adding it twice is harmless). */
export interface QueuedJob {
  readonly name: string;
  readonly data: InferenceJobData;
  readonly opts: {
    readonly jobId: string;
    readonly attempts: number;
    readonly backoff: { readonly type: 'exponential'; readonly delay: number };
    readonly removeOnComplete: { readonly age: number };
    readonly removeOnFail: { readonly age: number };
  };
}

export async function submitBatch(queue: Queue<InferenceJobData>, options: SubmitOptions, cwd: string): Promise<SubmitSummary> {
  const manifestPath = options.manifest === undefined ? undefined : resolve(cwd, options.manifest);
  const manifest = await loadManifest(manifestPath, cwd);
  const entry = getModelEntry(manifest, options.model);
  const { items } = await groupInputs(options.inputs, entry, cwd);
  if (items.length === 0) throw new UsageError(`no inputs found in ${options.inputs.join(', ')} for model '${entry.id}'`, { field: 'input' });
  const output = resolve(cwd, options.output);
  const record: BatchRecord = {
    model: entry.id,
    ...(manifestPath ? { manifest: manifestPath } : {}),
    format: options.format,
    items: items.map((i) => i.id),
    submittedAt: new Date().toISOString(),
  };
  await ensureFolder(resolve(output, '.medinfer-queue'));
  await writeFileAtomic(batchRecordPath(output), JSON.stringify(record, null, 2));
  let alreadyDone = 0;
  let alreadyQueued = 0;
  const jobs: QueuedJob[] = [];
  const added: QueuedJob[] = [];
  const jobIds: string[] = [];
  for (const item of items) {
    const jobId = jobIdFor(output, item.id);
    jobIds.push(jobId);
    if (await readCompletedItem(output, item.id)) {
      alreadyDone++;
      continue;
    }
    const data: InferenceJobData = {
      model: entry.id,
      ...(manifestPath ? { manifest: manifestPath } : {}),
      output,
      item,
      explain: options.explain,
      ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}),
      ...(options.volume !== undefined ? { volume: options.volume } : {}),
      submittedAt: record.submittedAt,
    };
    const job: QueuedJob = {
      name: entry.task,
      data,
      opts: {
        jobId,
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    };
    jobs.push(job);
    const existing = await queue.getJob(jobId);
    if (existing) {
      const state = await existing.getState();
      // An explicit re-submit retries inputs that failed before; anything else is still in flight.
      if (state === 'failed' || state === 'completed') await existing.remove();
      else {
        alreadyQueued++;
        continue;
      }
    }
    added.push(job);
  }
  if (added.length > 0) await queue.addBulk(added.map((j) => ({ ...j, opts: { ...j.opts } })));
  return { total: items.length, enqueued: added.length, alreadyDone, alreadyQueued, jobIds, jobs };
}

/** True when the item has a final record on disk (completed, or failed for good). */
export async function hasFinalRecord(output: string, itemId: string): Promise<boolean> {
  return (await readCompletedItem(output, itemId)) !== undefined || (await readFailedItem(output, itemId)) !== undefined;
}

/**
 * Waits until every job has a final outcome, re-adding jobs that Redis lost (restart without
 * persistence, failover to a stale replica) while their input has no final record on disk.
 * A job that is gone from Redis but whose record exists ended normally (or was removed by age).
 * Returns how many jobs were re-added.
 */
export async function waitForJobs(
  queue: Queue<InferenceJobData>,
  jobs: readonly QueuedJob[],
  options: { pollMs: number; progress: (finished: number, total: number, readded: number) => void },
): Promise<number> {
  let open = [...jobs];
  let readded = 0;
  for (;;) {
    const still: QueuedJob[] = [];
    for (const job of open) {
      const state = await (await queue.getJob(job.opts.jobId))?.getState();
      if (state === 'completed' || state === 'failed') continue;
      if (state !== undefined && state !== 'unknown') {
        still.push(job);
        continue;
      }
      if (await hasFinalRecord(job.data.output, job.data.item.id)) continue;
      await queue.add(job.name, job.data, { ...job.opts });
      readded++;
      still.push(job);
    }
    open = still;
    if (open.length === 0) return readded;
    options.progress(jobs.length - open.length, jobs.length, readded);
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
}
