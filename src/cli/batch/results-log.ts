/**
 * results.jsonl / errors.jsonl. A line in results.jsonl is the completion marker of its input:
 * it is appended only after all the input's files were renamed into place, so on resume an
 * input counts as done exactly when its line parses and every file it lists exists. A line cut
 * short by a kill is ignored and dropped when the log is compacted at the next start; a line that
 * fails to append (disk full) is truncated away at once, so the log never ends in a torn line.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { toIoError } from '../../core/io-error.js';
import { writeFileAtomic } from '../../core/node-atomic-write.js';
import type { BatchFailure, ResultLine } from './types.js';

export const RESULTS_FILE = 'results.jsonl';
export const ERRORS_FILE = 'errors.jsonl';

function parseLine(line: string): ResultLine | undefined {
  try {
    const value = JSON.parse(line) as ResultLine;
    return typeof value.id === 'string' && Array.isArray(value.outputs) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Complete entries of results.jsonl, last line per id wins; entries whose files vanished are dropped. */
export async function readResults(outputDir: string): Promise<Map<string, ResultLine>> {
  const text = await readFile(join(outputDir, RESULTS_FILE), 'utf8').catch(() => '');
  const byId = new Map<string, ResultLine>();
  for (const line of text.split('\n')) {
    const entry = line.trim() ? parseLine(line) : undefined;
    if (entry) byId.set(entry.id, entry);
  }
  for (const [id, entry] of byId) {
    const present = await Promise.all(entry.outputs.map((o) => exists(join(outputDir, o))));
    if (!present.every(Boolean)) byId.delete(id);
  }
  return byId;
}

/** Rewrites results.jsonl with just `entries` (atomic), so torn lines and redone inputs disappear. */
export async function compactResults(outputDir: string, entries: Iterable<ResultLine>): Promise<void> {
  const lines = [...entries].map((e) => JSON.stringify(e) + '\n').join('');
  await writeFileAtomic(join(outputDir, RESULTS_FILE), lines);
}

/**
 * Appends one whole line or nothing: one write call (O_APPEND), and on failure (ENOSPC can write
 * part of it) the file is cut back to its size before the write. Appends to one file are chained
 * so a cut never removes another input's line that landed in between (the run lock keeps other
 * processes out). This per-path chain is the module's only state: it is empty when no append runs.
 */
const appendChains = new Map<string, Promise<void>>();

export function appendLine(path: string, line: string): Promise<void> {
  const next = (appendChains.get(path) ?? Promise.resolve()).then(() => appendWhole(path, line));
  const tail = next.catch(() => undefined);
  appendChains.set(path, tail);
  void tail.then(() => {
    if (appendChains.get(path) === tail) appendChains.delete(path);
  });
  return next;
}

async function appendWhole(path: string, line: string): Promise<void> {
  const bytes = Buffer.from(line.endsWith('\n') ? line : line + '\n');
  const fh = await open(path, 'a').catch((error: unknown) => {
    throw toIoError(error, path, 'append');
  });
  let size = -1;
  try {
    size = (await fh.stat()).size;
    for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done)).bytesWritten;
  } catch (error) {
    if (size >= 0) await fh.truncate(size).catch(() => undefined);
    throw toIoError(error, path, 'append');
  } finally {
    await fh.close().catch(() => undefined);
  }
}

export async function appendResult(outputDir: string, entry: ResultLine): Promise<void> {
  await appendLine(join(outputDir, RESULTS_FILE), JSON.stringify(entry));
}

export async function resetErrors(outputDir: string): Promise<void> {
  await writeFileAtomic(join(outputDir, ERRORS_FILE), '');
}

export async function appendError(outputDir: string, failure: BatchFailure & { readonly at: string }): Promise<void> {
  await appendLine(join(outputDir, ERRORS_FILE), JSON.stringify(failure));
}
