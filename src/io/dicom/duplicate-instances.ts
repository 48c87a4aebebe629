/**
 * The same DICOM instance twice in one folder (a file copied under another name, an export run
 * twice into one place). Its SOPInstanceUID names one object, so the copy adds nothing and is
 * dropped with a warning, as dcm2niix drops "duplicates" (it matches time / series / acquisition /
 * instance values; we need the instance UID itself plus the same transfer syntax, frame count,
 * instance number and position, so two different objects that merely share a UID still fail as duplicate
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

/** Keeps the first file of each instance; records the copies against the returned group. */
export function dropDuplicateInstances(group: SliceHeader[]): SliceHeader[] {
  const seen = new Map<string, SliceHeader>();
  const kept: SliceHeader[] = [];
  const notes: string[] = [];
  for (const h of group) {
    const id = identity(h);
    const first = id === undefined ? undefined : seen.get(id);
    if (first !== undefined) {
      notes.push(`${h.name}: same instance (SOPInstanceUID) as ${first.name}; duplicate file ignored`);
      continue;
    }
    if (id !== undefined) seen.set(id, h);
    kept.push(h);
  }
  if (notes.length > 0) dropped.set(kept, notes);
  return kept;
}

/** The warnings for copies dropped from this group (empty when none). */
export function duplicateInstanceWarnings(group: readonly SliceHeader[]): string[] {
  return dropped.get(group) ?? [];
}
