/**
 * Atomic output files: bytes go to a hidden temporary file in the destination folder (same file
 * system, so rename is atomic) and are renamed into place only when complete. A run killed at
 * any moment leaves either the previous file, the complete new one, or a hidden `*.medinfer-tmp`
 * file that the next run sweeps away before it starts.
 */
import { readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_SUFFIX = '.medinfer-tmp';
let counter = 0;

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${(counter++).toString(36)}${TEMP_SUFFIX}`);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
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
