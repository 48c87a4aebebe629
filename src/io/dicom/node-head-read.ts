/**
 * Node-only: the first read of one DICOM file - its header, with the samples left in the file -
 * for the folder reader (node-files.ts) and the single-file reader (node-read-file.ts).
 *
 * A Siemens MR header carries its CSA series header (the Phoenix protocol, ~120 KiB of a mosaic
 * file's ~140 KiB header) that no reader here looks at. It is not read at all: when the parse
 * runs out of bytes inside such a value (parse-dataset.ts canCut: a long private non-sequence
 * value in explicit VR), the read goes on past it and the parse is told where the value was left
 * out (ValueCut); the element stays listed, its value detached as compact-header.ts detaches it
 * (every accessor answers undefined, readSiemensCsa fails typed). The next file of the series is
 * read with the same cuts at once, the parse checking that each lies where that file has its
 * value; a file where one does not is read afresh. Per mosaic file this reads ~25 KiB instead of
 * ~145 KiB of header, through one blocking read (BENCHMARKS.md, mosaic per-volume cost).
 */
import { isMedinferError } from '../../core/errors.js';
import { compactHeader } from './compact-header.js';
import { HeadBuffers } from './head-buffers.js';
import { mosaicNeedsProtocol } from './mosaic.js';
import { openFile, readFully, readRange, type OpenFile } from './node-file-access.js';
import type { ValueCut } from './parse-dataset.js';
import { maxInflatedBytesFor, parseDicomBytes, type ParsedDicom, type PixelSource } from './parse-header.js';
import { sliceHeaderOf, type SliceHeader } from './slice-header.js';
import { TAG } from './tags.js';

/** Files whose heads are read at once by a folder read (and spare head buffers kept). */
export const READ_CONCURRENCY = 8;

/**
 * Bytes read first from each file: the header of a CT / MR slice fits. Headers that run on are
 * read on to the length the parse says it needs - not a fixed larger guess, which for a 0.5 MB
 * mosaic file would read nearly all of it only to read its pixels again later.
 */
export const FIRST_READ = 16 * 1024;
/** Bytes beyond a header's Pixel Data offset that a learnt first read adds (headers of one series differ a little). */
const HEAD_MARGIN = 4096;
/** Largest first read learnt from a previous file's header (HandlePool.firstRead). */
const MAX_FIRST_READ = 1024 * 1024;
/** Header bytes read this way at most; a longer header (huge private blocks) reads the whole file. */
const MAX_HEAD = 8 * 2 ** 20;
/** Values left out of one head at most (a Siemens header has one); a header with more is read on. */
const MAX_CUTS = 4;
/** Files kept open between the header read and the pixel read (beyond, reopened: fd limits). */
const MAX_KEPT_OPEN = 512;

/** File handles a folder read keeps open for its pixel reads; whatever is left is closed at the end. */
export class HandlePool {
  private readonly open = new Set<OpenFile>();
  /**
   * First read of the next file: the header length of the last file read head-only plus
   * HEAD_MARGIN (FIRST_READ .. MAX_FIRST_READ), with `cuts` (the values that file's read left
   * out): files of one series have headers of one layout, so after the first file the rest parse
   * at once (each failed parse costs an error with its stack).
   */
  firstRead = FIRST_READ;
  /** The first value the last file's head read left out (see LearntCut), until a file has none. */
  learntCut: LearntCut | undefined;
  /** A cut the head read being parsed found: learnt when that read ends well (learn). */
  private offered: { marker: Uint8Array; at: number; length: number } | undefined;
  /** Buffers the heads are read into (head-buffers.ts): carved from shared slabs, reused once given back. */
  readonly buffers = new HeadBuffers(READ_CONCURRENCY);
  constructor(readonly blocking: boolean) {}
  /** Opens a file for readHead (node-read-file.ts hands over one it has already opened). */
  openFile(path: string): Promise<OpenFile> {
    return openFile(path, this.blocking);
  }
  offerCut(marker: Uint8Array, cut: ValueCut): void {
    this.offered = { marker, at: cut.at, length: cut.length };
  }
  /** After a head read that ended well: its length and its first cut are what the next file's read starts from. */
  learn(headerEnd: number, cuts: readonly ValueCut[]): void {
    this.firstRead = Math.min(MAX_FIRST_READ, Math.max(FIRST_READ, headerEnd + HEAD_MARGIN));
    const first = cuts[0];
    if (first === undefined) this.learntCut = undefined;
    else if (this.offered !== undefined && this.offered.at === first.at && this.offered.length === first.length)
      this.learntCut = { ...this.offered, after: this.firstRead - first.at };
    else if (this.learntCut !== undefined && this.learntCut.length === first.length) this.learntCut = { ...this.learntCut, at: first.at };
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

/** A value a head-only parse ran out of bytes in and offers to leave out (parse-dataset.ts canCut); header: its element's bytes before the value. */
function cutOffered(err: unknown): (ValueCut & { readonly header: number }) | undefined {
  const cut = isMedinferError(err) ? (err.details['cut'] as { at: number; length: number; header: number } | undefined) : undefined;
  return cut !== undefined && Number.isSafeInteger(cut.at) && Number.isSafeInteger(cut.length) && cut.header > 0 && cut.header <= cut.at ? cut : undefined;
}

const isCutMismatch = (err: unknown): boolean => isMedinferError(err) && err.details['cutMismatch'] === true;

/**
 * The first value the previous file's read left out: its element header's bytes (tag, VR,
 * length: what marks the same element in this file), where its value started and the bytes the
 * head held after it. Files of one series differ a little before it (UIDs, numbers of other
 * lengths), so it is looked for within CUT_SLACK of that place.
 */
export interface LearntCut {
  readonly marker: Uint8Array;
  readonly at: number;
  readonly length: number;
  readonly after: number;
}

/** How far from the learnt place a value left out is looked for (bytes, either side). */
const CUT_SLACK = 4096;

/** Where byte `at` of a head read with `cuts` lies in the file: the values left out before it added back. */
function filePosition(at: number, cuts: readonly ValueCut[]): number {
  let position = at;
  for (const c of cuts) if (c.at <= at) position += c.length;
  return position;
}

/** Fills head[from ..] from the file, past each value left out; returns where the bytes read end (short: the file ended). */
async function fillHead(fh: OpenFile, head: Uint8Array, from: number, cuts: readonly ValueCut[]): Promise<number> {
  let at = from;
  while (at < head.length) {
    const next = cuts.find((c) => c.at > at);
    const end = next === undefined ? head.length : Math.min(head.length, next.at);
    const got = await readFully(fh, filePosition(at, cuts), head.subarray(at, end));
    at += got;
    if (at < end) break;
  }
  return at;
}

/**
 * Position just past the copy of `marker` that starts nearest `expected` (within CUT_SLACK), or
 * -1: headers of one series differ by a few bytes, so the search goes outwards from where the
 * previous file had it (the parse then checks what is found).
 */
function findMarker(bytes: Uint8Array, marker: Uint8Array, expected: number): number {
  const matches = (i: number): boolean => {
    if (i < 0 || i + marker.length > bytes.length) return false;
    for (let k = 0; k < marker.length; k++) if (bytes[i + k] !== marker[k]) return false;
    return true;
  };
  for (let d = 0; d <= CUT_SLACK; d++) {
    if (matches(expected + d)) return expected + d + marker.length;
    if (d > 0 && matches(expected - d)) return expected - d + marker.length;
  }
  return -1;
}

type ParsedHead = { parsed: ParsedDicom; head: Uint8Array; cuts: readonly ValueCut[] } | { bytes: Uint8Array };

/**
 * The header bytes of one file, parsed head-only. With a learnt cut (handles.learntCut, from the
 * previous file): the bytes up to near its place, its marker looked for there, and the bytes
 * after the value read at once; without (or when the marker is not there): FIRST_READ bytes
 * (handles.firstRead when learnt). Then read on as far as the parse needs, leaving out the values
 * it offers to (up to MAX_CUTS). A learnt cut the parse finds not to be where this file has its
 * value reads the file afresh (`fresh`). The whole file's bytes when it ends inside the head or
 * the header is anything else.
 */
async function parseHead(fh: OpenFile, name: string, maxVoxels: number, handles: HandlePool, fresh: boolean): Promise<ParsedHead> {
  const cuts: ValueCut[] = [];
  const learnt = fresh ? undefined : handles.learntCut;
  let head: Uint8Array;
  let filled: number;
  if (learnt === undefined) {
    head = handles.buffers.take(fresh ? FIRST_READ : handles.firstRead);
    filled = await fillHead(fh, head, 0, cuts);
  } else {
    // Long enough for the bytes after the value too (read over its first bytes once it is found).
    head = handles.buffers.take(learnt.at + Math.max(CUT_SLACK, learnt.after));
    filled = await fillHead(fh, head, 0, cuts);
    const at = filled === head.length ? findMarker(head, learnt.marker, learnt.at - learnt.marker.length) : -1;
    if (at >= 0) {
      // Checked by the parse: the element there must be a value of this length that may be left out.
      cuts.push({ at, length: learnt.length });
      if (head.length < at + learnt.after) head = handles.buffers.grow(head, at + learnt.after, at);
      filled = await fillHead(fh, head, at, cuts);
    }
  }
  for (;;) {
    if (filled < head.length) {
      // The file ended inside the buffer. Without cuts these are all its bytes (a much larger
      // buffer is not kept alive behind a small file's bytes); with cuts, not: read afresh.
      if (cuts.length === 0) return { bytes: handles.buffers.keepBytes(head, filled) };
      handles.buffers.giveBack(head);
      return fresh ? { bytes: await readWhole(fh) } : parseHead(fh, name, maxVoxels, handles, true);
    }
    try {
      const parsed = parseDicomBytes(head, name, { headOnly: true, maxInflatedBytes: maxInflatedBytesFor(maxVoxels), cuts });
      return { parsed, head, cuts };
    } catch (err) {
      if (isCutMismatch(err)) {
        handles.buffers.giveBack(head);
        return fresh ? { bytes: await readWhole(fh) } : parseHead(fh, name, maxVoxels, handles, true);
      }
      const cut = cutOffered(err);
      const wanted = bytesWanted(err, head.length);
      if (cut !== undefined && cuts.length < MAX_CUTS && cut.at <= head.length) {
        // The next file's read looks for this value's element header near the same place.
        if (cuts.length === 0) handles.offerCut(head.slice(cut.at - cut.header, cut.at), cut);
        // The bytes from cut.at on are now those after the value, FIRST_READ of them at least.
        cuts.push({ at: cut.at, length: cut.length });
        if (head.length < cut.at + FIRST_READ) head = handles.buffers.grow(head, cut.at + FIRST_READ, cut.at);
        filled = await fillHead(fh, head, cut.at, cuts);
        continue;
      }
      if (wanted === undefined || head.length >= MAX_HEAD)
        return { bytes: cuts.length === 0 ? await readRest(fh, head, handles.buffers) : await readWhole(fh) };
      // At least doubling: a header that fails element after element still ends in a few reads.
      const grown = handles.buffers.take(Math.min(MAX_HEAD, Math.max(wanted + FIRST_READ, 2 * head.length)));
      grown.set(head);
      filled = await fillHead(fh, grown, head.length, cuts);
      // Only the failed parse (garbage now) looked at the shorter head.
      handles.buffers.giveBack(head);
      head = grown;
    }
  }
}

/**
 * One file, opened once: its header from its first bytes (parseHead), when that holds everything
 * but native Pixel Data: the samples stay in the file (ParsedDicom.pixelSource) and are later
 * read straight into the series volume, so a folder read never holds its files in memory (peak =
 * the volume). Anything else (a small file, compressed or deflated data, elements after the
 * pixels, anything unusual) comes back as the whole file's bytes, read through the same handle,
 * for the ordinary whole-file parse.
 */
export async function readHead(path: string, name: string, maxVoxels: number, handles: HandlePool): Promise<HeadRead> {
  const fh = await handles.openFile(path);
  let kept = false;
  try {
    const first = await parseHead(fh, name, maxVoxels, handles, false);
    if ('bytes' in first) return first;
    let { parsed, head } = first;
    const { cuts } = first;
    const whole = async (): Promise<HeadRead> => ({ bytes: cuts.length === 0 ? await readRest(fh, head, handles.buffers) : await readWhole(fh) });
    let el = parsed.dataSet.elements[TAG.pixelData];
    // Only a Pixel Data element that really runs past the head was detached by the parse. A
    // mosaic whose layout is only in its Phoenix protocol needs the CSA series header a head leaves out.
    if (el === undefined || el.encapsulatedPixelData === true || el.dataOffset + el.length <= head.length || mosaicNeedsProtocol(parsed.dataSet))
      return await whole();
    // The header is kept until the series is assembled: a first read much longer than this
    // header (learnt from a longer one) is cut to it rather than held per file.
    if (head.length > FIRST_READ && el.dataOffset + HEAD_MARGIN < head.length / 2) {
      const longer = head;
      head = head.slice(0, el.dataOffset);
      handles.buffers.giveBack(longer);
      parsed = parseDicomBytes(head, name, { headOnly: true, maxInflatedBytes: maxInflatedBytesFor(maxVoxels), cuts });
      el = parsed.dataSet.elements[TAG.pixelData];
      if (el === undefined) return await whole();
    }
    // The next file of the series most likely has a header of this length and these cuts.
    handles.learn(el.dataOffset, cuts);
    // Where the samples are in the file (every value left out lies before them).
    const pixels = { at: filePosition(el.dataOffset, cuts), length: el.length };
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
      if (compact !== parsed) handles.buffers.giveBack(head);
      return { header };
    } catch {
      // Let the whole-file path produce the file's own typed error (or its non-image verdict):
      // the rest is read through fh before the pool lets go of it (release closes it).
      try {
        return await whole();
      } finally {
        if (kept) await handles.release(fh);
        kept = false;
      }
    }
  } finally {
    if (!kept) await fh.close();
  }
}

/** The whole file: `head` (its first bytes, all filled, no values left out) and the rest, read through the open handle. */
async function readRest(fh: OpenFile, head: Uint8Array, buffers: HeadBuffers): Promise<Uint8Array> {
  const size = await fh.size();
  if (size <= head.length) return buffers.keepBytes(head, size);
  const all = new Uint8Array(size);
  all.set(head);
  const got = await readFully(fh, head.length, all.subarray(head.length));
  return all.subarray(0, head.length + got);
}

/** The whole file read anew through the open handle (after a head read that left values out). */
async function readWhole(fh: OpenFile): Promise<Uint8Array> {
  const all = new Uint8Array(await fh.size());
  return all.subarray(0, await readFully(fh, 0, all));
}
