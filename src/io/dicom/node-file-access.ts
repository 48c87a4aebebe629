/**
 * Node-only: the file calls a DICOM folder read makes (open, positioned reads, size, close), in
 * one of two ways:
 *  - promise-based (fs/promises, the default): the event loop stays free while files are read;
 *  - blocking (fs.*Sync) for open, size, close and reads under BULK_READ bytes (headers): no
 *    thread-pool round trip, promise and FileHandle per call. For a one-shot process (the CLI)
 *    that is faster, and far less sensitive to a busy machine, but the event loop waits while
 *    headers are read: not for servers or queue workers. Larger reads (a slice's samples) still
 *    go through the thread pool, so several overlap and the kernel's copies use every core.
 * Errors are Node's own system errors (code, syscall, path) either way.
 */
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { allocateTypedArray, type TypedArray, type VoxelType } from '../../core/dtype.js';

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

/** Reads of at least this many bytes go through the thread pool even for a blocking file. */
const BULK_READ = 128 * 1024;

class BlockingFile implements OpenFile {
  private fd: number | undefined;
  private readonly pending = new Set<Promise<number>>();
  constructor(fd: number) {
    this.fd = fd;
  }
  private handle(): number {
    if (this.fd === undefined) throw new Error('file already closed');
    return this.fd;
  }
  async read(target: Uint8Array, position: number): Promise<number> {
    const fd = this.handle();
    if (target.length < BULK_READ) return readSync(fd, target, 0, target.length, position);
    const pending = new Promise<number>((resolve, reject) =>
      read(fd, target, 0, target.length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
    );
    this.pending.add(pending);
    try {
      return await pending;
    } finally {
      this.pending.delete(pending);
    }
  }
  async size(): Promise<number> {
    return fstatSync(this.handle()).size;
  }
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    // A read still in the thread pool must not see its descriptor closed (and reused) under it.
    await Promise.allSettled([...this.pending]);
    closeSync(fd);
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

/**
 * `file` (owned by the result) whose bytes [0, head.length) are already in `head`: reads there are
 * served from memory, the rest from the file. readImageFile reads a file's first bytes once to
 * tell its format, and the DICOM header reader then starts from them instead of a second open and
 * read (each a thread-pool round trip).
 */
export function withHeadBytes(file: OpenFile, head: Uint8Array): OpenFile {
  return {
    async read(target, position) {
      if (position >= head.length) return file.read(target, position);
      const n = Math.min(target.length, head.length - position);
      target.set(head.subarray(position, position + n));
      return n;
    },
    size: () => file.size(),
    close: () => file.close(),
  };
}

/**
 * The whole of an open file whose first bytes are `head` (all of it filled): one further read of
 * the rest into an unpooled buffer of the file's size (see readWholeFile).
 */
export async function readRestOfFile(file: OpenFile, head: Uint8Array): Promise<Uint8Array> {
  const size = await file.size();
  if (size <= head.length) return head.subarray(0, size);
  const all = Buffer.allocUnsafeSlow(size);
  all.set(head);
  const got = await readFully(file, head.length, all.subarray(head.length));
  return all.subarray(0, head.length + got);
}

/**
 * A whole file in one read (one open, fstat for the size, one read) into an unpooled buffer:
 * fs.promises.readFile reads in 512 KiB chunks and was several times slower (BENCHMARKS.md,
 * "Design measurements"); the buffer can back a Volume without a copy.
 */
export async function readWholeFile(path: string, blocking: boolean, allocate?: (size: number) => Uint8Array): Promise<Uint8Array> {
  const file = await openFile(path, blocking);
  try {
    const size = await file.size();
    // `allocate`: a buffer the caller reuses from file to file (core/sample-scratch.ts allocateBytes).
    const buffer = allocate === undefined ? Buffer.allocUnsafeSlow(size) : allocate(size);
    const filled = await readFully(file, 0, buffer);
    return filled === size ? buffer : buffer.subarray(0, filled);
  } finally {
    await file.close();
  }
}

/**
 * A typed array on fresh, uninitialised memory (no zero fill): only for a buffer the reader fills
 * completely before returning it (ResolvedReadOptions.allocateForFill). Its own ArrayBuffer of
 * exactly its size, at offset 0, like a zeroed one.
 */
export function allocateUnfilled(type: VoxelType, length: number): TypedArray {
  const Ctor = allocateTypedArray(type, 0).constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
  const width = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(Buffer.allocUnsafeSlow(length * width).buffer as ArrayBuffer, 0, length);
}
