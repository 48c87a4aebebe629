/**
 * Codestream size claims (JPEG SOF, JPEG-LS SOF55, J2K / HTJ2K SIZ) read before decoding: they
 * match Rows x Columns x SamplesPerPixel on every compressed fixture, and a frame claiming more
 * than the DICOM header is refused before the codec runs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { parseDicomBytes, readUint16 } from '../../../src/io/dicom/parse-header.js';
import { extractEncapsulatedFrames, findPixelDataElement } from '../../../src/io/dicom/frames.js';
import { readCodestreamSize } from '../../../src/io/dicom/codestream-size.js';
import { buildDicom, imageElements, concat } from './build-dicom.js';
import { FIXTURES, fixtureBytes } from './helpers.js';

function compressedFixtures(): string[] {
  const out: string[] = [];
  for (const dir of ['', 'generated']) {
    for (const f of readdirSync(join(FIXTURES, dir))) if (f.endsWith('.dcm')) out.push(join(dir, f));
  }
  return out.filter((rel) => {
    try {
      const ds = parseDicomBytes(fixtureBytes(rel), rel).dataSet;
      return ds.elements['x7fe00010']?.encapsulatedPixelData === true;
    } catch {
      return false;
    }
  });
}

describe('readCodestreamSize', () => {
  const files = compressedFixtures();
  const checked = new Set<string>();
  it('finds compressed fixtures', () => expect(files.length).toBeGreaterThan(10));
  it.each(files)('%s: codestream header matches the DICOM header', (rel) => {
    const ds = parseDicomBytes(fixtureBytes(rel), rel).dataSet;
    const el = findPixelDataElement(ds, rel);
    let frame: Uint8Array;
    try {
      frame = extractEncapsulatedFrames(ds, el, 1, true, rel)[0]!;
    } catch {
      return; // fixtures built to fail elsewhere
    }
    const size = readCodestreamSize(frame);
    if (size === undefined) return; // RLE and others: not a JPEG family codestream
    checked.add(size.format);
    expect([size.width, size.height, size.components]).toEqual([readUint16(ds, 'x00280011'), readUint16(ds, 'x00280010'), readUint16(ds, 'x00280002')]);
  });
  it('covered JPEG, JPEG-LS and JPEG 2000 codestreams', () => expect([...checked].sort()).toEqual(['jpeg', 'jpeg-2000', 'jpeg-ls']));
});

describe('a frame claiming more than the header', () => {
  it('is refused before the codec runs (JPEG baseline SOF0 of 65535 x 65535 in a 2x2 image)', async () => {
    const sof = [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01, 0x11, 0x00, 0xff, 0xd9];
    const item = (bytes: number[] | Uint8Array): Uint8Array => {
      const value = Uint8Array.from(bytes.length % 2 ? [...bytes, 0] : bytes);
      const head = new Uint8Array(8);
      new DataView(head.buffer).setUint32(0, 0xfffee000, true);
      head.set([0xfe, 0xff, 0x00, 0xe0]);
      new DataView(head.buffer).setUint32(4, value.length, true);
      return concat([head, value]);
    };
    const pixelHeader = Uint8Array.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    const end = Uint8Array.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    const elements = imageElements(2, 2)
      .filter((e) => e.group !== 0x7fe0)
      .map((e) => (e.element === 0x0100 || e.element === 0x0101 ? { ...e, value: [8] } : e.element === 0x0102 ? { ...e, value: [7] } : e));
    const bytes = concat([buildDicom(elements, '1.2.840.10008.1.2.4.50'), pixelHeader, item([]), item(sof), end]);
    const error = await readDicom(bytes, { name: 'claims.dcm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).toMatch(/claims\.dcm: .*codestream header claims a 65535x65535x1 frame, the DICOM header 2x2x1; not decoded/);
  });
});
