/**
 * A folder read keeps every file's parsed header until its series is assembled or streamed; a
 * Siemens MR header carries ~120 KiB of CSA series header (the Phoenix protocol as text) that no
 * reader here looks at, so a 120-volume fMRI run held ~17 MiB of such bytes. compactHeader copies
 * a header without the values of large private elements: the element stays listed (tag, VR,
 * length) but its value is detached - placed past the end of the bytes, where every DataSet
 * accessor already answers undefined (as for Pixel Data beyond a head-only read) and
 * readSiemensCsa fails with a typed error. Never silently different: a detached value reads as
 * unreadable, not as another value. The Siemens CSA image header, which mosaic unpacking and
 * phase-encoding read, is always kept.
 */
import { DataSet } from './dataset.js';
import { isSequenceElement, LazySequence } from './parse-dataset.js';
import type { ParsedDicom } from './parse-header.js';
import { LONG_PRIVATE_BYTES, privateKeys } from './private-keys.js';
import { findPrivateBlock } from './siemens-csa.js';
import { TAG } from './tags.js';

/** Private values of at least this many bytes are detached (the CSA image header excepted). */
export const DETACH_MIN_BYTES = LONG_PRIVATE_BYTES;

/**
 * `parsed` (a head-only parse of `bytes`: samples still in the file) without its large private
 * values, on a new, smaller byte array that ends where the Pixel Data value starts. Returns
 * `parsed` itself when nothing is large enough to detach.
 */
export function compactHeader(parsed: ParsedDicom): ParsedDicom {
  const ds = parsed.dataSet;
  const bytes = ds.byteArray;
  // Only a plain head-only parse: one byte array for meta and dataset, no encapsulated fragments.
  if ((parsed.meta !== undefined && parsed.meta.byteArray !== bytes) || ds.elements[TAG.pixelData]?.encapsulatedPixelData === true) return parsed;
  const block = findPrivateBlock(ds, 0x0029, 'SIEMENS CSA HEADER');
  const csaImage = block === undefined ? undefined : `x0029${((block << 8) | 0x10).toString(16).padStart(4, '0')}`;
  const ranges: { start: number; end: number }[] = [];
  // Private (odd-group) values of DETACH_MIN_BYTES or more, listed with the private creators in one walk; only plain values, never sequences.
  for (const tag of privateKeys(ds).long) {
    const el = ds.elements[tag]!;
    if (isSequenceElement(el) || tag === csaImage || el.dataOffset + el.length > bytes.length) continue;
    ranges.push({ start: el.dataOffset, end: el.dataOffset + el.length });
  }
  if (ranges.length === 0) return parsed;
  ranges.sort((a, b) => a.start - b.start);
  const pixels = ds.elements[TAG.pixelData];
  const keptEnd = Math.min(bytes.length, pixels === undefined ? bytes.length : pixels.dataOffset);
  const removed = ranges.reduce((n, r) => n + (r.start < keptEnd ? Math.min(r.end, keptEnd) - r.start : 0), 0);
  const compact = new Uint8Array(keptEnd - removed);
  let from = 0;
  let to = 0;
  for (const r of ranges) {
    if (r.start >= keptEnd) break;
    compact.set(bytes.subarray(from, r.start), to);
    to += r.start - from;
    from = Math.min(r.end, keptEnd);
  }
  compact.set(bytes.subarray(from, keptEnd), to);
  const detached = new Set(ranges.map((r) => r.start));
  // Where an offset lies in the compact bytes: less every detached value before it.
  const shift = (offset: number): number => {
    let n = offset;
    for (const r of ranges) if (r.end <= offset) n -= r.end - r.start;
    return n;
  };
  // The parse is this read's own: its element and item objects are moved onto the compact bytes
  // in place (new objects for a few hundred elements a file would only feed the collector).
  const rebase = (source: DataSet, top: boolean): DataSet => {
    for (const tag in source.elements) {
      const el = source.elements[tag]!;
      // A sequence not parsed yet is parsed from the compact bytes when asked for.
      if (el instanceof LazySequence && !el.isParsed) {
        el.moveTo(compact, shift(el.dataOffset));
        continue;
      }
      const moved = el as { dataOffset: number; items?: { dataSet: DataSet }[] };
      // A detached value lies past the end: accessors answer undefined, CSA parsing fails typed.
      moved.dataOffset = top && detached.has(el.dataOffset) ? compact.length + 1 : shift(el.dataOffset);
      if (moved.items !== undefined) for (const item of moved.items) item.dataSet = rebase(item.dataSet, false);
    }
    return new DataSet(compact, source.littleEndian, source.elements);
  };
  return { ...parsed, dataSet: rebase(ds, true), meta: parsed.meta === undefined ? undefined : rebase(parsed.meta, false) };
}
