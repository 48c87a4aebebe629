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
import { readSliceHeader, type SliceHeader } from './slice-header.js';
import { describeNonImage } from './non-image.js';
import { readRange } from './node-file-access.js';
import { isDicomHead } from './parse-header.js';
import { HandlePool, READ_CONCURRENCY, readHead } from './node-head-read.js';

// The single-file reader (node-read-file.ts) reads its head the same way.
export { FIRST_READ, HandlePool, readHead, type HeadRead } from './node-head-read.js';

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

/** Files under `dir` (recursive, sorted) that carry the DICM marker or a DICOM extension. Hidden files and DICOMDIR are skipped. */
export async function listDicomFiles(dir: string, options?: { readonly blockingReads?: boolean }): Promise<string[]> {
  return (await listFolder(dir, options?.blockingReads === true)).dicom;
}

/**
 * One walk of `dir` (recursive, sorted, hidden files and folders skipped): `dicom` as
 * listDicomFiles gives them (links to files included), `others` every other regular file (not
 * links; DICOMDIR included) - what scanImageDirectory reads with the other image readers. One
 * listing for both (a 480-file folder was listed three times: ~40 ms).
 */
export async function listFolder(dir: string, blocking: boolean): Promise<{ dicom: string[]; others: string[] }> {
  const candidates: string[] = [];
  const regular = new Set<string>();
  const others: string[] = [];
  await walk(dir, candidates, regular, others);
  candidates.sort();
  const dicom: string[] = [];
  for (const path of candidates) {
    if (DICOM_EXTENSIONS.has(extname(path).toLowerCase()) || (await hasDicmMarker(path, blocking))) dicom.push(path);
    else if (regular.has(path)) others.push(path);
  }
  return { dicom, others: others.sort() };
}

/** `folder` + a name from readdir (never a separator or '..'): join's result without a join per entry. */
function childPrefix(folder: string): string {
  return join(folder, 'x').slice(0, -1);
}

/**
 * A listed file's path relative to `dir`, as path.relative gives it: for a path listFolder built
 * (childPrefix + names from readdir: no '.' or '..' segment, no hidden names, no doubled or
 * trailing separator) that is the path without the prefix - no resolving of both against the
 * working folder per file (path.relative cost ~3-20 ms of a 480-file read, cold). Any other path
 * goes through path.relative.
 */
function fileNamer(dir: string): (path: string) => string {
  const prefix = childPrefix(dir);
  return (path) => {
    const rest = prefix !== '' && path.startsWith(prefix) ? path.slice(prefix.length) : '';
    return rest !== '' && !UNPLAIN_REST.test(rest) ? rest : relative(dir, path);
  };
}

/** A dot segment or name (hidden names are never listed), a doubled or a trailing separator. */
const UNPLAIN_REST = /(^|[\\/])\.|[\\/]{2}|[\\/]$/;

/** `othersOnly`: inside a folder named DICOMDIR, whose files are no series' (they go to `others`). */
async function walk(dir: string, out: string[], regular: Set<string>, others: string[], othersOnly = false): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`${dir}: cannot read folder: ${describeError(err)}`, { file: dir, cause: 'readdir' }, { cause: err });
  }
  const prefix = childPrefix(dir);
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = prefix + e.name;
    if (othersOnly || e.name.toUpperCase() === 'DICOMDIR') {
      if (e.isDirectory()) await walk(path, out, regular, others, true);
      else if (e.isFile()) others.push(path);
    } else if (e.isDirectory()) await walk(path, out, regular, others);
    else if (e.isFile()) {
      out.push(path);
      regular.add(path);
    }
    // A link to a file is that file (archives are often symlink farms): leaving it out would drop
    // slices from the series without a word. Dangling links stay out; `run` reports them.
    else if (e.isSymbolicLink() && (await stat(path).catch(() => undefined))?.isFile()) out.push(path);
  }
}

/**
 * Whether a file without a DICOM extension is DICOM: the DICM marker at byte 128, or a dataset
 * written without preamble and file meta (old ACR-NEMA-style exports, some archive dumps: dcm2niix
 * reads them), which must then be read with the other files of its series - not as an image of
 * its own. One read of the first 132 bytes.
 */
export async function hasDicmMarker(path: string, blocking: boolean): Promise<boolean> {
  const buf = new Uint8Array(132);
  return isDicomHead(buf.subarray(0, await readRange(path, 0, buf, blocking)));
}

function asTyped(err: unknown, file: string): MedinferError {
  return isMedinferError(err) ? err : new DecodeError(`${file}: ${describeError(err)}`, { file }, { cause: err });
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
  /**
   * Only this series (SeriesInstanceUID): the other series' headers are read (to tell them
   * apart) but their samples are not. Default: every series.
   */
  seriesInstanceUid?: string;
  /**
   * Each series' parts handed over as soon as they are assembled (Volumes, and with
   * streamSamples the streamed parts; every stack of one SeriesInstanceUID together, e.g. the
   * three planes of a localiser) instead of collected in `series` / `streamed`: a caller
   * that writes or summarises series one by one holds one series' samples at a time, not the
   * folder's. The read waits for the callback; a series that fails to assemble is in `errors`
   * and not handed over.
   */
  onSeries?: (parts: readonly (Volume | StreamedPart)[]) => void | Promise<void>;
};

export async function readDicomDirectory(dir: string, options?: DicomDirectoryReadOptions): Promise<DicomDirectoryResult> {
  return readDicomFilesOf(dir, undefined, options);
}

/** readDicomDirectory over `paths` (listFolder's dicom list of `dir`), or the folder's own listing when undefined. */
export async function readDicomFilesOf(dir: string, paths: readonly string[] | undefined, options?: DicomDirectoryReadOptions): Promise<DicomDirectoryResult> {
  const { onFile, blockingReads, streamSamples, seriesInstanceUid, onSeries, ...rest } = options ?? {};
  const base = resolveReadOptions(rest, dir);
  if (blockingReads !== undefined && typeof blockingReads !== 'boolean')
    throw new UsageError(`option blockingReads must be a boolean, got ${typeof blockingReads}`, { field: 'blockingReads', expected: 'boolean' });
  if (streamSamples !== undefined && typeof streamSamples !== 'boolean')
    throw new UsageError(`option streamSamples must be a boolean, got ${typeof streamSamples}`, { field: 'streamSamples', expected: 'boolean' });
  if (seriesInstanceUid !== undefined && typeof seriesInstanceUid !== 'string')
    throw new UsageError(`option seriesInstanceUid must be a string, got ${typeof seriesInstanceUid}`, { field: 'seriesInstanceUid', expected: 'string' });
  if (onSeries !== undefined && typeof onSeries !== 'function')
    throw new UsageError(`option onSeries must be a function, got ${typeof onSeries}`, { field: 'onSeries', expected: 'function' });
  const blocking = blockingReads === true;
  const listed = paths ?? (await listDicomFiles(dir, { blockingReads: blocking }));
  const handles = new HandlePool(blocking);
  try {
    return await readListedFiles(dir, listed, base, handles, { onFile, stream: streamSamples === true, seriesInstanceUid, onSeries });
  } finally {
    await handles.closeAll();
  }
}

async function readListedFiles(
  dir: string,
  paths: readonly string[],
  base: ResolvedReadOptions,
  handles: HandlePool,
  how: {
    readonly onFile: DicomDirectoryReadOptions['onFile'] | undefined;
    readonly stream: boolean;
    readonly seriesInstanceUid: string | undefined;
    readonly onSeries: DicomDirectoryReadOptions['onSeries'] | undefined;
  },
): Promise<DicomDirectoryResult> {
  const { onFile, stream, seriesInstanceUid, onSeries } = how;
  const nameOf = fileNamer(dir);
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
    const name = nameOf(paths[n]!);
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
    else if ('skip' in slot) skipped.push({ file: nameOf(paths[n]!), reason: slot.skip });
    else errors.push(slot.error);
  });
  const series: Volume[] = [];
  const streamed: StreamedPart[] = [];
  // Groups of one series (other orientations or sizes: a 3-plane localiser) are handed to
  // onSeries together; without onSeries each group's parts are collected as they come.
  const clusters = new Map<string, SliceHeader[][]>();
  for (const group of groupSliceHeaders(headers)) {
    const uid = group[0]!.seriesInstanceUid;
    if (seriesInstanceUid !== undefined && uid !== seriesInstanceUid) continue;
    const key = onSeries === undefined || uid === '' ? `#${clusters.size}` : uid;
    clusters.set(key, [...(clusters.get(key) ?? []), group]);
  }
  for (const groups of clusters.values()) {
    const parts: (Volume | StreamedPart)[] = [];
    for (const group of groups) {
      const label = group.length === 1 ? group[0]!.name : `${group[0]!.name} (+${group.length - 1} files)`;
      try {
        parts.push(
          ...(stream ? await assembleOrStreamSeriesParts(group, { ...base, name: label }) : await assembleSeriesParts(group, { ...base, name: label })),
        );
      } catch (err) {
        errors.push({ file: label, error: asTyped(err, label) });
      }
    }
    if (onSeries !== undefined) {
      if (parts.length > 0) await onSeries(parts);
    } else
      for (const part of parts)
        if ('stream' in part) streamed.push(part);
        else series.push(part);
  }
  return { series, errors, skipped, streamed };
}
