/**
 * The one place where a Node file-system error (an errno string such as ENOSPC on `error.code`)
 * becomes a typed IoError with a declared code, the path and what was being done. Every writer of
 * the CLI (convert, run's outputs, results.jsonl, errors.jsonl, aggregates, queue records, the
 * run lock) goes through it, so scripts branch on E_IO_NO_SPACE instead of parsing messages.
 * No node:* import: the errno strings are plain data, so this stays isomorphic.
 */
import { describeError, IoError, isMedinferError, type IoErrorCode } from './errors.js';

/** What was being done to the path (words for the message). */
export type IoOperation = 'read' | 'list' | 'write' | 'append' | 'rename' | 'mkdir' | 'lock' | 'truncate' | 'delete';

const VERB: Record<IoOperation, string> = {
  read: 'cannot read',
  list: 'cannot list folder',
  write: 'cannot write',
  append: 'cannot append to',
  rename: 'cannot move into place',
  mkdir: 'cannot create folder',
  lock: 'cannot lock output folder',
  truncate: 'cannot truncate',
  delete: 'cannot delete',
};

const BY_ERRNO: Readonly<Record<string, { code: IoErrorCode; why: string }>> = {
  ENOSPC: { code: 'E_IO_NO_SPACE', why: 'no space left on the device' },
  EDQUOT: { code: 'E_IO_NO_SPACE', why: 'disk quota exceeded' },
  EROFS: { code: 'E_IO_READ_ONLY', why: 'read-only file system' },
  EACCES: { code: 'E_IO_PERMISSION', why: 'permission denied' },
  EPERM: { code: 'E_IO_PERMISSION', why: 'operation not permitted' },
  ENOTDIR: { code: 'E_IO_NOT_A_FOLDER', why: 'a part of the path is a file, not a folder' },
  EISDIR: { code: 'E_IO_NOT_A_FOLDER', why: 'the path is a folder, a file was expected' },
  ENOENT: { code: 'E_IO_NOT_FOUND', why: 'no such file or folder' },
};

export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * A typed IoError for `error` when it is a system error; MedinferErrors and errors without an
 * errno are returned unchanged (they are not I/O faults and must keep their own code).
 * EEXIST only comes from creating a folder where a file is (our files are replaced by rename,
 * and exclusive temp names never collide), so it maps to E_IO_NOT_A_FOLDER.
 */
export function toIoError(error: unknown, file: string, op: IoOperation): unknown {
  if (isMedinferError(error)) return error;
  const errno = errnoOf(error);
  if (errno === undefined) return error;
  const known = errno === 'EEXIST' ? { code: 'E_IO_NOT_A_FOLDER' as const, why: 'the path exists and is not a folder' } : BY_ERRNO[errno];
  const code = known?.code ?? 'E_IO';
  const why = known?.why ?? describeError(error);
  return new IoError(code, `${file}: ${VERB[op]}: ${why} (${errno})`, { file, op, errno }, { cause: error });
}

/** Runs `fn`; a system error it throws becomes a typed IoError about `file`. */
export async function withIoError<T>(file: string, op: IoOperation, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toIoError(error, file, op);
  }
}

const WRITING: ReadonlySet<string> = new Set<IoOperation>(['write', 'append', 'rename', 'mkdir', 'lock', 'truncate']);

/**
 * A fault of the output location rather than of one input (disk full, read-only, no permission,
 * folder gone): the next input would fail the same way and even its error line could not be
 * written, so a batch stops on it instead of failing every remaining input.
 */
export function isOutputFault(error: unknown): error is IoError {
  return error instanceof IoError && WRITING.has(String(error.details['op']));
}
