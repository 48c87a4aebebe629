/**
 * One writer per output folder: two runs appending to the same results.jsonl (e.g. overlapping
 * cron jobs) would each compact the log under the other. The lock is a hidden file holding the
 * owner's pid and host; a lock whose process is gone (kill -9, power loss) is taken over.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { toIoError } from '../../core/io-error.js';

export const LOCK_FILE = '.medinfer-run.lock';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock or throws a usage error naming the running owner; returns the release function. */
export async function acquireRunLock(outputDir: string): Promise<() => Promise<void>> {
  const path = join(outputDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw toIoError(error, outputDir, 'lock');
    }
    const owner = JSON.parse(await readFile(path, 'utf8').catch(() => '{}')) as Partial<LockOwner>;
    const stale = owner.host === me.host && typeof owner.pid === 'number' && !isAlive(owner.pid);
    if (!stale && owner.pid !== undefined) {
      throw new UsageError(
        `${outputDir} is in use by another medinfer run (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt}); if that run is gone, delete ` +
          `${LOCK_FILE}`,
        { field: 'output' },
      );
    }
    await unlink(path).catch(() => undefined);
  }
  throw new UsageError(`cannot lock ${outputDir} (${LOCK_FILE})`, { field: 'output' });
}
