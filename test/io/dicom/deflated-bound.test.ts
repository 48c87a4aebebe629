/**
 * Deflated datasets are inflated only as far as their own header implies: the real deflated
 * fixtures read as before, and the same datasets re-deflated with 8 MiB of trailing bytes after
 * the pixel data are refused with a LimitError naming the header-derived bound.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../../src/core/errors.js';
import { readDicom } from '../../../src/io/dicom/read-dicom.js';
import { fixtureBytes } from './helpers.js';

/** End of the file meta group, from its group length (0002,0000). */
function metaEnd(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(String.fromCharCode(...bytes.subarray(132, 138))).toBe('\x02\x00\x00\x00UL');
  return 132 + 12 + view.getUint32(140, true);
}

describe.each(['image_dfl.dcm', 'generated/ct_deflated.dcm'])('%s', (rel) => {
  const bytes = fixtureBytes(rel);
  const end = metaEnd(bytes);
  const dataset = inflateRawSync(bytes.subarray(end));

  it('reads as before (pixel values are checked against pydicom in read-dicom.test.ts)', async () => {
    const v = await readDicom(bytes, { name: rel });
    expect(v.data.length).toBe(v.geometry.size[0]! * v.geometry.size[1]! * v.geometry.size[2]! * v.components * v.frames);
  });

  it('with 8 MiB of trailing bytes: LimitError from the header-derived bound', async () => {
    const padded = Buffer.concat([dataset, Buffer.alloc(8 * 2 ** 20)]);
    const bomb = Buffer.concat([bytes.subarray(0, end), deflateRawSync(padded)]);
    const error = await readDicom(new Uint8Array(bomb), { name: 'padded.dcm' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as LimitError).message).toMatch(
      /padded\.dcm: deflated dataset inflates to more than \d+ bytes \(its Rows x Columns x frames imply about \d+ bytes\)/,
    );
  });
});
