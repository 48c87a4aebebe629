/**
 * A DICOM file (implicit VR little endian, 4x4 16-bit image) with every attribute of the PS3.15
 * Basic Confidentiality Profile, a private block and curve / overlay data set to marker strings
 * 'PHIMARK<ggggeeee>' (the kept Series and Frame of Reference UIDs get real UIDs), for tests that
 * check what reaches any output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASIC_PROFILE_ATTRIBUTES } from '../../../src/io/dicom/phi-profile-table.js';
import { concat, encodeElementsImplicit, encodeFileMeta, imageElements, type TestElement } from './build-dicom.js';

export const MARK = 'PHIMARK';
export const SERIES_UID = '2.25.301245093817263548109287356412';
export const FRAME_UID = '2.25.301245093817263548109287356413';

export function marker(group: number, element: number): string {
  return `${MARK}${group.toString(16).padStart(4, '0')}${element.toString(16).padStart(4, '0')}`.toUpperCase();
}

/** Every profile attribute (repeating groups at their first instance; group 0002 in the meta). */
function profileElements(): TestElement[] {
  const out: TestElement[] = [];
  for (const [tag] of BASIC_PROFILE_ATTRIBUTES) {
    const concrete = tag.replace(/^50xxxxxx$/, '50000010').replace(/^60xx/, '6000');
    const group = Number.parseInt(concrete.slice(0, 4), 16);
    const element = Number.parseInt(concrete.slice(4, 8), 16);
    if (group === 0x0002) continue;
    const key = `x${concrete}`;
    const value = key === 'x0020000e' ? SERIES_UID : key === 'x00200052' ? FRAME_UID : marker(group, element);
    out.push({ group, element, vr: 'LO', value });
  }
  // A private block: creator and one element.
  out.push({ group: 0x0009, element: 0x0010, vr: 'LO', value: `${MARK}CREATOR` }, { group: 0x0009, element: 0x1001, vr: 'LO', value: marker(0x0009, 0x1001) });
  return out;
}

export function buildMarkedDicom(): { bytes: Uint8Array; markers: number } {
  const image = imageElements(4, 4);
  const profile = profileElements();
  const taken = new Set(profile.map((e) => `${e.group}:${e.element}`));
  const dataset = encodeElementsImplicit([...image.filter((e) => !taken.has(`${e.group}:${e.element}`)), ...profile]);
  const meta = encodeFileMeta('1.2.840.10008.1.2', '1.2.840.10008.5.1.4.1.1.7', `${MARK}00020003`);
  return { bytes: concat([meta, dataset]), markers: profile.filter((e) => String(e.value).startsWith(MARK)).length + 1 };
}

/**
 * The CLI tests' input folder: `dir`/marked.dcm, and `dir`/broken.dcm, the same file cut inside its
 * pixel data - reading it fails, so an error is reported, and that error must not quote the header either.
 */
export function writeMarkedInputs(dir: string): void {
  const { bytes } = buildMarkedDicom();
  mkdirSync(dir);
  writeFileSync(join(dir, 'marked.dcm'), bytes);
  writeFileSync(join(dir, 'broken.dcm'), bytes.subarray(0, bytes.length - 10));
}
