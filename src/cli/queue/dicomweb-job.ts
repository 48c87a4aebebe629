/**
 * The `dicomweb` job type: `medinfer dicomweb run` done by a `medinfer worker`, so workers can
 * serve a PACS. The job carries the server URL (credentials stripped), study, optional series,
 * model and manifest; each worker authenticates with its own DICOMWEB_USER / DICOMWEB_PASSWORD
 * or DICOMWEB_TOKEN (credentials never enter Redis). The job id is derived from URL, study,
 * series and model, so submitting the same study twice queues one job; and the flow itself
 * skips a study whose result is already stored. HTTP 4xx and input errors fail at once
 * (retrying cannot help); network errors and 5xx are retried with the queue's backoff.
 */
import { createHash } from 'node:crypto';
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import { HttpError, isMedinferError } from '../../core/errors.js';
import { safeUrl, splitBaseUrl } from '../../io/dicomweb/http.js';
import { loadManifestWithModelsDir } from '../dicomweb/load-manifest.js';
import { openBatchPipeline } from '../batch/run-batch.js';
import { resolveDicomWebAuth } from '../dicomweb/credentials.js';
import { runDicomWebFlow, type DicomWebRunSummary } from '../dicomweb/run-flow.js';
import { DEFAULT_QUEUE, parseRedisUrl, QUEUE_PREFIX } from './connection.js';
import type { WorkerPipelines } from './worker-pipelines.js';

export const DICOMWEB_JOB = 'dicomweb';

export interface DicomWebJobData {
  readonly kind: typeof DICOMWEB_JOB;
  /** Service root without credentials. */
  readonly url: string;
  readonly study: string;
  readonly series?: string;
  readonly model: string;
  /** Absolute manifest path valid on every worker, or undefined for the bundled manifest. */
  readonly manifest?: string;
  readonly modelsDir?: string;
  readonly maxVoxels?: number;
  readonly overwrite: boolean;
  readonly submittedAt: string;
  /** What worker logs print (no patient attribute: the study UID only). */
  readonly item: { readonly id: string; readonly label: string };
}

export function isDicomWebJob(data: unknown): data is DicomWebJobData {
  return (data as { kind?: unknown } | null)?.kind === DICOMWEB_JOB;
}

export function dicomWebJobId(url: string, study: string, series: string | undefined, model: string): string {
  return createHash('sha256')
    .update(`dicomweb\0${safeUrl(url)}\0${study}\0${series ?? ''}\0${model}`)
    .digest('hex')
    .slice(0, 32);
}

export async function submitDicomWebJob(
  spec: Omit<DicomWebJobData, 'kind' | 'submittedAt' | 'item'>,
  queueOptions: { redis: string; queue?: string | undefined },
): Promise<{ jobId: string; enqueued: boolean }> {
  const url = splitBaseUrl(spec.url).url;
  const jobId = dicomWebJobId(url, spec.study, spec.series, spec.model);
  const data: DicomWebJobData = {
    ...spec,
    url,
    kind: DICOMWEB_JOB,
    submittedAt: new Date().toISOString(),
    item: { id: jobId, label: `dicomweb study ${spec.study} (${spec.model})` },
  };
  const queue = new Queue(queueOptions.queue ?? DEFAULT_QUEUE, { connection: parseRedisUrl(queueOptions.redis), prefix: QUEUE_PREFIX });
  try {
    const existing = await queue.getJob(jobId);
    // Waiting, running or finished: nothing to add (a finished study is stored already).
    // A failed job, or --overwrite, replaces the old job.
    if (existing && !spec.overwrite && !(await existing.isFailed())) return { jobId, enqueued: false };
    if (existing) await existing.remove();
    await queue.add(DICOMWEB_JOB, data, {
      jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    });
    return { jobId, enqueued: true };
  } finally {
    await queue.close();
  }
}

const PERMANENT = new Set(['E_DECODE', 'E_UNSUPPORTED', 'E_INPUT', 'E_LIMIT', 'E_SHAPE', 'E_MANIFEST', 'E_USAGE', 'E_INTEGRITY', 'E_MODEL_FILE']);

export async function processDicomWebJob(
  job: Job<DicomWebJobData>,
  pipelines: WorkerPipelines,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<DicomWebRunSummary> {
  const data = job.data;
  try {
    const manifest = await loadManifestWithModelsDir(data.manifest, data.modelsDir, process.cwd());
    const auth = resolveDicomWebAuth({}, env);
    return await runDicomWebFlow({
      url: data.url,
      study: data.study,
      model: data.model,
      manifest,
      overwrite: data.overwrite,
      ...(data.series !== undefined ? { series: data.series } : {}),
      ...(auth ? { auth } : {}),
      ...(data.maxVoxels !== undefined ? { maxVoxels: data.maxVoxels } : {}),
      // A models dir changes which files a manifest names, so such jobs get their own pipeline.
      openPipeline: (entry) =>
        data.modelsDir === undefined
          ? pipelines.get({
              model: data.model,
              ...(data.manifest !== undefined ? { manifest: data.manifest } : {}),
              ...(data.maxVoxels !== undefined ? { maxVoxels: data.maxVoxels } : {}),
            })
          : openBatchPipeline(entry, manifest, { inferenceThread: 'main' }),
      disposePipeline: data.modelsDir !== undefined,
    });
  } catch (error) {
    const permanent = isMedinferError(error) && (PERMANENT.has(error.code) || (error instanceof HttpError && error.status >= 400 && error.status < 500));
    if (permanent) throw new UnrecoverableError(`${error.code}: ${error.message}`);
    throw error;
  }
}
