/**
 * Every pixel path (native LE / BE / implicit, deflate, RLE, JPEG baseline / extended / lossless,
 * JPEG-LS, JPEG 2000, HTJ2K; 1-, 8-, 16-, 32-bit; colour planar / YBR) read from a fresh copy and
 * from views at odd offsets of a bigger buffer (plain Uint8Array and Node Buffer, whose slice()
 * is a view): identical values, and the caller's bytes are left untouched (big-endian swap).
 */
import { describe, expect, test } from 'vitest';
import { readDicom, readDicomSeries } from '../../../src/io/dicom/index.js';
import { fixtureBytes, folderFiles, hashValues, loadReference, oddOffsetView } from './helpers.js';

const files = loadReference().files.filter((f) => f.error === undefined);

describe('pixel paths read views at odd offsets like fresh copies', () => {
  for (const ref of files) {
    test(`${ref.file} (${ref.transferSyntax})`, async () => {
      const fresh = fixtureBytes(ref.file);
      const expected = await readDicom(fresh, { name: ref.file, applyModalityLut: false });
      for (const [offset, asBuffer] of [
        [1, false],
        [3, true],
        [6, true],
      ] as const) {
        const view = oddOffsetView(fresh, offset, asBuffer);
        const before = hashValues(view);
        const got = await readDicom(view, { name: ref.file, applyModalityLut: false });
        expect(got.type).toBe(expected.type);
        expect(hashValues(got.data)).toBe(hashValues(expected.data));
        expect(hashValues(view), 'input bytes modified').toBe(before);
      }
    });
  }

  test('series assembly from Buffer views', async () => {
    const fresh = folderFiles('series-oblique');
    const a = await readDicomSeries(fresh);
    const b = await readDicomSeries(fresh.map((f, n) => ({ name: f.name, bytes: oddOffsetView(f.bytes, 1 + (n % 3), true) })));
    expect(hashValues(b.data)).toBe(hashValues(a.data));
  });
});
