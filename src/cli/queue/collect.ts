/**
 * Turns the per-item records of a queued batch into the same files `medinfer run` leaves:
 * results.jsonl (one line per completed input, sorted by id), errors.jsonl, results.csv /
 * candidates.csv. Temporary files of killed workers are swept when no job of the batch is active.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getModelEntry } from '../../manifest/load.js';
import { sweepTempFiles, writeFileAtomic } from '../../core/node-atomic-write.js';
import { writeAggregates } from '../batch/aggregates.js';
import { compactResults, ERRORS_FILE } from '../batch/results-log.js';
import { loadManifest } from '../batch/run-batch.js';
import type { OutputFormat } from '../batch/types.js';
import { QUEUE_STATE_DIR } from './job-data.js';
import { readItemErrors, readItemResults } from './item-state.js';

export interface BatchRecord {
  readonly model: string;
  readonly manifest?: string;
  readonly format: OutputFormat;
  readonly items: readonly string[];
  readonly submittedAt: string;
}

export const batchRecordPath = (output: string) => join(output, QUEUE_STATE_DIR, 'batch.json');

export async function readBatchRecord(output: string): Promise<BatchRecord | undefined> {
  const text = await readFile(batchRecordPath(output), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as BatchRecord);
}

export interface CollectSummary {
  readonly completed: number;
  readonly failed: number;
  readonly pending: number;
}

export async function collectBatch(output: string, options: { sweep: boolean }): Promise<CollectSummary> {
  const record = await readBatchRecord(output);
  const results = (await readItemResults(output)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const done = new Set(results.map((r) => r.id));
  const errors = (await readItemErrors(output)).filter((e) => !done.has(e.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
  await compactResults(output, results);
  await writeFileAtomic(join(output, ERRORS_FILE), errors.map(({ attempts: _a, ...e }) => JSON.stringify(e) + '\n').join(''));
  if (record) {
    const manifest = await loadManifest(record.manifest, process.cwd());
    await writeAggregates(output, getModelEntry(manifest, record.model), results, record.format);
  }
  if (options.sweep) await sweepTempFiles(output);
  const total = record?.items.length ?? results.length + errors.length;
  return { completed: results.length, failed: errors.length, pending: Math.max(0, total - results.length - errors.length) };
}
