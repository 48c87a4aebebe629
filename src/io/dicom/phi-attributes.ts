/**
 * Which DICOM attributes are identifying, for everything the SDK prints or writes about a header
 * (readDicomTags, summarizeDicomHeader, `inspect`): by default the output is what the PS3.15
 * Basic Application Level Confidentiality Profile would leave, i.e. every attribute of its table
 * (phi-profile-table.ts: names of patients, physicians and operators, institution, accession
 * number, study / series descriptions, dates and times, device serial numbers ...), every private
 * attribute (the profile removes them unless a "retain safe private" option is used), and
 * curve / overlay data are dropped. `showPhi: true` (CLI `--show-phi`) lists them all.
 *
 * UIDs (action U): the profile replaces them with fresh ones; this SDK cannot re-map, so it drops
 * them, except the two it needs to tell series apart in its own output:
 *  - Series Instance UID (0020,000E): the identity of a series in `inspect`, Volume.meta,
 *    `convert --series UID` and the batch CLI's seriesuid column;
 *  - Frame of Reference UID (0020,0052): which series share a patient coordinate system.
 * Both are opaque numbers that identify nobody without access to the originating archive; a
 * caller publishing outputs should still treat them as pseudonymous links.
 */
import { BASIC_PROFILE_ATTRIBUTES, type BasicProfileAction } from './phi-profile-table.js';

/** 'xggggeeee' keys of UIDs kept in default output (see the header comment). */
export const KEPT_UIDS: ReadonlySet<string> = new Set(['x0020000e', 'x00200052']);

const EXACT = new Map<string, BasicProfileAction>();
for (const [tag, action] of BASIC_PROFILE_ATTRIBUTES) if (!tag.includes('x')) EXACT.set(`x${tag}`, action);

/** Basic-profile action for a tag key ('xggggeeee'); undefined when the profile does not list it. */
export function getBasicProfileAction(key: string): BasicProfileAction | undefined {
  const exact = EXACT.get(key);
  if (exact !== undefined) return exact;
  const group = Number.parseInt(key.slice(1, 5), 16);
  const element = key.slice(5, 9);
  // Repeating groups (PS3.5 7.6): curves 50xx (all elements), overlay data / comments 60xx,3000 / 4000.
  if (group >= 0x5000 && group <= 0x50ff && group % 2 === 0) return 'X';
  if (group >= 0x6000 && group <= 0x60ff && group % 2 === 0 && (element === '3000' || element === '4000')) return 'X';
  return undefined;
}

/** Private attributes: odd groups above 0x0007 (0x0001-0x0007 and 0xFFFF are not valid private groups). */
export function isPrivateTag(key: string): boolean {
  const group = Number.parseInt(key.slice(1, 5), 16);
  return group % 2 === 1 && group > 0x0007 && group !== 0xffff;
}

/**
 * True when an attribute must be left out of default (de-identified) output: listed by the basic
 * profile (unless a kept UID), private, or anywhere in the Patient group 0010.
 */
export function isIdentifyingTag(key: string): boolean {
  if (KEPT_UIDS.has(key)) return false;
  return getBasicProfileAction(key) !== undefined || isPrivateTag(key) || key.startsWith('x0010');
}
