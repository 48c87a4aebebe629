/**
 * A single-frame image series (explicit VR little endian Part 10) whose instances carry every
 * PS3.15 Basic Profile attribute as a marker string ('PHIMARK<ggggeeee>', as phi-marked.ts), except
 * the UIDs, which stay real UIDs so a PACS accepts the objects and derived SEG / SR can reference
 * them. The image modules (position, orientation, spacing, frame of reference) are real, so the
 * series can be read, run through a model and written back as SEG / SR.
 */
import { BASIC_PROFILE_ATTRIBUTES } from '../../../src/io/dicom/phi-profile-table.js';
import { concat, encodeElements, encodeFileMeta, type TestElement } from './build-dicom.js';
import { MARK, marker } from './phi-marked.js';

export interface MarkedSeriesOptions {
  readonly modality: string;
  readonly sopClassUid: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly frameOfReferenceUid: string;
  readonly columns: number;
  readonly rows: number;
  /** One uint16 array per slice, rows x columns, row-major. */
  readonly slices: readonly Uint16Array[];
  readonly spacing: readonly [number, number, number];
  /** Leaves out profile attributes for which `skip(tag, name)` is true (e.g. what a PACS cannot index as text). */
  readonly skip?: (tag: string, name: string) => boolean;
}

/** Profile attributes (first instance of repeating groups) other than UIDs and group 0002, as markers. */
function markerElements(skip: (tag: string, name: string) => boolean): TestElement[] {
  const out: TestElement[] = [];
  for (const [tag, , name] of BASIC_PROFILE_ATTRIBUTES) {
    if (/UID/.test(name) || tag.startsWith('0002') || skip(tag, name)) continue;
    const concrete = tag.replace(/^50xxxxxx$/, '50000010').replace(/^60xx/, '6000');
    out.push({
      group: Number.parseInt(concrete.slice(0, 4), 16),
      element: Number.parseInt(concrete.slice(4, 8), 16),
      vr: 'LO',
      value: marker(Number.parseInt(concrete.slice(0, 4), 16), Number.parseInt(concrete.slice(4, 8), 16)),
    });
  }
  out.push({ group: 0x0009, element: 0x0010, vr: 'LO', value: `${MARK}CREATOR` }, { group: 0x0009, element: 0x1001, vr: 'LO', value: marker(0x0009, 0x1001) });
  return out;
}

const u16 = (v: number): number[] => [v];

export function buildMarkedSeries(o: MarkedSeriesOptions): Uint8Array[] {
  const marks = markerElements(o.skip ?? (() => false));
  return o.slices.map((pixels, k) => {
    const sop = `${o.seriesUid}.${k + 1}`;
    const image: TestElement[] = [
      { group: 0x0008, element: 0x0005, vr: 'CS', value: 'ISO_IR 100' },
      { group: 0x0008, element: 0x0008, vr: 'CS', value: 'ORIGINAL\\PRIMARY' },
      { group: 0x0008, element: 0x0016, vr: 'UI', value: o.sopClassUid },
      { group: 0x0008, element: 0x0018, vr: 'UI', value: sop },
      { group: 0x0008, element: 0x0060, vr: 'CS', value: o.modality },
      { group: 0x0020, element: 0x000d, vr: 'UI', value: o.studyUid },
      { group: 0x0020, element: 0x000e, vr: 'UI', value: o.seriesUid },
      { group: 0x0020, element: 0x0011, vr: 'IS', value: '1' },
      { group: 0x0020, element: 0x0013, vr: 'IS', value: String(k + 1) },
      { group: 0x0020, element: 0x0032, vr: 'DS', value: `0\\0\\${k * o.spacing[2]}` },
      { group: 0x0020, element: 0x0037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
      { group: 0x0020, element: 0x0052, vr: 'UI', value: o.frameOfReferenceUid },
      { group: 0x0028, element: 0x0002, vr: 'US', value: u16(1) },
      { group: 0x0028, element: 0x0004, vr: 'CS', value: 'MONOCHROME2' },
      { group: 0x0028, element: 0x0010, vr: 'US', value: u16(o.rows) },
      { group: 0x0028, element: 0x0011, vr: 'US', value: u16(o.columns) },
      { group: 0x0028, element: 0x0030, vr: 'DS', value: `${o.spacing[1]}\\${o.spacing[0]}` },
      { group: 0x0028, element: 0x0100, vr: 'US', value: u16(16) },
      { group: 0x0028, element: 0x0101, vr: 'US', value: u16(16) },
      { group: 0x0028, element: 0x0102, vr: 'US', value: u16(15) },
      { group: 0x0028, element: 0x0103, vr: 'US', value: u16(0) },
      { group: 0x7fe0, element: 0x0010, vr: 'OW', value: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength) },
    ];
    const taken = new Set(image.map((e) => `${e.group}:${e.element}`));
    const dataset = encodeElements([...image, ...marks.filter((e) => !taken.has(`${e.group}:${e.element}`))]);
    return concat([encodeFileMeta('1.2.840.10008.1.2.1', o.sopClassUid, sop), dataset]);
  });
}
