/**
 * Node-only: DICOM files from a folder. Everything else in src/io/dicom is isomorphic; this is the
 * one file that touches node:fs. Per-file and per-series failures are collected, not thrown, so one
 * bad file does not hide a good series (the batch CLI reports them).
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { DecodeError, InputError, UsageError, describeError, isMedinferError, type MedinferError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { resolveReadOptions, type DicomReadOptions, type ResolvedReadOptions } from './options.js';
import { assembleOrStreamSeriesParts, assembleSeriesParts } from './series-assemble.js';
import type { StreamedPart } from './series-stream.js';
import { groupSliceHeaders } from './series-grouping.js';
import { readSliceHeader, sliceHeaderOf, type SliceHeader } from './slice-header.js';
import { maxInflatedBytesFor, parseDicomBytes, type ParsedDicom, type PixelSource } from './parse-header.js';
import { describeNonImage } from './non-image.js';
import { TAG } from './tags.js';
import { compactHeader } from './compact-header.js';
import { openFile, readFully, readRange, type OpenFile } from './node-file-access.js';

export interface DicomDirectoryError {
  /** Path relative to the folder (or the series label for series-level failures). */
  readonly file: string;
  readonly error: MedinferError;
}

export interface DicomDirectoryResult {
  readonly series: Volume[];
  readonly errors: DicomDirectoryError[];
  /**
   * DICOM objects without pixel data (structured reports incl. Siemens Phoenix reports, raw data
   * incl. Philips ExamCards, RT structures, presentation states): not images, not failures. The
   * reason names the kind when the SOP class is known (non-image.ts).
   */
  readonly skipped: { readonly file: string; readonly reason: string }[];
  /**
   * With the streamSamples option: the series parts whose samples a writer takes piece by piece
   * straight from the files (series-stream.ts); they are not in `series`. Empty otherwise.
   */
  readonly streamed: StreamedPart[];
}

const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom', '.ima']);
const READ_CONCURRENCY = 8;

/** Files under `dir` (recursive, sorted) that carry the DICM marker or a DICOM extension. Hidden files and DICOMDIR are skipped. */
export async function listDicomFiles(dir: string, options?: { readonly blockingReads?: boolean }): Promise<string[]> {
  const out: string[] = [];
  await walk(dir, out);
  out.sort();
  const keep: string[] = [];
  for (const path of out)
    if (DICOM_EXTENSIONS.has(extname(path).toLowerCase()) || (await hasDicmMarker(path, options?.blockingReads === true))) keep.push(path);
  return keep;
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`${dir}: cannot read folder: ${describeError(err)}`, { file: dir, cause: 'readdir' }, { cause: err });
  }
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.toUpperCase() === 'DICOMDIR') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    // A link to a file is that file (archives are often symlink farms): leaving it out would drop
    // slices from the series without a word. Dangling links stay out; `run` reports them.
    else if (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile())) out.push(path);
  }
}

export async function hasDicmMarker(path: string, blocking: boolean): Promise<boolean> {
  const buf = new Uint8Array(4);
  const bytesRead = await readRange(path, 128, buf, blocking);
  return bytesRead === 4 && buf[0] === 0x44 && buf[1] === 0x49 && buf[2] === 0x43 && buf[3] === 0x4d;
}

function asTyped(err: unknown, file: string): MedinferError {
  return isMedinferError(err) ? err : new DecodeError(`${file}: ${describeError(err)}`, { file }, { cause: err });
}

/**
 * Bytes read first from each file: the header of a CT / MR slice fits. Headers that run on (a
 * Siemens CSA series header with the Phoenix protocol passes 100 KiB) are read on to the length
 * the parse says it needs - not a fixed larger guess, which for a 0.5 MB mosaic file would read
 * nearly all of it only to read its pixels again later.
 */
export const FIRST_READ = 16 * 1024;
/** Bytes beyond a header's Pixel Data offset that a learnt first read adds (headers of one series differ a little). */
const HEAD_MARGIN = 4096;
/** Largest first read learnt from a previous file's header (HandlePool.firstRead). */
const MAX_FIRST_READ = 1024 * 1024;
/** Header bytes read this way at most; a longer header (huge private blocks) reads the whole file. */
const MAX_HEAD = 8 * 2 ** 20;
/** Files kept open between the header read and the pixel read (beyond, reopened: fd limits). */
const MAX_KEPT_OPEN = 512;

/** File handles a folder read keeps open for its pixel reads; whatever is left is closed at the end. */
export class HandlePool {
  private readonly open = new Set<OpenFile>();
  /**
   * First read of the next file: the header length of the last file read head-only plus
   * HEAD_MARGIN (FIRST_READ .. MAX_FIRST_READ): files of one series have headers of one size, so
   * after the first mosaic file the rest parse at once (each failed parse costs an error with
   * its stack).
   */
  firstRead = FIRST_READ;
  /**
   * Buffers of first reads whose header was copied out (compactHeader), for the next files: a
   * mosaic run's ~140 KiB heads were otherwise a fresh, zero-filled buffer per file (17 MiB of
   * garbage for 120 files, which the collector is pushed to reclaim mid-read).
   */
  private readonly spareHeads: ArrayBuffer[] = [];
  constructor(readonly blocking: boolean) {}
  /** Opens a file for readHead (node-read-file.ts hands over one it has already opened). */
  openFile(path: string): Promise<OpenFile> {
    return openFile(path, this.blocking);
  }
  /** `bytes` bytes to read a head into: a spare buffer when one is large enough. */
  headBuffer(bytes: number): Uint8Array {
    const at = this.spareHeads.findIndex((b) => b.byteLength >= bytes);
    return at < 0 ? new Uint8Array(bytes) : new Uint8Array(this.spareHeads.splice(at, 1)[0]!, 0, bytes);
  }
  /**
   * Takes back a head buffer nothing refers to any more. The READ_CONCURRENCY largest are kept:
   * the first files' short first reads must not crowd out the long heads of the rest.
   */
  spareHead(head: Uint8Array): void {
    if (head.byteOffset !== 0) return;
    this.spareHeads.push(head.buffer as ArrayBuffer);
    if (this.spareHeads.length > READ_CONCURRENCY) {
      this.spareHeads.sort((a, b) => b.byteLength - a.byteLength);
      this.spareHeads.length = READ_CONCURRENCY;
    }
  }
  keep(fh: OpenFile): boolean {
    if (this.open.size >= MAX_KEPT_OPEN) return false;
    this.open.add(fh);
    return true;
  }
  async release(fh: OpenFile): Promise<void> {
    if (this.open.delete(fh)) await fh.close();
  }
  /** False once released or closed by closeAll (a streamed part reads after the folder read ended). */
  holds(fh: OpenFile): boolean {
    return this.open.has(fh);
  }
  async closeAll(): Promise<void> {
    const all = [...this.open];
    this.open.clear();
    await Promise.all(all.map((fh) => fh.close().catch(() => undefined)));
  }
}

/** What the first reads of a file gave: its header with the samples left in the file, or all its bytes. */
export type HeadRead = { readonly header: SliceHeader } | { readonly bytes: Uint8Array };

/** The length a head-only parse failed for want of (parse-dataset.ts need()), when that was the failure. */
function bytesWanted(err: unknown, have: number): number | undefined {
  const wanted = isMedinferError(err) ? err.details['needBytes'] : undefined;
  return typeof wanted === 'number' && wanted > have ? wanted : undefined;
}

/**
 * One file, opened once: its header from its first bytes (handles.firstRead; read on as far as the
 * header needs), when that holds everything but native Pixel Data: the samples stay in the file
 * (ParsedDicom.pixelSource) and are later read straight into the series volume, so a folder read
 * never holds its files in memory (peak = the volume). Anything else (a small file, compressed or
 * deflated data, elements after the pixels, anything unusual) comes back as the whole file's
 * bytes, read through the same handle, for the ordinary whole-file parse.
 */
export async function readHead(path: string, name: string, maxVoxels: number, handles: HandlePool): Promise<HeadRead> {
  const fh = await handles.openFile(path);
  let kept = false;
  try {
    let head = handles.headBuffer(handles.firstRead);
    let filled = await readFully(fh, 0, head);
    let parsed: ParsedDicom | undefined;
    for (;;) {
      // The file ended inside the buffer: these are all its bytes.
      // (A much larger buffer is not kept alive behind a small file's bytes.)
      if (filled < head.length) return { bytes: filled < head.length / 2 ? head.slice(0, filled) : head.subarray(0, filled) };
      try {
        parsed = parseDicomBytes(head, name, { headOnly: true, maxInflatedBytes: maxInflatedBytesFor(maxVoxels) });
        break;
      } catch (err) {
        const wanted = bytesWanted(err, head.length);
        if (wanted === undefined || head.length >= MAX_HEAD) return { bytes: await readRest(fh, head) };
        // At least doubling: a header that fails element after element still ends in a few reads.
        const grown = handles.headBuffer(Math.min(MAX_HEAD, Math.max(wanted + FIRST_READ, 2 * head.length)));
        grown.set(head);
        filled = head.length + (await readFully(fh, head.length, grown.subarray(head.length)));
        // Only the failed parse (garbage now) looked at the shorter head.
        handles.spareHead(head);
        head = grown;
      }
    }
    let el = parsed.dataSet.elements[TAG.pixelData];
    // Only a Pixel Data element that really runs past the head was detached by the parse.
    if (el === undefined || el.encapsulatedPixelData === true || el.dataOffset + el.length <= head.length) return { bytes: await readRest(fh, head) };
    // The header is kept until the series is assembled: a first read much longer than this
    // header (learnt from a longer one) is cut to it rather than held per file.
    if (head.length > FIRST_READ && el.dataOffset + HEAD_MARGIN < head.length / 2) {
      const longer = head;
      head = head.slice(0, el.dataOffset);
      handles.spareHead(longer);
      parsed = parseDicomBytes(head, name, { headOnly: true, maxInflatedBytes: maxInflatedBytesFor(maxVoxels) });
      el = parsed.dataSet.elements[TAG.pixelData];
      if (el === undefined) return { bytes: await readRest(fh, head) };
    }
    // The next file of the series most likely has a header of this length.
    handles.firstRead = Math.min(MAX_FIRST_READ, Math.max(FIRST_READ, el.dataOffset + HEAD_MARGIN));
    // Where the samples are in the file (compactHeader moves the parse's offsets to its own bytes).
    const pixels = { at: el.dataOffset, length: el.length };
    kept = handles.keep(fh);
    const handle = kept ? fh : undefined;
    const pixelSource: PixelSource = {
      length: pixels.length,
      readInto: async (target) => {
        if (handle === undefined || !handles.holds(handle)) return readRange(path, pixels.at, target, handles.blocking);
        try {
          return await readFully(handle, pixels.at, target);
        } finally {
          await handles.release(handle);
        }
      },
    };
    try {
      // Kept until the series is written: without large private values nobody reads (compact-header.ts).
      const compact = compactHeader(parsed);
      const header = sliceHeaderOf({ ...compact, pixelSource }, maxVoxels);
      // A compacted header lies on its own bytes (every DataSet moved, the first parse dropped):
      // the head buffer is free for the next file.
      if (compact !== parsed) handles.spareHead(head);
      return { header };
    } catch {
      // Let the whole-file path produce the file's own typed error (or its non-image verdict).
      if (kept) await handles.release(fh);
      kept = false;
      return { bytes: await readRest(fh, head) };
    }
  } finally {
    if (!kept) await fh.close();
  }
}

/** The whole file: `head` (its first bytes, all filled) and the rest, read through the open handle. */
async function readRest(fh: OpenFile, head: Uint8Array): Promise<Uint8Array> {
  const size = await fh.size();
  if (size <= head.length) return head.subarray(0, size);
  const all = new Uint8Array(size);
  all.set(head);
  const got = await readFully(fh, head.length, all.subarray(head.length));
  return all.subarray(0, head.length + got);
}

/**
 * Reads every series under `dir` (SeriesInstanceUID + orientation + size): one Volume per series
 * part. A series with several echoes / image components gives one Volume per part (meta.part is
 * the dcm2niix suffix, e.g. '_e2_ph'); time / diffusion series are one 4D Volume. A part that
 * fails fails its whole series (no partial series in `series`).
 */
export type DicomDirectoryReadOptions = Omit<DicomReadOptions, 'name'> & {
  /**
   * Called after each listed file's header (or whole file) was read, with its path: `done` of
   * `total` files. Pixel data read later, while series are assembled, is not counted.
   */
  onFile?: (path: string, done: number, total: number) => void;
  /**
   * Read with blocking file calls (node-file-access.ts): faster for a one-shot process such as
   * the CLI, but the event loop waits until the folder is read - leave it off (the default) in
   * servers and workers.
   */
  blockingReads?: boolean;
  /**
   * Parts whose output samples are their files' stored samples (keepStoredValues with one map,
   * no table: series-stream.ts) come back in `streamed`, read only when a writer streams them:
   * a writer holds two pieces of a few MiB instead of the volume. For one-shot writers (convert).
   */
  streamSamples?: boolean;
};

export async function readDicomDirectory(dir: string, options?: DicomDirectoryReadOptions): Promise<DicomDirectoryResult> {
  const { onFile, blockingReads, streamSamples, ...rest } = options ?? {};
  const base = resolveReadOptions(rest, dir);
  if (blockingReads !== undefined && typeof blockingReads !== 'boolean')
    throw new UsageError(`option blockingReads must be a boolean, got ${typeof blockingReads}`, { field: 'blockingReads', expected: 'boolean' });
  if (streamSamples !== undefined && typeof streamSamples !== 'boolean')
    throw new UsageError(`option streamSamples must be a boolean, got ${typeof streamSamples}`, { field: 'streamSamples', expected: 'boolean' });
  const blocking = blockingReads === true;
  const paths = await listDicomFiles(dir, { blockingReads: blocking });
  const handles = new HandlePool(blocking);
  try {
    return await readListedFiles(dir, paths, base, handles, onFile, streamSamples === true);
  } finally {
    await handles.closeAll();
  }
}

async function readListedFiles(
  dir: string,
  paths: readonly string[],
  base: ResolvedReadOptions,
  handles: HandlePool,
  onFile: DicomDirectoryReadOptions['onFile'],
  stream: boolean,
): Promise<DicomDirectoryResult> {
  // Reads overlap with header parsing (a few files in flight); results keep the listing order.
  const slots: ({ header: SliceHeader } | { error: DicomDirectoryError } | { skip: string })[] = new Array(paths.length);
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    for (let n = next++; n < paths.length; n = next++) {
      try {
        await readOne(n);
      } finally {
        onFile?.(paths[n]!, ++finished, paths.length);
      }
    }
  };
  const readOne = async (n: number): Promise<void> => {
    const name = relative(dir, paths[n]!);
    let bytes: Uint8Array | undefined;
    try {
      const head = await readHead(paths[n]!, name, base.maxVoxels, handles);
      if ('header' in head) {
        slots[n] = { header: head.header };
        return;
      }
      bytes = head.bytes;
      slots[n] = { header: readSliceHeader({ name, bytes }, base.maxVoxels) };
    } catch (err) {
      // Reports, raw data, presentation states ... fail the image checks but are not failures.
      const nonImage = bytes === undefined ? undefined : describeNonImage(bytes, name);
      slots[n] = nonImage !== undefined ? { skip: nonImage } : { error: { file: name, error: asTyped(err, name) } };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, paths.length) }, worker));
  const errors: DicomDirectoryError[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const headers: SliceHeader[] = [];
  slots.forEach((slot, n) => {
    if ('header' in slot) headers.push(slot.header);
    else if ('skip' in slot) skipped.push({ file: relative(dir, paths[n]!), reason: slot.skip });
    else errors.push(slot.error);
  });
  const series: Volume[] = [];
  const streamed: StreamedPart[] = [];
  for (const group of groupSliceHeaders(headers)) {
    const label = group.length === 1 ? group[0]!.name : `${group[0]!.name} (+${group.length - 1} files)`;
    try {
      if (!stream) series.push(...(await assembleSeriesParts(group, { ...base, name: label })));
      else
        for (const part of await assembleOrStreamSeriesParts(group, { ...base, name: label }))
          if ('stream' in part) streamed.push(part);
          else series.push(part);
    } catch (err) {
      errors.push({ file: label, error: asTyped(err, label) });
    }
  }
  return { series, errors, skipped, streamed };
}
