/**
 * Writing NIfTI files for `medinfer convert`: each file straight from the volume's memory or
 * streamed from the DICOM files while it is written, and a set of files (one series' parts with
 * their sidecar texts: .json, .bval, .bvec) all or none: temporaries beside the targets, then renamed.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ensureFolder, TEMP_SUFFIX } from '../../core/node-atomic-write.js';
import { toIoError } from '../../core/io-error.js';
import type { StreamedPart } from '../../io/dicom/series-stream.js';

/** A file's header and its samples: in memory, or streamed from the DICOM files while writing. */
export type NiftiParts = { readonly header: Uint8Array } & ({ readonly payload: Uint8Array } | { readonly stream: StreamedPart });

/** Writes all of `bytes` at `position` of the file (a write may be partial). */
async function writeAt(fh: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
}

/** Bytes per positioned write of an uncompressed payload; up to WRITE_LANES of them at once. */
const WRITE_CHUNK = 16 << 20;
const WRITE_LANES = 4;

/**
 * The payload in 16 MiB pieces, several written at once at their own offsets: the thread pool
 * copies them into the page cache on every core instead of one (a 150 MB CT: one copy after
 * another is most of the write's time).
 */
async function writePayload(fh: Awaited<ReturnType<typeof open>>, payload: Uint8Array, position: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let at = next; at < payload.length; at = next) {
      next += WRITE_CHUNK;
      await writeAt(fh, payload.subarray(at, at + WRITE_CHUNK), position + at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_LANES, Math.ceil(payload.length / WRITE_CHUNK)) }, lane));
}

/**
 * One NIfTI file from its header and samples, straight from the volume's memory: no
 * concatenated copy of the volume; .nii.gz streams through gzip in 4 MiB slices (mtime 0, so the
 * same volume gives the same bytes).
 */
async function writeNiftiFile(path: string, parts: NiftiParts, gzip: boolean): Promise<void> {
  if (!gzip) {
    const fh = await open(path, 'wx');
    try {
      await writeAt(fh, parts.header, 0);
      // Streamed: each piece written at its place while the next is read from the DICOM files.
      if ('stream' in parts) await parts.stream.stream((bytes, at) => writePayload(fh, bytes, parts.header.length + at));
      else await writePayload(fh, parts.payload, parts.header.length);
    } finally {
      await fh.close();
    }
    return;
  }
  if ('stream' in parts) {
    // Each piece handed to gzip is released when gzip has taken it in (the write callback), so the
    // streamed part can fill its buffer again; the deflate stream is the same whatever the pieces.
    const gz = createGzip({ level: 6 });
    const done = pipeline(gz, createWriteStream(path, { flags: 'wx' }));
    const put = (bytes: Uint8Array): Promise<void> => new Promise((resolve, reject) => void gz.write(bytes, (err) => (err ? reject(err) : resolve())));
    try {
      await put(parts.header);
      await parts.stream.stream((bytes) => put(bytes));
      gz.end();
    } catch (error) {
      gz.destroy(error as Error);
      await done.catch(() => undefined);
      throw error;
    }
    await done;
    return;
  }
  const SLICE = 4 << 20;
  const { header, payload } = parts;
  function* chunks(): Generator<Uint8Array> {
    yield header;
    for (let at = 0; at < payload.length; at += SLICE) yield payload.subarray(at, at + SLICE);
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), createGzip({ level: 6 }), createWriteStream(path, { flags: 'wx' }));
}

/** A NIfTI file, or a small text file beside it (BIDS sidecar, .bval / .bvec). */
export type OutputFile = { readonly path: string } & ({ readonly parts: NiftiParts; readonly gzip: boolean } | { readonly text: string });

async function writeTextFile(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await writeAt(fh, new TextEncoder().encode(text), 0);
  } finally {
    await fh.close();
  }
}

/**
 * Writes every file or none: each to a hidden temporary file beside it, then all renamed; a
 * failure removes the temporaries and anything already renamed. Faults are typed E_IO_* errors
 * naming the file (a missing output folder is created).
 */
export async function writeAllOrNothing(files: readonly OutputFile[]): Promise<void> {
  const stamp = `${process.pid}.${Date.now().toString(36)}`;
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${stamp}${TEMP_SUFFIX}`));
  const renamed: string[] = [];
  let current = files[0]?.path ?? '';
  let op: 'write' | 'rename' = 'write';
  try {
    for (const dir of new Set(files.map((f) => dirname(f.path)))) await ensureFolder(dir);
    for (let n = 0; n < files.length; n++) {
      const file = files[n]!;
      current = file.path;
      if ('text' in file) await writeTextFile(temps[n]!, file.text);
      else await writeNiftiFile(temps[n]!, file.parts, file.gzip);
    }
    op = 'rename';
    for (let n = 0; n < files.length; n++) {
      current = files[n]!.path;
      await rename(temps[n]!, files[n]!.path);
      renamed.push(files[n]!.path);
    }
  } catch (error) {
    for (const t of temps) await unlink(t).catch(() => undefined);
    for (const r of renamed) await unlink(r).catch(() => undefined);
    throw toIoError(error, current, op);
  }
}
