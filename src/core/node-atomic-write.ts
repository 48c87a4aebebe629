/**
 * Atomic output files: bytes go to a hidden temporary file in the destination folder (same file
 * system, so rename is atomic) and are renamed into place only when complete. A run killed at
 * any moment leaves either the previous file, the complete new one, or a hidden `*.medinfer-tmp`
 * file that the next run sweeps away before it starts.
 */
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf, toIoError } from './io-error.js';

export const TEMP_SUFFIX = '.medinfer-tmp';
let counter = 0;

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** A fresh hidden temporary name beside `path` (same folder, so renaming it into place is atomic). */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${(counter++).toString(36)}${TEMP_SUFFIX}`);
}

/** Writes `path` whole or not at all; a file-system fault is a typed IoError naming `path`. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = tempPathBeside(path);
  let op: 'write' | 'rename' = 'write';
  try {
    await writeFile(temp, data, { flag: 'wx' });
    op = 'rename';
    await rename(temp, path);
  } catch (error) {
    // A full disk can leave part of the temp file: remove it so the space comes back.
    await unlink(temp).catch(() => undefined);
    throw toIoError(error, path, op);
  }
}

/**
 * Creates `path` and its parents (like mkdir -p) or throws a typed IoError naming it. Node's
 * recursive mkdir reports ENOENT when a parent cannot be created on a read-only or forbidden
 * file system; the first missing level is then created alone to get the real cause (EROFS, EACCES).
 */
export async function ensureFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw toIoError(errnoOf(error) === 'ENOENT' ? await firstLevelError(path, error) : error, path, 'mkdir');
  }
  // mkdir -p accepts an existing path without saying what it is.
  const info = await stat(path).catch((error: unknown) => {
    throw toIoError(error, path, 'mkdir');
  });
  if (!info.isDirectory()) throw toIoError(Object.assign(new Error('not a folder'), { code: 'EEXIST' }), path, 'mkdir');
}

async function firstLevelError(path: string, fallback: unknown): Promise<unknown> {
  let missing = path;
  for (let parent = dirname(missing); parent !== missing; missing = parent, parent = dirname(parent)) {
    if (
      await stat(parent).then(
        () => true,
        () => false,
      )
    )
      break;
  }
  return mkdir(missing).then(
    () => fallback,
    (error: unknown) => error,
  );
}

/** Removes temporary files a killed run left behind; returns how many. */
export async function sweepTempFiles(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    if (!isTempName(name)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed++;
  }
  return removed;
}
