/**
 * `medinfer eval`: the model over a labelled set, one shared session, `concurrency` cases in
 * flight, then the task's metrics (src/postprocess/metrics). Cases that fail to load or run are
 * listed and left out of the metrics; they never stop the evaluation.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from '../../../core/errors.js';
import { getModelEntry } from '../../../manifest/load.js';
import type { ModelEntry } from '../../../manifest/types.js';
import type { CliContext } from '../../command.js';
import { groupInputs } from '../group-inputs.js';
import { createProgress } from '../progress.js';
import { checkConcurrency, DEFAULT_CONCURRENCY, loadManifest, openBatchPipeline, toFailure } from '../run-batch.js';
import type { BatchFailure, BatchItem, BatchOptions } from '../types.js';
import { runPool } from '../worker-pool.js';
import { cliTask, inferItem } from '../../tasks/index.js';
import type { EvalMetrics, Evaluator } from '../../tasks/types.js';

export interface EvalOptions extends Pick<BatchOptions, 'manifest' | 'provider' | 'threads' | 'maxVoxels' | 'quiet'> {
  readonly model: string;
  /** A folder or a CSV (see the command's usage for what each task expects). */
  readonly data: string;
  /** The user model store (default: MEDINFER_MODELS, else the per-user folder). */
  readonly modelsDir?: string;
  readonly concurrency?: number;
  /** Detection: LUNA16 annotations (default: annotations.csv in the data folder). */
  readonly annotations?: string;
  /** Detection: annotations_excluded.csv (findings that are neither hits nor false positives). */
  readonly excluded?: string;
}

export interface EvalReport {
  readonly model: string;
  readonly task: string;
  readonly data: string;
  readonly cases: number;
  readonly evaluated: number;
  readonly failed: number;
  readonly failures: readonly BatchFailure[];
  readonly provider: string;
  readonly durationMs: number;
  readonly metrics: EvalMetrics;
}

const LIST_NAMES = ['labels.csv', 'eval.csv', 'reports.csv', 'pairs.csv', 'cases.csv'];

async function findListCsv(dir: string): Promise<string> {
  const csvs = (await readdir(dir)).filter((n) => extname(n).toLowerCase() === '.csv' && !n.startsWith('.'));
  const known = LIST_NAMES.find((n) => csvs.includes(n));
  if (known) return join(dir, known);
  if (csvs.length === 1) return join(dir, csvs[0]!);
  throw new UsageError(`${dir}: expected one labels CSV (${LIST_NAMES.join(', ')}), found ${csvs.length ? csvs.join(', ') : 'none'}`, { field: 'data' });
}

async function prepare(entry: ModelEntry, options: EvalOptions, cwd: string): Promise<{ items: BatchItem[]; evaluator: Evaluator }> {
  const data = resolve(cwd, options.data);
  const info = await stat(data).catch(() => undefined);
  if (!info) throw new UsageError(`--data ${options.data}: no such file or folder`, { field: 'data' });
  const evaluation = cliTask(entry.task).evaluation;
  const located = {
    path: data,
    isDirectory: info.isDirectory(),
    ...(options.annotations ? { annotations: resolve(cwd, options.annotations) } : {}),
    ...(options.excluded ? { excluded: resolve(cwd, options.excluded) } : {}),
  };
  if (evaluation.cases === 'folder') {
    const { items } = await groupInputs([info.isDirectory() ? data : dirname(data)], entry, cwd);
    return { items, evaluator: await evaluation.evaluator(entry, { ...located, list: undefined }) };
  }
  const csv = info.isDirectory() ? await findListCsv(data) : data;
  if (extname(csv).toLowerCase() !== '.csv') throw new UsageError(`--data ${options.data}: expected a CSV or a folder holding one`, { field: 'data' });
  const { items } = await groupInputs([csv], entry, cwd);
  return { items, evaluator: await evaluation.evaluator(entry, { ...located, list: csv }) };
}

export async function runEval(options: EvalOptions, ctx: CliContext): Promise<EvalReport> {
  const concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  const manifest = await loadManifest(options.manifest, ctx.cwd, options.modelsDir);
  const entry = getModelEntry(manifest, options.model);
  const { items, evaluator } = await prepare(entry, options, ctx.cwd);
  if (items.length === 0) throw new UsageError(`--data ${options.data}: no cases found for model '${entry.id}' (${entry.task})`, { field: 'data' });
  evaluator.check?.(items);
  const started = Date.now();
  const pipe = await openBatchPipeline(entry, manifest, options);
  const failures: BatchFailure[] = [];
  const progress = createProgress({ total: items.length, isTTY: ctx.isTTY, quiet: options.quiet ?? false, write: ctx.err });
  try {
    await runPool(items, concurrency, async (item) => {
      try {
        await evaluator.add(item, await inferItem(pipe, item, options.maxVoxels !== undefined ? { maxVoxels: options.maxVoxels } : {}));
        progress.tick(true);
      } catch (error) {
        failures.push(toFailure(item, error));
        progress.tick(false);
      }
    });
  } finally {
    progress.finish();
    await pipe.dispose();
  }
  return {
    model: entry.id,
    task: entry.task,
    data: options.data,
    cases: items.length,
    evaluated: items.length - failures.length,
    failed: failures.length,
    failures,
    provider: pipe.provider.used,
    durationMs: Date.now() - started,
    metrics: evaluator.finish(),
  };
}
