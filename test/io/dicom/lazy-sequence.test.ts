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
import { writeTestDicom } from '../../helpers/dicom-writer.js';

const referenced = (uid: string) => ({ '00081150': ['UI', '1.2.840.10008.5.1.4.1.1.4'], '00081155': ['UI', uid] }) as const;

const file = (): Uint8Array =>
  writeTestDicom({
    '00080060': ['CS', 'MR'],
    '00082112': ['SQ', [referenced('1.2.3.1'), referenced('1.2.3.22')]],
    '0020000e': ['UI', '1.2.3'],
  });

/** Where the first item's header (FFFE,E000) starts. */
function firstItem(bytes: Uint8Array): number {
  for (let p = 132; p + 4 <= bytes.length; p++) if (bytes[p] === 0xfe && bytes[p + 1] === 0xff && bytes[p + 2] === 0x00 && bytes[p + 3] === 0xe0) return p;
  throw new Error('no item');
}

describe('lazy sequences', () => {
  it('items read as the file holds them, parsed once', () => {
    const ds = parseDicomBytes(file(), 'seq.dcm').dataSet;
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
    const bytes = file();
    // The first item claims more bytes than the file holds.
    new DataView(bytes.buffer).setUint32(firstItem(bytes) + 4, 0x7fff0000, true);
    const ds = parseDicomBytes(bytes, 'damaged.dcm').dataSet;
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
