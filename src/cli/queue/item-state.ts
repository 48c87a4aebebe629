/**
 * Per-item completion records of queued work, kept in the output folder: results/<id>.json is
 * written (atomically) after all the item's files are in place, errors/<id>.json when it failed
 * for good. One file per item works on shared network folders where concurrent appends to one
 * log would not be safe; `collect` turns them into results.jsonl / errors.jsonl like `run` writes.
 */
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureFolder, writeFileAtomic } from '../../core/node-atomic-write.js';
import type { BatchFailure, ResultLine } from '../batch/types.js';
import { QUEUE_STATE_DIR } from './job-data.js';

const dirOf = (output: string, kind: 'results' | 'errors') => join(output, QUEUE_STATE_DIR, kind);
// Item ids are sanitised stems (no separators); encode anyway so a file name can never escape.
const fileOf = (output: string, kind: 'results' | 'errors', id: string) => join(dirOf(output, kind), `${encodeURIComponent(id)}.json`);

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The item's result when it is complete: record present and every listed output file present. */
export async function readCompletedItem(output: string, id: string): Promise<ResultLine | undefined> {
  const text = await readFile(fileOf(output, 'results', id), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const line = JSON.parse(text) as ResultLine;
    const present = await Promise.all(line.outputs.map((o) => isFile(join(output, o))));
    return present.every(Boolean) ? line : undefined;
  } catch {
    return undefined;
  }
}

/** The item's final failure record, when it failed for good. */
export async function readFailedItem(output: string, id: string): Promise<BatchFailure | undefined> {
  const text = await readFile(fileOf(output, 'errors', id), 'utf8').catch(() => undefined);
  try {
    return text === undefined ? undefined : (JSON.parse(text) as BatchFailure);
  } catch {
    return undefined;
  }
}

export async function recordCompleted(output: string, line: ResultLine): Promise<void> {
  await ensureFolder(dirOf(output, 'results'));
  await writeFileAtomic(fileOf(output, 'results', line.id), JSON.stringify(line));
  await unlink(fileOf(output, 'errors', line.id)).catch(() => undefined);
}

export async function recordFailed(output: string, failure: BatchFailure & { readonly at: string; readonly attempts: number }): Promise<void> {
  await ensureFolder(dirOf(output, 'errors'));
  await writeFileAtomic(fileOf(output, 'errors', failure.id), JSON.stringify(failure));
}

async function readAll<T>(dir: string): Promise<T[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const out: T[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as T);
    } catch {
      // A record is renamed into place whole; an unreadable one is skipped, not fatal.
    }
  }
  return out;
}

export const readItemResults = (output: string) => readAll<ResultLine>(dirOf(output, 'results'));
export const readItemErrors = (output: string) => readAll<BatchFailure & { at: string; attempts: number }>(dirOf(output, 'errors'));
