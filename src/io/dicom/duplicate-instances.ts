/**
 * The same DICOM instance twice in one folder (a file copied under another name, an export run
 * twice into one place). Its SOPInstanceUID names one object, so the copy adds nothing and is
 * dropped with a warning, as dcm2niix drops "duplicates" (it matches time / series / acquisition /
 * instance values; we need the instance UID itself, the same transfer syntax, frame count,
 * instance number and position, and byte-identical headers up to Pixel Data, so two different
 * objects that merely share a UID - synthetic or badly anonymised files - still fail as duplicate
 * positions or incomplete volumes).
 */
import { readString } from './parse-header.js';
import type { SliceHeader } from './slice-header.js';
import { TAG } from './tags.js';

/** Warnings about dropped copies, per group returned by groupSliceHeaders. */
const dropped = new WeakMap<readonly SliceHeader[], string[]>();

function identity(h: SliceHeader): string | undefined {
  const uid = readString(h.parsed.dataSet, TAG.sopInstanceUid);
  if (uid === undefined || uid === '') return undefined;
  const pos = h.frame.position?.map((v) => v.toFixed(4)).join('\\') ?? '-';
  // The transfer syntax too: one instance re-encoded (e.g. lossy JPEG) holds other samples.
  return `${uid}|${h.transferSyntax.uid}|${h.pm.frames}|${h.instanceNumber ?? '-'}|${pos}`;
}

/** The header bytes before Pixel Data (the whole parsed span when there is none). */
function headerBytes(h: SliceHeader): Uint8Array {
  const ds = h.parsed.dataSet;
  const pixel = ds.elements[TAG.pixelData];
  return ds.byteArray.subarray(0, pixel === undefined ? ds.byteArray.length : pixel.dataOffset);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keeps the first file of each instance; records the copies against the returned group. */
export function dropDuplicateInstances(group: SliceHeader[]): SliceHeader[] {
  const seen = new Map<string, SliceHeader>();
  const kept: SliceHeader[] = [];
  const notes: string[] = [];
  for (const h of group) {
    const id = identity(h);
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined && sameBytes(headerBytes(first), headerBytes(h))) {
      notes.push(`${h.name}: same instance (SOPInstanceUID) as ${first.name}; duplicate file ignored`);
      continue;
    }
    if (id !== undefined && first === undefined) seen.set(id, h);
    kept.push(h);
  }
  if (notes.length > 0) dropped.set(kept, notes);
  return kept;
}

/** The warnings for copies dropped from this group (empty when none). */
export function duplicateInstanceWarnings(group: readonly SliceHeader[]): string[] {
  return dropped.get(group) ?? [];
}
