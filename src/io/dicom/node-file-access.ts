/**
 * Node-only: the file calls a DICOM folder read makes (open, positioned reads, size, close), in
 * one of two ways:
 *  - promise-based (fs/promises, the default): the event loop stays free while files are read;
 *  - blocking (fs.*Sync): no thread-pool round trip, promise and FileHandle per call. For a
 *    one-shot process (the CLI) that is faster, and far less sensitive to a busy machine, but
 *    the event loop waits for the whole folder: not for servers or queue workers.
 * Errors are Node's own system errors (code, syscall, path) either way.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface OpenFile {
  /** Reads up to target.length bytes at `position`; resolves how many were read (0 at the end). */
  read(target: Uint8Array, position: number): Promise<number>;
  /** Size of the file in bytes now. */
  size(): Promise<number>;
  /** Closes the file; a second call does nothing. */
  close(): Promise<void>;
}

class PromiseFile implements OpenFile {
  private closed = false;
  constructor(private readonly fh: FileHandle) {}
  async read(target: Uint8Array, position: number): Promise<number> {
    return (await this.fh.read(target, 0, target.length, position)).bytesRead;
  }
  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

class BlockingFile implements OpenFile {
  private fd: number | undefined;
  constructor(fd: number) {
    this.fd = fd;
  }
  private handle(): number {
    if (this.fd === undefined) throw new Error('file already closed');
    return this.fd;
  }
  async read(target: Uint8Array, position: number): Promise<number> {
    return readSync(this.handle(), target, 0, target.length, position);
  }
  async size(): Promise<number> {
    return fstatSync(this.handle()).size;
  }
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

/** Opens `path` for reading, blocking or promise-based (see the file comment). */
export async function openFile(path: string, blocking: boolean): Promise<OpenFile> {
  return blocking ? new BlockingFile(openSync(path, 'r')) : new PromiseFile(await open(path, 'r'));
}

/** Reads target.length bytes at `position` (several reads if need be); resolves how many were there. */
export async function readFully(file: OpenFile, position: number, target: Uint8Array): Promise<number> {
  let got = 0;
  while (got < target.length) {
    const n = await file.read(target.subarray(got), position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** readFully on a file opened for this read alone. */
export async function readRange(path: string, position: number, target: Uint8Array, blocking: boolean): Promise<number> {
  const file = await openFile(path, blocking);
  try {
    return await readFully(file, position, target);
  } finally {
    await file.close();
  }
}
