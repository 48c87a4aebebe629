/**
 * The folder reader's head reads (node-files.ts): a header longer than the first read is read on
 * to the length the parse asks for (details.needBytes), small files are read whole through the
 * same handle, and blocking and promise-based file calls give the same volume as reading the
 * bytes in memory (readDicomSeries).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DecodeError, UsageError } from '../../../src/core/errors.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { readDicomSeries } from '../../../src/io/dicom/series-assemble.js';
import { readImageFile } from '../../../src/io/node-read-image.js';
import { buildDicom, imageElements, type TestElement } from './build-dicom.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** One slice of a 3-slice axial stack; `privateBytes` of a private OB block before the pixels. */
function slice(k: number, size: number, privateBytes: number, photometric = 'MONOCHROME2'): Uint8Array {
  const pixels = new Uint8Array(size * size * 2);
  const view = new DataView(pixels.buffer);
  for (let i = 0; i < size * size; i++) view.setUint16(2 * i, (i * 7 + k * 1000) & 0xffff, true);
  const base = imageElements(size, size)
    .filter((e) => !(e.group === 0x7fe0 || (e.group === 0x0008 && e.element === 0x0018)))
    .map((e) => (e.group === 0x0028 && e.element === 0x0004 ? { ...e, value: photometric } : e));
  const extra: TestElement[] = [
    { group: 0x0008, element: 0x0018, vr: 'UI', value: `1.2.3.4.5.6.7.8.${k + 1}` },
    { group: 0x0020, element: 0x0013, vr: 'IS', value: String(k + 1) },
    { group: 0x0020, element: 0x0032, vr: 'DS', value: `0\\0\\${2.5 * k}` },
    { group: 0x0020, element: 0x0037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
    { group: 0x0028, element: 0x0030, vr: 'DS', value: '0.5\\0.5' },
    { group: 0x7fe0, element: 0x0010, vr: 'OW', value: pixels },
  ];
  if (privateBytes > 0) {
    extra.push({ group: 0x0029, element: 0x0010, vr: 'LO', value: 'TEST PRIVATE' });
    extra.push({ group: 0x0029, element: 0x1010, vr: 'OB', value: new Uint8Array(privateBytes).fill(0x5a) });
  }
  return buildDicom([...base, ...extra]);
}

function folderOf(files: readonly Uint8Array[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'medinfer-head-reads-'));
  dirs.push(dir);
  files.forEach((bytes, k) => writeFileSync(join(dir, `im${k}.dcm`), bytes));
  return dir;
}

describe('folder head reads', () => {
  test('a head-only parse that runs out names the length it needs', () => {
    const bytes = slice(0, 64, 40_000);
    let caught: unknown;
    try {
      parseDicomBytes(bytes.subarray(0, 16 * 1024), 'im0.dcm', { headOnly: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    // The private OB value ends 40,000 bytes after its 12-byte header: find that header in the file.
    const at = bytes.findIndex(
      (_, i) => bytes[i] === 0x29 && bytes[i + 1] === 0x00 && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x10 && bytes[i + 4] === 0x4f && bytes[i + 5] === 0x42,
    );
    expect(at).toBeGreaterThan(0);
    expect((caught as DecodeError).details['needBytes']).toBe(at + 12 + 40_000);
  });

  // 64x64 pixels (8 KiB: the file ends inside the first read), 128x128 after a 40 KB private
  // block (the head grows past it), 256x256 (the pixels run past the first read).
  for (const [size, privateBytes] of [
    [64, 0],
    [128, 40_000],
    [256, 0],
    [256, 300_000],
  ] as const) {
    for (const blockingReads of [false, true]) {
      test(`${size}x${size} slices, ${privateBytes} private bytes, blockingReads ${blockingReads}: same volume as in memory`, async () => {
        const files = [2, 0, 1].map((k) => slice(k, size, privateBytes));
        const dir = folderOf(files);
        const { series, errors } = await readDicomDirectory(dir, { blockingReads });
        expect(errors).toEqual([]);
        expect(series).toHaveLength(1);
        const expected = await readDicomSeries(files.map((bytes, k) => ({ name: `im${k}.dcm`, bytes })));
        const v = series[0]!;
        expect(v.geometry.size).toEqual([size, size, 3]);
        expect(v.geometry.origin).toEqual(expected.geometry.origin);
        expect(v.geometry.spacing).toEqual([0.5, 0.5, 2.5]);
        expect(v.type).toBe('uint16');
        expect(
          Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).equals(
            Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength),
          ),
        ).toBe(true);
        // Slice k (sorted by position) holds (i * 7 + k * 1000) & 0xffff.
        expect(v.data[size * size * 2 + 5]).toBe((5 * 7 + 2000) & 0xffff);
      });
    }
  }

  test('a folder mixing long and short headers: every series as read in memory', async () => {
    // Sorted by name, the long-header files come first: the first read learnt from them is longer
    // than the short headers that follow (which are cut back to their own length).
    const long = [0, 1, 2].map((k) => slice(k, 128, 60_000));
    const short = [0, 1, 2].map((k) => {
      const bytes = slice(k, 256, 0);
      // Another series: change the last digit of the series UID 1.2.3.4.5.6.7.2 (same length).
      const uid = new TextEncoder().encode('1.2.3.4.5.6.7.2');
      const at = bytes.findIndex((_, i) => uid.every((c, j) => bytes[i + j] === c));
      bytes[at + uid.length - 1] = 0x33;
      return bytes;
    });
    const dir = folderOf([...long, ...short]);
    const { series, errors } = await readDicomDirectory(dir, { blockingReads: true });
    expect(errors).toEqual([]);
    expect(series.map((v) => v.geometry.size[0]).sort()).toEqual([128, 256]);
    for (const [files, size] of [
      [long, 128],
      [short, 256],
    ] as const) {
      const v = series.find((x) => x.geometry.size[0] === size)!;
      const expected = await readDicomSeries(files.map((bytes, k) => ({ name: `im${k}.dcm`, bytes })));
      expect(
        Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).equals(
          Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength),
        ),
      ).toBe(true);
    }
  });

  // A header the head read parses but cannot turn into a slice (here PALETTE COLOR, whose pixels
  // run past the first read) goes to the whole-file parse for its own typed error; that read went
  // through a handle the pool had already closed ("file already closed", untyped: pydicom's
  // examples_palette.dcm, pydicom-data's OBXXXX1A.dcm and gdcm-US-ALOKA-16.dcm).
  for (const blockingReads of [false, true]) {
    test(`a header the head read cannot use is refused typed, naming the file (blockingReads ${blockingReads})`, async () => {
      const files = [0, 1].map((k) => slice(k, 128, 0, 'PALETTE COLOR'));
      const dir = folderOf(files);
      const { series, errors } = await readDicomDirectory(dir, { blockingReads });
      expect(series).toEqual([]);
      expect(errors.map((e) => [e.file, e.error.constructor.name, e.error.message])).toEqual(
        ['im0.dcm', 'im1.dcm'].map((f) => [f, 'UnsupportedError', `${f}: PALETTE COLOR images are not supported`]),
      );
      await expect(readImageFile(join(dir, 'im0.dcm'), { blockingReads })).rejects.toThrow(/^im0\.dcm: PALETTE COLOR images are not supported$/);
    });
  }

  test('blockingReads must be a boolean', async () => {
    const dir = folderOf([slice(0, 64, 0)]);
    await expect(readDicomDirectory(dir, { blockingReads: 'yes' as unknown as boolean })).rejects.toBeInstanceOf(UsageError);
  });
});
