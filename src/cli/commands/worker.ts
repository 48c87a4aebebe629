/**
 * `medinfer worker`: takes jobs from the Redis queue and runs them (one shared session per model,
 * `--concurrency` jobs in flight). A worker killed at any moment loses nothing: outputs are
 * atomic, the job's lock expires after --lock-ms and another worker retries it.
 */
import { Worker, type Job } from 'bullmq';
import { UsageError } from '../../core/errors.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { booleanFlag, parseCommandArgs, stringFlag, type ParsedArgs } from '../args.js';
import { EXIT_OK, type CliCommand } from '../command.js';
import { DEFAULT_QUEUE, parseRedisUrl, QUEUE_PREFIX } from '../queue/connection.js';
import type { InferenceJobData } from '../queue/job-data.js';
import { processJob, WorkerPipelines } from '../queue/process-job.js';

const USAGE = `Usage: medinfer worker [--redis URL] [--queue NAME] [--concurrency N] [--provider auto|cpu|cuda|webgpu]
                       [--threads N] [--lock-ms 30000] [--idle-exit-ms MS] [--quiet]

Runs queued inference jobs until stopped (SIGINT / SIGTERM finish the jobs in flight first), or
until no job arrived for --idle-exit-ms. Start any number of workers on any machines that reach
Redis and the shared folders; give each its own --provider (e.g. cuda on GPU machines).`;

function intFlag(args: ParsedArgs, name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`, { field: name });
  return v;
}

export const command: CliCommand = {
  name: 'worker',
  summary: 'run queued inference jobs (Redis / BullMQ) on this machine',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, {
      redis: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, provider: { type: 'string' }, threads: { type: 'string' },
      'lock-ms': { type: 'string' }, 'idle-exit-ms': { type: 'string' }, quiet: { type: 'boolean' },
    }, 'worker');
    const concurrency = intFlag(args, 'concurrency', 1, 1)!;
    const lockMs = intFlag(args, 'lock-ms', 30_000, 1000)!;
    const idleExitMs = intFlag(args, 'idle-exit-ms', undefined, 100);
    const threads = intFlag(args, 'threads', undefined, 1);
    const provider = parseProviderChoice(stringFlag(args, 'provider') ?? 'auto');
    const quiet = booleanFlag(args, 'quiet');
    const pipelines = new WorkerPipelines({ provider, ...(threads !== undefined ? { threads } : {}) });
    const say = (t: string) => !quiet && ctx.err(`[worker ${process.pid}] ${t}\n`);
    const worker = new Worker<InferenceJobData>(stringFlag(args, 'queue') ?? DEFAULT_QUEUE, (job: Job<InferenceJobData>) => processJob(job, pipelines), {
      connection: parseRedisUrl(stringFlag(args, 'redis') ?? 'redis://127.0.0.1:6379'),
      prefix: QUEUE_PREFIX,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job whose worker died is retried by another; after 3 stalls it is failed (poison input).
      maxStalledCount: 3,
    });
    let lastActivity = Date.now();
    let inFlight = 0;
    worker.on('active', (job) => {
      inFlight++;
      lastActivity = Date.now();
      say(`started ${job.data.item.label}`);
    });
    worker.on('completed', (job, result: { skipped: boolean }) => {
      inFlight--;
      lastActivity = Date.now();
      say(`${result.skipped ? 'already complete' : 'done'} ${job.data.item.label}`);
    });
    worker.on('failed', (job, error) => {
      if (job) inFlight--;
      lastActivity = Date.now();
      say(`failed ${job?.data.item.label ?? '?'} (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
    });
    worker.on('error', (error) => say(`error: ${error.message}`));
    await worker.waitUntilReady();
    say(`listening on ${stringFlag(args, 'queue') ?? DEFAULT_QUEUE}, concurrency ${concurrency}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (idleExitMs !== undefined) {
        const timer = setInterval(() => {
          if (inFlight <= 0 && Date.now() - lastActivity >= idleExitMs) {
            clearInterval(timer);
            resolve();
          }
        }, Math.min(500, idleExitMs));
      }
    });
    await worker.close();
    await pipelines.dispose();
    say('stopped');
    return EXIT_OK;
  },
};
