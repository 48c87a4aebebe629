/**
 * Explicit SQ elements of defined length are parsed when their items are first asked for
 * (parse-dataset.ts LazySequence): the items read as an eager parse gives them, and a sequence
 * damaged inside fails that access with a DecodeError naming the file - the header itself
 * parses, since nothing has read the sequence yet.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import { isSequenceElement } from '../../../src/io/dicom/parse-dataset.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { buildDicom, concat, encodeElements } from './build-dicom.js';

/** One item of defined length holding `inner` (explicit VR LE elements). */
function item(inner: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, 0xe000, true);
  view.setUint32(4, inner.length, true);
  return concat([head, inner]);
}

const referenced = (uid: string): Uint8Array =>
  encodeElements([
    { group: 0x0008, element: 0x1150, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.4' },
    { group: 0x0008, element: 0x1155, vr: 'UI', value: uid },
  ]);

function fileWith(sequence: Uint8Array): Uint8Array {
  return buildDicom([
    { group: 0x0008, element: 0x0060, vr: 'CS', value: 'MR' },
    { group: 0x0008, element: 0x2112, vr: 'SQ', value: sequence },
    { group: 0x0020, element: 0x000e, vr: 'UI', value: '1.2.3' },
  ]);
}

describe('lazy sequences', () => {
  it('items read as the file holds them, parsed once', () => {
    const ds = parseDicomBytes(fileWith(concat([item(referenced('1.2.3.1')), item(referenced('1.2.3.22'))])), 'seq.dcm').dataSet;
    const el = ds.elements['x00082112']!;
    expect(isSequenceElement(el)).toBe(true);
    expect(el.vr).toBe('SQ');
    const items = el.items!;
    expect(items.map((i) => i.dataSet.string('x00081155'))).toEqual(['1.2.3.1', '1.2.3.22']);
    expect(el.items).toBe(items);
    // Elements after the sequence are where they were.
    expect(ds.string('x0020000e')).toBe('1.2.3');
    expect(ds.string('x00080060')).toBe('MR');
  });

  it('a sequence damaged inside: the header parses, reading its items is a DecodeError naming the file', () => {
    const good = item(referenced('1.2.3.1'));
    // The item claims more bytes than its sequence holds.
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(4, 0x7fff0000, true);
    const ds = parseDicomBytes(fileWith(bad), 'damaged.dcm').dataSet;
    expect(ds.string('x0020000e')).toBe('1.2.3');
    const el = ds.elements['x00082112']!;
    expect(isSequenceElement(el)).toBe(true);
    let error: unknown;
    try {
      void el.items;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).toMatch(/^damaged\.dcm: /);
  });
});
