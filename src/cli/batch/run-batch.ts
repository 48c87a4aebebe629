/**
 * The batch runner behind `medinfer run` (and `medinfer demo`): groups the inputs, creates the
 * pipeline once, runs up to `concurrency` inputs at a time through it, and writes each input's
 * outputs atomically followed by its results.jsonl line (the completion marker). One failing
 * input is logged to errors.jsonl and never stops the batch. Re-running skips inputs whose
 * line and files are complete; `overwrite` redoes them.
 */
import { join, resolve } from 'node:path';
import { describeError, isMedinferError, UsageError } from '../../core/errors.js';
import { isOutputFault, toIoError } from '../../core/io-error.js';
import { getModelEntry } from '../../manifest/load.js';
import { loadManifestWithStore } from '../../manifest/store/load-with-store.js';
import type { Manifest, ModelEntry } from '../../manifest/types.js';
import { createNodeContext } from '../../pipelines/node-context.js';
import { createPipelineInContext, isImplementedTask } from '../../pipelines/registry.js';
import { createThreadedBackend } from '../../runtime/threaded-backend.js';
import type { CliContext } from '../command.js';
import { ensureFolder, sweepTempFiles, writeFileAtomic } from '../../core/node-atomic-write.js';
import { acquireRunLock } from './run-lock.js';
import { writeAggregates } from './aggregates.js';
import { groupInputs, type GroupedInputs } from './group-inputs.js';
import type { MicroBatcher } from './micro-batcher.js';
import { createProgress, formatDuration, formatRate } from './progress.js';
import { stepProgressFromContext } from '../progress-line.js';
import { appendError, appendResult, compactResults, ERRORS_FILE, readResults, resetErrors, RESULTS_FILE } from './results-log.js';
import { buildOutputs, cliTask, inferItem, type AnyPipeline, type InferOptions } from '../tasks/index.js';
import type { BatchFailure, BatchItem, BatchOptions, BatchStop, BatchSummary, ResultLine } from './types.js';
import { poolSize, runPool } from './worker-pool.js';

export const DEFAULT_CONCURRENCY = 2;

/**
 * The manifest a command runs with: a Manifest as given, else the named file (default the bundled
 * one) merged with the user model store (`modelsDir`, else MEDINFER_MODELS, else the per-user folder).
 */
export async function loadManifest(manifest: Manifest | string | undefined, cwd: string, modelsDir?: string): Promise<Manifest> {
  if (manifest !== undefined && typeof manifest !== 'string') return manifest;
  const loaded = await loadManifestWithStore({ cwd, ...(manifest !== undefined ? { manifest } : {}), ...(modelsDir !== undefined ? { modelsDir } : {}) });
  return loaded.manifest;
}

export function checkConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 256)
    throw new UsageError(`--concurrency must be an integer from 1 to 256, got ${value}`, { field: 'concurrency', received: value });
  return value;
}

export async function openBatchPipeline(
  entry: ModelEntry,
  manifest: Manifest,
  options: Pick<BatchOptions, 'provider' | 'threads' | 'maxVoxels' | 'inferenceThread'>,
): Promise<AnyPipeline> {
  if (!isImplementedTask(entry.task))
    throw new UsageError(`model '${entry.id}' has task '${entry.task}', which the batch runner does not support`, { modelId: entry.id });
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
  // Writers map their own faults; a raw system error left here came from reading the input.
  const typed = toIoError(error, (error as { path?: unknown } | null | undefined)?.path?.toString() ?? item.label, 'read');
  if (isMedinferError(typed)) return { id: item.id, input: item.label, code: typed.code, message: typed.message };
  return { id: item.id, input: item.label, code: 'E_INTERNAL', message: describeError(error) };
}

/**
 * Runs one input and renames all its output files into place; returns its results line (not yet
 * recorded). Shared by `run` (which appends the line) and queue workers (which record it per item).
 */
export async function writeItemOutputs(pipe: AnyPipeline, item: BatchItem, outputDir: string, options: InferOptions): Promise<ResultLine> {
  const result = await inferItem(pipe, item, { ...options, outputDir });
  const outputs = await buildOutputs(item, result);
  for (const file of outputs.files) if ('bytes' in file) await writeFileAtomic(join(outputDir, file.name), file.bytes);
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

/** Inputs in flight together run as one batch where the task says it pays (classification). */
function createBatcher(pipe: AnyPipeline, options: BatchOptions, workers: number): MicroBatcher | undefined {
  return cliTask(pipe.task).batcher?.(pipe, { explain: options.explain ?? false, workers });
}

export async function runBatch(options: BatchOptions, ctx: CliContext): Promise<BatchSummary> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const manifest = await loadManifest(options.manifest, ctx.cwd);
  const entry = getModelEntry(manifest, options.model);
  const outputDir = resolve(ctx.cwd, options.output);
  const grouped = await groupInputs(options.inputs, entry, ctx.cwd, outputDir);
  if (grouped.items.length === 0)
    throw new UsageError(`no inputs found in ${options.inputs.join(', ')} for model '${entry.id}' (${entry.task})`, { field: 'input' });
  await ensureFolder(outputDir);
  const release = await acquireRunLock(outputDir);
  try {
    return await runLocked({ ...grouped, options, ctx, entry, manifest, outputDir, concurrency });
  } finally {
    await release();
  }
}

/** The inputs as grouped (items, ignored, skipped) and what the run was asked. */
interface BatchSetup extends GroupedInputs {
  readonly options: BatchOptions;
  readonly ctx: CliContext;
  readonly entry: ModelEntry;
  readonly manifest: Manifest;
  readonly outputDir: string;
  readonly concurrency: number;
}

/** The run proper, with the output folder locked. */
async function runLocked(setup: BatchSetup): Promise<BatchSummary> {
  const { options, ctx, entry, items, outputDir } = setup;
  const say = (text: string) => !options.quiet && ctx.err(text);
  const roles = (entry.inputs ?? []).map((i) => i.name).join(', ') || 'fixed, moving';
  for (const file of setup.ignored.slice(0, 10)) say(`medinfer run: ignored ${file}: its name matches none of the model's inputs (${roles})\n`);
  if (setup.ignored.length > 10) say(`medinfer run: ... and ${setup.ignored.length - 10} more files ignored\n`);
  const state: RunState = { started: Date.now(), failures: [], lines: new Map(), succeeded: 0, skipped: 0, todo: items.length, provider: 'none' };
  try {
    await processAll(setup, state, say);
  } catch (error) {
    // The output location failed (disk full, read-only, permission): stop with a summary; every
    // input not recorded is redone by the next run, and results.jsonl holds only whole lines.
    if (!isOutputFault(error)) throw error;
    state.stopped ??= { code: error.code, message: error.message, file: String(error.details.file) };
  }
  if (!state.stopped) {
    const ordered = [...state.lines.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await writeAggregates(outputDir, entry, ordered, options.format ?? 'json').catch((error: unknown) => {
      if (!isOutputFault(error)) throw error;
      state.stopped = { code: error.code, message: error.message, file: String(error.details.file) };
    });
  }
  const durationMs = Date.now() - state.started;
  const summary: BatchSummary = {
    model: entry.id,
    task: entry.task,
    total: items.length,
    succeeded: state.succeeded,
    failed: state.failures.length,
    skipped: state.skipped,
    notStarted: state.todo - state.succeeded - state.failures.length,
    durationMs,
    rate: (state.succeeded + state.failures.length) / Math.max(durationMs / 1000, 1e-3),
    outputDir,
    resultsPath: join(outputDir, RESULTS_FILE),
    errorsPath: join(outputDir, ERRORS_FILE),
    failures: state.failures,
    provider: state.provider,
    skippedFiles: [...setup.ignored.map((path) => ({ path, reason: `name matches none of the model's inputs (${roles})` })), ...setup.skipped],
    ...(state.stopped ? { stopped: state.stopped } : {}),
  };
  say(describeSummary(summary));
  return summary;
}

interface RunState {
  started: number;
  readonly failures: BatchFailure[];
  readonly lines: Map<string, ResultLine>;
  succeeded: number;
  skipped: number;
  /** Inputs this run has to do (not complete from an earlier run). */
  todo: number;
  provider: string;
  stopped?: BatchStop;
}

/** Resume bookkeeping, then every input not yet complete; throws an output fault to stop. */
async function processAll(setup: BatchSetup, state: RunState, say: (text: string) => void): Promise<void> {
  const { options, ctx, entry, manifest, items, outputDir, concurrency } = setup;
  await sweepTempFiles(outputDir);
  const previous = await readResults(outputDir);
  if (options.overwrite) for (const item of items) previous.delete(item.id);
  for (const [id, line] of previous) state.lines.set(id, line);
  const todo = items.filter((i) => !previous.has(i.id));
  state.todo = todo.length;
  state.skipped = items.length - todo.length;
  await compactResults(outputDir, previous.values());
  await resetErrors(outputDir);
  if (todo.length === 0) return;
  const pipe = await openBatchPipeline(entry, manifest, options);
  state.provider = pipe.provider.used;
  // Which providers were asked for and not used, and why (e.g. CUDA libraries missing): a user
  // who asked for a GPU must not learn from the timings that it ran on the CPU.
  for (const d of pipe.provider.dropped) say(`medinfer run: provider ${d.provider} not used: ${d.reason}\n`);
  // Time and rate count processing only: session creation is a fixed cost, reported apart by ONNX Runtime.
  state.started = Date.now();
  say(
    `medinfer run: ${items.length} inputs (${state.skipped} already done), model ${entry.id} (${entry.task}) on ${state.provider}, concurrency ` +
      `${concurrency}\n`,
  );
  const batcher = createBatcher(pipe, options, poolSize(concurrency, todo.length));
  const progress = createProgress({
    total: todo.length,
    isTTY: ctx.isTTY,
    quiet: options.quiet ?? false,
    write: ctx.err,
    ...(ctx.env['MEDINFER_PROGRESS_INTERVAL_MS'] ? { intervalMs: Number(ctx.env['MEDINFER_PROGRESS_INTERVAL_MS']) } : {}),
  });
  // Sliding-window progress per input (3D segmentation, several windows): plain
  // 'progress run: <id> windows d/t' lines, or on a terminal a note after the batch bar.
  const windowProgress = options.quiet
    ? undefined
    : (id: string) => {
        const plain = ctx.isTTY ? undefined : stepProgressFromContext(ctx, `run: ${id} windows`, false);
        return (done: number, total: number) => {
          if (total <= 1) return; // one window is the whole image: nothing to show
          if (!plain) return progress.note(done >= total ? '' : `${id}: windows ${done}/${total}`);
          plain.update(done, total);
          if (done >= total) plain.finish();
        };
      };
  const inferOptions: InferOptions = {
    ...(windowProgress ? { windowProgress } : {}),
    explain: options.explain ?? false,
    ...(options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}),
    ...(options.volume !== undefined ? { volume: options.volume } : {}),
    ...(batcher ? { classify: batcher.submit } : {}),
  };
  // Aborted by the caller (Ctrl-C) or by the first output fault: no new inputs, those in flight end.
  const halt = new AbortController();
  const onAbort = () => halt.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) halt.abort();
  const stopOn = (error: unknown): boolean => {
    if (!isOutputFault(error)) return false;
    state.stopped ??= { code: error.code, message: error.message, file: String(error.details.file) };
    halt.abort();
    return true;
  };
  try {
    await runPool(
      todo,
      concurrency,
      async (item) => {
        try {
          state.lines.set(item.id, await processItem(pipe, item, outputDir, inferOptions));
          state.succeeded++;
          progress.tick(true);
        } catch (error) {
          // An input whose outputs could not be written is not its fault: not done, redone next run.
          if (stopOn(error)) return;
          const failure = toFailure(item, error);
          state.failures.push(failure);
          await appendError(outputDir, { ...failure, at: new Date().toISOString() }).catch((e: unknown) => {
            if (!stopOn(e)) throw e;
          });
          progress.tick(false);
        }
      },
      halt.signal,
      batcher?.retire,
    );
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    progress.finish();
    await pipe.dispose();
  }
}

export function describeSummary(s: BatchSummary): string {
  const lines = [
    `done: ${s.succeeded} ok, ${s.failed} failed, ${s.skipped} skipped (already complete) of ${s.total} in ${formatDuration(s.durationMs / 1000)} ` +
      `(${formatRate(s.rate)} inputs/s)`,
    `outputs: ${s.outputDir} (results: ${RESULTS_FILE}${s.failed ? `, errors: ${ERRORS_FILE}` : ''})`,
  ];
  if (s.stopped)
    lines.unshift(
      `stopped: ${s.stopped.code}: ${s.stopped.message}\n${s.notStarted} inputs not done; fix the output location and run the same command again to resume`,
    );
  else if (s.notStarted > 0) lines.unshift(`interrupted: ${s.notStarted} inputs not started; run the same command again to resume`);
  // Names of the model-role mismatches were printed at the start; the rest is listed here.
  const other = s.skippedFiles.filter((f) => !f.reason.startsWith('name matches none'));
  if (s.skippedFiles.length > 0)
    lines.push(`not inputs: ${s.skippedFiles.length} files or folders in the input folders (reasons in the --json summary, skippedFiles)`);
  for (const f of other.slice(0, 10)) lines.push(`  skipped ${f.path}: ${f.reason}`);
  if (other.length > 10) lines.push(`  ... and ${other.length - 10} more`);
  for (const f of s.failures.slice(0, 20)) lines.push(`  failed ${f.input}: ${f.code}: ${f.message}`);
  if (s.failures.length > 20) lines.push(`  ... and ${s.failures.length - 20} more in ${ERRORS_FILE}`);
  return lines.join('\n') + '\n';
}
