/**
 * The batch runner behind `medinfer run` (and `medinfer demo`): groups the inputs, creates the
 * pipeline once, runs up to `concurrency` inputs at a time through it, and writes each input's
 * outputs atomically followed by its results.jsonl line (the completion marker). One failing
 * input is logged to errors.jsonl and never stops the batch. Re-running skips inputs whose
 * line and files are complete; `overwrite` redoes them.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeError, isMedinferError, UsageError } from '../../core/errors.js';
import { getModelEntry } from '../../manifest/load.js';
import { readManifestFile } from '../../manifest/node-manifest.js';
import type { Manifest, ModelEntry } from '../../manifest/types.js';
import { createNodeContext } from '../../pipelines/node-context.js';
import { createPipelineInContext, isImplementedTask } from '../../pipelines/registry.js';
import { createThreadedBackend } from './threaded-backend.js';
import type { CliContext } from '../command.js';
import { sweepTempFiles, writeFileAtomic } from './atomic-writer.js';
import { acquireRunLock } from './run-lock.js';
import { writeAggregates } from './aggregates.js';
import { groupInputs } from './group-inputs.js';
import { inferItem, type AnyPipeline, type InferOptions } from './infer-item.js';
import { createMicroBatcher, type MicroBatcher } from './micro-batcher.js';
import { createProgress, formatDuration, formatRate } from './progress.js';
import { appendError, appendResult, compactResults, ERRORS_FILE, readResults, resetErrors, RESULTS_FILE } from './results-log.js';
import { buildOutputs } from './task-outputs/index.js';
import type { BatchFailure, BatchItem, BatchOptions, BatchSummary, ResultLine } from './types.js';
import { poolSize, runPool } from './worker-pool.js';

export const DEFAULT_CONCURRENCY = 2;

export async function loadManifest(manifest: Manifest | string | undefined, cwd: string): Promise<Manifest> {
  if (manifest === undefined) return readManifestFile();
  return typeof manifest === 'string' ? readManifestFile(resolve(cwd, manifest)) : manifest;
}

export function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 256) throw new UsageError(`--concurrency must be an integer from 1 to 256, got ${value}`, { field: 'concurrency', received: value });
  return value;
}

export async function openBatchPipeline(entry: ModelEntry, manifest: Manifest, options: Pick<BatchOptions, 'provider' | 'threads' | 'maxVoxels' | 'inferenceThread'>): Promise<AnyPipeline> {
  if (!isImplementedTask(entry.task)) throw new UsageError(`model '${entry.id}' has task '${entry.task}', which the batch runner does not support`, { modelId: entry.id });
  const context = await createNodeContext({
    manifest,
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}),
  });
  const threaded = options.inferenceThread === 'main' ? undefined : createThreadedBackend();
  try {
    return await createPipelineInContext(entry.task, entry, threaded ? { ...context, backend: threaded } : context);
  } catch (error) {
    await threaded?.close();
    throw error;
  }
}

export function toFailure(item: BatchItem, error: unknown): BatchFailure {
  if (isMedinferError(error)) return { id: item.id, input: item.label, code: error.code, message: error.message };
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return { id: item.id, input: item.label, code: typeof errno === 'string' ? `E_IO_${errno}` : 'E_INTERNAL', message: describeError(error) };
}

/**
 * Runs one input and renames all its output files into place; returns its results line (not yet
 * recorded). Shared by `run` (which appends the line) and queue workers (which record it per item).
 */
export async function writeItemOutputs(pipe: AnyPipeline, item: BatchItem, outputDir: string, options: InferOptions): Promise<ResultLine> {
  const result = await inferItem(pipe, item, options);
  const outputs = await buildOutputs(item, result);
  for (const file of outputs.files) await writeFileAtomic(join(outputDir, file.name), file.bytes);
  const line: ResultLine = {
    id: item.id,
    input: item.label,
    outputs: outputs.files.map((f) => f.name),
    summary: outputs.summary,
    ...(outputs.candidates ? { candidates: outputs.candidates } : {}),
    ...(outputs.warnings.length ? { warnings: outputs.warnings } : {}),
    provenance: outputs.provenance,
    completedAt: new Date().toISOString(),
  };
  return line;
}

async function processItem(pipe: AnyPipeline, item: BatchItem, outputDir: string, options: InferOptions): Promise<ResultLine> {
  const line = await writeItemOutputs(pipe, item, outputDir, options);
  // Written last: its presence marks the input complete for resume.
  await appendResult(outputDir, line);
  return line;
}

/**
 * Classification without --explain batches inputs that are in flight together (micro-batcher.ts).
 * A batch takes at most half the workers, so the other half decode the next batch meanwhile;
 * below 4 workers plain concurrent runs overlap better than batches would.
 */
function createBatcher(pipe: AnyPipeline, options: BatchOptions, workers: number): MicroBatcher | undefined {
  const maxBatch = Math.min(pipe.entry.inference.batch ?? 8, Math.floor(workers / 2));
  if (pipe.task !== 'classification' || options.explain || maxBatch < 2) return undefined;
  return createMicroBatcher(pipe, workers, maxBatch);
}

export async function runBatch(options: BatchOptions, ctx: CliContext): Promise<BatchSummary> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const manifest = await loadManifest(options.manifest, ctx.cwd);
  const entry = getModelEntry(manifest, options.model);
  const outputDir = resolve(ctx.cwd, options.output);
  const { items, ignored } = await groupInputs(options.inputs, entry, ctx.cwd, outputDir);
  if (items.length === 0) throw new UsageError(`no inputs found in ${options.inputs.join(', ')} for model '${entry.id}' (${entry.task})`, { field: 'input' });
  await mkdir(outputDir, { recursive: true });
  const release = await acquireRunLock(outputDir);
  try {
    return await runLocked({ options, ctx, entry, manifest, items, ignored, outputDir, concurrency });
  } finally {
    await release();
  }
}

interface BatchSetup {
  readonly options: BatchOptions;
  readonly ctx: CliContext;
  readonly entry: ModelEntry;
  readonly manifest: Manifest;
  readonly items: readonly BatchItem[];
  readonly ignored: readonly string[];
  readonly outputDir: string;
  readonly concurrency: number;
}

/** The run proper, with the output folder locked. */
async function runLocked(setup: BatchSetup): Promise<BatchSummary> {
  const { options, ctx, entry, manifest, items, ignored, outputDir, concurrency } = setup;
  await sweepTempFiles(outputDir);
  const previous = await readResults(outputDir);
  const ids = new Set(items.map((i) => i.id));
  if (options.overwrite) for (const id of ids) previous.delete(id);
  await compactResults(outputDir, previous.values());
  await resetErrors(outputDir);
  const todo = items.filter((i) => !previous.has(i.id));
  const skipped = items.length - todo.length;
  const say = (text: string) => !options.quiet && ctx.err(text);
  const roles = (entry.inputs ?? []).map((i) => i.name).join(', ') || 'fixed, moving';
  for (const file of ignored.slice(0, 10)) say(`medinfer run: ignored ${file}: its name matches none of the model's inputs (${roles})\n`);
  if (ignored.length > 10) say(`medinfer run: ... and ${ignored.length - 10} more files ignored\n`);

  let started = Date.now();
  const failures: BatchFailure[] = [];
  const lines = new Map(previous);
  let succeeded = 0;
  let provider = 'none';
  if (todo.length > 0) {
    const pipe = await openBatchPipeline(entry, manifest, options);
    provider = pipe.provider.used;
    // Time and rate count processing only: session creation is a fixed cost, reported apart by ONNX Runtime.
    started = Date.now();
    say(`medinfer run: ${items.length} inputs (${skipped} already done), model ${entry.id} (${entry.task}) on ${provider}, concurrency ${concurrency}\n`);
    const batcher = createBatcher(pipe, options, poolSize(concurrency, todo.length));
    const inferOptions: InferOptions = { explain: options.explain ?? false, ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}), ...(options.volume !== undefined ? { volume: options.volume } : {}), ...(batcher ? { classify: batcher.submit } : {}) };
    const progress = createProgress({ total: todo.length, isTTY: ctx.isTTY, quiet: options.quiet ?? false, write: ctx.err, ...(ctx.env['MEDINFER_PROGRESS_INTERVAL_MS'] ? { intervalMs: Number(ctx.env['MEDINFER_PROGRESS_INTERVAL_MS']) } : {}) });
    try {
      await runPool(todo, concurrency, async (item) => {
        try {
          lines.set(item.id, await processItem(pipe, item, outputDir, inferOptions));
          succeeded++;
          progress.tick(true);
        } catch (error) {
          const failure = toFailure(item, error);
          failures.push(failure);
          await appendError(outputDir, { ...failure, at: new Date().toISOString() });
          progress.tick(false);
        }
      }, options.signal, batcher?.retire);
    } finally {
      progress.finish();
      await pipe.dispose();
    }
  }
  const ordered = [...lines.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  await writeAggregates(outputDir, entry, ordered, options.format ?? 'json');
  const durationMs = Date.now() - started;
  const summary: BatchSummary = {
    model: entry.id,
    task: entry.task,
    total: items.length,
    succeeded,
    failed: failures.length,
    skipped,
    notStarted: todo.length - succeeded - failures.length,
    durationMs,
    rate: (succeeded + failures.length) / Math.max(durationMs / 1000, 1e-3),
    outputDir,
    resultsPath: join(outputDir, RESULTS_FILE),
    errorsPath: join(outputDir, ERRORS_FILE),
    failures,
    provider,
  };
  say(describeSummary(summary));
  return summary;
}

export function describeSummary(s: BatchSummary): string {
  const lines = [
    `done: ${s.succeeded} ok, ${s.failed} failed, ${s.skipped} skipped (already complete) of ${s.total} in ${formatDuration(s.durationMs / 1000)} (${formatRate(s.rate)} inputs/s)`,
    `outputs: ${s.outputDir} (results: ${RESULTS_FILE}${s.failed ? `, errors: ${ERRORS_FILE}` : ''})`,
  ];
  if (s.notStarted > 0) lines.unshift(`interrupted: ${s.notStarted} inputs not started; run the same command again to resume`);
  for (const f of s.failures.slice(0, 20)) lines.push(`  failed ${f.input}: ${f.code}: ${f.message}`);
  if (s.failures.length > 20) lines.push(`  ... and ${s.failures.length - 20} more in ${ERRORS_FILE}`);
  return lines.join('\n') + '\n';
}
