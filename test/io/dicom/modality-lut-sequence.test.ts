/**
 * Modality LUT Sequence (0028,3000): a table maps stored values as pydicom's apply_modality_lut
 * does (below the first mapped value: entry 0; past the table: the last entry); an item whose LUT
 * Descriptor and LUT Data are both empty carries no table (LEADTOOLS writes such items: dwv's
 * leadtools-*.dcm test files), so the stored values stand, as dcm2niix writes them; one of the
 * two empty without the other is refused, naming the file.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { type DicomElements, writeTestDicom } from '../../helpers/dicom-writer.js';

const STORED = [9, 10, 11, 12, 13, 40];

/** A 2x3 secondary-capture image of 16-bit unsigned STORED values with one Modality LUT item. */
function withLutItem(item: DicomElements): Uint8Array {
  return writeTestDicom({
    '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.7'],
    '00080060': ['CS', 'OT'],
    '0020000e': ['UI', '1.2.3.4'],
    '00280002': ['US', 1],
    '00280004': ['CS', 'MONOCHROME2'],
    '00280010': ['US', 2],
    '00280011': ['US', 3],
    '00280100': ['US', 16],
    '00280101': ['US', 16],
    '00280102': ['US', 15],
    '00280103': ['US', 0],
    '00283000': ['SQ', [item]],
    '7fe00010': ['OW', Uint16Array.from(STORED)],
  });
}

describe('Modality LUT Sequence', () => {
  it('a table of 4 entries from stored value 10 maps each value (clamped at both ends)', async () => {
    const v = await readDicom(withLutItem({ '00283002': ['US', [4, 10, 16]], '00283006': ['US', [100, 200, 300, 400]] }), { name: 'lut.dcm' });
    // 9 -> entry 0 (below the first mapped value), 10..13 -> entries 0..3, 40 -> the last entry.
    expect(Array.from(v.data)).toEqual([100, 100, 200, 300, 400, 400]);
    expect(v.type).toBe('uint16');
  });

  it('an item with empty LUT Descriptor and LUT Data has no table: the stored values', async () => {
    const v = await readDicom(withLutItem({ '00283002': ['US', []], '00283003': ['LO', ''], '00283006': ['US', []] }), { name: 'blank-lut.dcm' });
    expect(Array.from(v.data)).toEqual(STORED);
  });

  it('an empty LUT Descriptor with LUT Data present is refused, naming the file', async () => {
    const read = readDicom(withLutItem({ '00283002': ['US', []], '00283006': ['US', [1, 2, 3]] }), { name: 'half-lut.dcm' });
    await expect(read).rejects.toBeInstanceOf(DecodeError);
    await expect(read).rejects.toThrow(/^half-lut\.dcm: LUT Data holds 3 entries, descriptor says 65536$/);
  });
});
