/**
 * `medinfer worker`: takes jobs from the Redis queue and runs them (one shared session per model,
 * `--concurrency` jobs in flight). A worker killed at any moment loses nothing: outputs are
 * atomic, the job's lock expires after --lock-ms and another worker retries it.
 */
import { Worker, type Job } from 'bullmq';
import { describeError, UsageError } from '../../core/errors.js';
import { parseProviderChoice } from '../../runtime/providers.js';
import { booleanFlag, parseCommandArgs, stringFlag, type ParsedArgs } from '../args.js';
import { EXIT_OK, type CliCommand } from '../command.js';
import { DEFAULT_QUEUE, parseRedisUrl, QUEUE_PREFIX } from '../queue/connection.js';
import type { InferenceJobData } from '../queue/job-data.js';
import { processJob } from '../queue/process-job.js';
import { WorkerPipelines } from '../queue/worker-pipelines.js';
import { FORCE_CLOSE_MS, JobTracker, settleWithin, watchForStop } from '../queue/worker-lifecycle.js';
import { WorkerSupervisor } from '../queue/worker-supervisor.js';

/**
 * A Redis that went away leaves ioredis retrying; once the worker stopped nothing useful runs, so
 * a handle left open must not keep the process alive. The timer is unref'd: a process that can
 * exit by itself exits at once; otherwise it ends with the exit code the CLI set.
 */
function exitSoon(): void {
  setTimeout(() => process.exit(), FORCE_CLOSE_MS).unref();
}

const USAGE = `Usage: medinfer worker [--redis URL] [--queue NAME] [--concurrency N] [--provider auto|cpu|cuda|webgpu]
                       [--threads N] [--lock-ms 30000] [--idle-exit-ms MS] [--drain-ms 25000] [--quiet]

Runs queued inference jobs until stopped, then exits 0: SIGINT / SIGTERM let the jobs in flight
finish for at most --drain-ms (a second signal stops at once; unfinished jobs are taken over by
other workers when their locks expire), --idle-exit-ms stops after that long without a job while
Redis is reachable (an outage does not count as an empty queue).
Jobs whose lock or key Redis lost (restart, failover) never block stopping. Start any number of workers on any machines that reach
Redis and the shared folders; give each its own --provider (e.g. cuda on GPU machines).`;

function intFlag(args: ParsedArgs, name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`, { field: name });
  return v;
}

const OPTIONS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  concurrency: { type: 'string' },
  provider: { type: 'string' },
  threads: { type: 'string' },
  'lock-ms': { type: 'string' },
  'idle-exit-ms': { type: 'string' },
  'drain-ms': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export const command: CliCommand = {
  name: 'worker',
  summary: 'run queued inference jobs (Redis / BullMQ) on this machine',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'worker');
    const concurrency = intFlag(args, 'concurrency', 1, 1)!;
    const lockMs = intFlag(args, 'lock-ms', 30_000, 1000)!;
    const idleExitMs = intFlag(args, 'idle-exit-ms', undefined, 100);
    // Below the usual 30 s between SIGTERM and SIGKILL of process managers (systemd, Kubernetes).
    const drainMs = intFlag(args, 'drain-ms', 25_000, 0)!;
    const threads = intFlag(args, 'threads', undefined, 1);
    const provider = parseProviderChoice(stringFlag(args, 'provider') ?? 'auto');
    const quiet = booleanFlag(args, 'quiet');
    const pipelines = new WorkerPipelines({ provider, ...(threads !== undefined ? { threads } : {}) });
    const say = (t: string) => !quiet && ctx.err(`[worker ${process.pid}] ${t}\n`);
    const queueName = stringFlag(args, 'queue') ?? DEFAULT_QUEUE;
    const connection = parseRedisUrl(stringFlag(args, 'redis') ?? 'redis://127.0.0.1:6379');
    const tracker = new JobTracker();
    // Watching starts before anything connects: a worker signalled during startup, or started
    // while Redis is down, still stops.
    const stop = watchForStop(tracker, idleExitMs);
    // Jobs whose failure the processor already logged (BullMQ's 'failed' event repeats it).
    const reported = new Set<string>();
    let lastError = { text: '', at: 0 };
    // ioredis reports every reconnect attempt while Redis is down: one line per message and 10 s.
    const sayOnce = (text: string) => {
      if (text === lastError.text && Date.now() - lastError.at < 10_000) return;
      lastError = { text, at: Date.now() };
      say(text);
    };
    const run = (job: Job<InferenceJobData>) =>
      tracker.track(async () => {
        say(`started ${job.data.item.label}`);
        try {
          const result = await processJob(job, pipelines);
          say(`${result.skipped ? 'already complete' : 'done'} ${job.data.item.label}`);
          return result;
        } catch (error) {
          reported.add(job.id ?? '');
          say(`failed ${job.data.item.label} (attempt ${job.attemptsMade + 1}): ${describeError(error)}`);
          throw error;
        }
      });
    const make = () => {
      const worker = new Worker<InferenceJobData>(queueName, run, {
        connection,
        prefix: QUEUE_PREFIX,
        concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        // A job whose worker died is retried by another; after 3 stalls it is failed (poison input).
        maxStalledCount: 3,
      });
      worker.on('failed', (job, error) => {
        // The processor logs its own outcomes; this is BullMQ failing a job itself (stalled too often).
        if (job && !reported.delete(job.id ?? '')) say(`failed ${job.data.item.label} (attempt ${job.attemptsMade}): ${error.message}`);
      });
      worker.on('stalled', (jobId) => say(`job ${jobId} stalled (its worker lost the lock); it runs again`));
      worker.on('error', (error) => sayOnce(`error: ${error.message}`));
      return worker;
    };
    const supervisor = new WorkerSupervisor(make, say);
    // --idle-exit-ms counts time with Redis reachable only: an outage is not an empty queue.
    stop.pauseIdleWhile(() => !supervisor.reachable);
    try {
      await Promise.race([supervisor.worker.waitUntilReady().then(() => say(`listening on ${queueName}, concurrency ${concurrency}`)), stop.reason]);
    } catch (error) {
      stop.cancel();
      await supervisor.stop(tracker, 0);
      exitSoon();
      throw error;
    }
    const reason = await stop.reason;
    say(reason === 'idle' ? `no job for ${idleExitMs} ms, stopping` : `${reason}: finishing ${tracker.inFlight} job(s) in flight (at most ${drainMs} ms)`);
    const outcome = await supervisor.stop(tracker, drainMs);
    if (!outcome.drained) say(`stopped waiting with ${tracker.inFlight} job(s) unfinished: other workers take them over when their locks expire`);
    if (!outcome.closed) say('Redis did not confirm the last jobs in time: their locks expire and whoever takes them finds them complete');
    await settleWithin(pipelines.dispose(), FORCE_CLOSE_MS);
    say('stopped');
    exitSoon();
    return EXIT_OK;
  },
};
