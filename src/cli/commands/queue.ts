/**
 * `medinfer queue submit | status | collect`: batch inference spread over any number of worker
 * processes and machines through a Redis-backed BullMQ queue (see README, "Scaling out").
 */
import { resolve } from 'node:path';
import { Queue } from 'bullmq';
import { UsageError } from '../../core/errors.js';
import { booleanFlag, parseCommandArgs, stringFlag, stringListFlag, type ParsedArgs } from '../args.js';
import { EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, type CliCommand, type CliContext } from '../command.js';
import { collectBatch } from '../queue/collect.js';
import { DEFAULT_QUEUE, parseRedisUrl, QUEUE_PREFIX } from '../queue/connection.js';
import type { InferenceJobData } from '../queue/job-data.js';
import { formatQueueStatus, readQueueStatus } from '../queue/status.js';
import { submitBatch, waitForJobs } from '../queue/submit.js';

const USAGE = `Usage:
  medinfer queue submit --model ID --input PATH... --output DIR [--redis URL] [--queue NAME]
                        [--manifest FILE] [--format json|csv] [--explain] [--volume N] [--attempts 3] [--backoff-ms 2000] [--wait] [--quiet]
  medinfer queue status [--redis URL] [--queue NAME] [--output DIR] [--json]
  medinfer queue collect --output DIR [--redis URL] [--queue NAME]

Jobs run in 'medinfer worker' processes on any machine that reaches Redis and the shared input /
output folders. Outputs, results.jsonl and errors.jsonl are those of 'medinfer run' (collect builds
the .jsonl files from per-input records; submit --wait and status --output collect too).
--redis defaults to redis://127.0.0.1:6379.`;

const OPTIONS = {
  model: { type: 'string' },
  input: { type: 'string', multiple: true },
  output: { type: 'string' },
  redis: { type: 'string' },
  queue: { type: 'string' },
  manifest: { type: 'string' },
  format: { type: 'string' },
  explain: { type: 'boolean' },
  volume: { type: 'string' },
  attempts: { type: 'string' },
  'backoff-ms': { type: 'string' },
  wait: { type: 'boolean' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  'poll-ms': { type: 'string' },
} as const;

function openQueue(args: ParsedArgs, ctx: CliContext): Queue<InferenceJobData> {
  const queue = new Queue<InferenceJobData>(stringFlag(args, 'queue') ?? DEFAULT_QUEUE, {
    connection: parseRedisUrl(stringFlag(args, 'redis') ?? 'redis://127.0.0.1:6379'),
    prefix: QUEUE_PREFIX,
  });
  // Connection errors while Redis restarts: ioredis reconnects and commands wait (no request
  // retry limit), so they are reported once and waited out; unhandled they would end the process.
  let reported = '';
  queue.on('error', (error) => {
    if (error.message !== reported && !booleanFlag(args, 'quiet')) ctx.err(`medinfer queue: redis: ${error.message} (waiting for it to come back)\n`);
    reported = error.message;
  });
  return queue;
}

function intFlag(args: ParsedArgs, name: string, fallback: number, min: number): number {
  const raw = stringFlag(args, name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${raw}'`, { field: name });
  return value;
}

/** True while any active or waiting job of this queue belongs to `output`. */
async function batchBusy(queue: Queue<InferenceJobData>, output: string): Promise<boolean> {
  const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'], 0, 10_000);
  return jobs.some((j) => j?.data?.output === output);
}

async function submit(args: ParsedArgs, ctx: CliContext, queue: Queue<InferenceJobData>): Promise<number> {
  const model = stringFlag(args, 'model');
  const output = stringFlag(args, 'output');
  const inputs = stringListFlag(args, 'input');
  if (!model || !output || inputs.length === 0) throw new UsageError('queue submit needs --model, --input and --output');
  const format = stringFlag(args, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, got '${format}'`);
  const manifest = stringFlag(args, 'manifest');
  const s = await submitBatch(
    queue,
    {
      model,
      inputs,
      output,
      format,
      explain: booleanFlag(args, 'explain'),
      attempts: intFlag(args, 'attempts', 3, 1),
      backoffMs: intFlag(args, 'backoff-ms', 2000, 0),
      ...(manifest !== undefined ? { manifest } : {}),
      ...(stringFlag(args, 'volume') !== undefined ? { volume: intFlag(args, 'volume', 0, 0) } : {}),
    },
    ctx.cwd,
  );
  const quiet = booleanFlag(args, 'quiet');
  if (!quiet) ctx.err(`medinfer queue: ${s.total} inputs: ${s.enqueued} enqueued, ${s.alreadyDone} already complete, ${s.alreadyQueued} already queued\n`);
  if (!booleanFlag(args, 'wait')) {
    ctx.out(JSON.stringify({ ...s, jobIds: undefined, jobs: undefined }) + '\n');
    return EXIT_OK;
  }
  const outDir = resolve(ctx.cwd, output);
  const pollMs = intFlag(args, 'poll-ms', 1000, 50);
  // Only jobs not yet seen finished are polled, so waiting costs less as the batch drains; jobs
  // Redis lost (restart without persistence) are added again unless their input has a record.
  const readded = await waitForJobs(queue, s.jobs, {
    pollMs,
    progress: (finished, total, again) =>
      !quiet && ctx.err(`medinfer queue: ${finished}/${total} finished${again ? ` (${again} re-added after Redis lost them)` : ''}\n`),
  });
  if (readded > 0 && !quiet) ctx.err(`medinfer queue: ${readded} job(s) were re-added after Redis lost them\n`);
  const c = await collectBatch(outDir, { sweep: !(await batchBusy(queue, outDir)) });
  ctx.out(JSON.stringify({ ...c, output: outDir }) + '\n');
  return c.failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}

export const command: CliCommand = {
  name: 'queue',
  summary: 'spread a batch over worker processes / machines with a Redis queue (submit, status, collect)',
  usage: USAGE,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, OPTIONS, 'queue');
    const [sub, ...rest] = args.positionals;
    if (rest.length > 0 || !['submit', 'status', 'collect'].includes(sub ?? '')) {
      ctx.err(`medinfer queue: expected submit, status or collect\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    const queue = openQueue(args, ctx);
    try {
      if (sub === 'submit') return await submit(args, ctx, queue);
      const output = stringFlag(args, 'output');
      if (sub === 'collect') {
        if (!output) throw new UsageError('queue collect needs --output');
        const outDir = resolve(ctx.cwd, output);
        const c = await collectBatch(outDir, { sweep: !(await batchBusy(queue, outDir)) });
        ctx.out(JSON.stringify({ ...c, output: outDir }) + '\n');
        return c.failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
      }
      const status = await readQueueStatus(queue);
      const batch = output ? await collectBatch(resolve(ctx.cwd, output), { sweep: false }) : undefined;
      if (booleanFlag(args, 'json')) ctx.out(JSON.stringify({ ...status, ...(batch ? { batch } : {}) }) + '\n');
      else
        ctx.out(`${formatQueueStatus(status)}${batch ? `\nbatch ${output}: ${batch.completed} done, ${batch.failed} failed, ${batch.pending} pending` : ''}\n`);
      return EXIT_OK;
    } finally {
      await queue.close();
    }
  },
};
