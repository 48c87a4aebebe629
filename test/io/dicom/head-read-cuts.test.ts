/**
 * Head reads that leave a long private value out (node-head-read.ts, parse-dataset.ts ValueCut):
 * the parse takes a cut only where the file has exactly that value, every other element reads as
 * in the whole file, and a folder read whose learnt cut does not fit a file reads it afresh - the
 * volume is always the one read from the bytes in memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import { readSiemensCsa } from '../../../src/io/dicom/siemens-csa.js';
import { DETACHED_OFFSET, type ValueCut } from '../../../src/io/dicom/parse-dataset.js';
import { parseDicomBytes, type ParsedDicom } from '../../../src/io/dicom/parse-header.js';
import { HandlePool, readDicomDirectory, readHead } from '../../../src/io/dicom/node-files.js';
import { readDicomSeries } from '../../../src/io/dicom/series-assemble.js';
import { buildDicom, imageElements, type TestElement } from './build-dicom.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const PRIVATE = 40_000;

/**
 * Slice k of an axial stack with a 40,000-byte private OB value (0029,1020) before the pixels;
 * `uid` of a length of its own moves that value by a few bytes from file to file, as UIDs and
 * numbers of other lengths do in a real series. `decoy`: a private value before it that holds a
 * copy of its element header (what the next file's read looks for).
 */
function slice(k: number, uid: string, decoy = false): Uint8Array {
  const size = 128;
  const pixels = new Uint8Array(size * size * 2);
  const view = new DataView(pixels.buffer);
  for (let i = 0; i < size * size; i++) view.setUint16(2 * i, (i * 5 + k * 999) & 0xffff, true);
  const base = imageElements(size, size).filter((e) => !(e.group === 0x7fe0 || (e.group === 0x0008 && e.element === 0x0018)));
  const marker = new Uint8Array([0x29, 0x00, 0x20, 0x10, 0x4f, 0x42, 0, 0, PRIVATE & 0xff, (PRIVATE >> 8) & 0xff, PRIVATE >> 16, 0]);
  const extra: TestElement[] = [
    { group: 0x0008, element: 0x0018, vr: 'UI', value: uid },
    { group: 0x0020, element: 0x0013, vr: 'IS', value: String(k + 1) },
    { group: 0x0020, element: 0x0032, vr: 'DS', value: `0\\0\\${2 * k}` },
    { group: 0x0020, element: 0x0037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
    { group: 0x0028, element: 0x0030, vr: 'DS', value: '0.5\\0.5' },
    { group: 0x0029, element: 0x0010, vr: 'LO', value: 'SIEMENS CSA HEADER' },
    ...(decoy ? [{ group: 0x0029, element: 0x1008, vr: 'OB', value: new Uint8Array([...new Array<number>(40).fill(1), ...marker, 1, 1]) }] : []),
    { group: 0x0029, element: 0x1020, vr: 'OB', value: new Uint8Array(PRIVATE).fill(0x5a) },
    { group: 0x0029, element: 0x1160, vr: 'LO', value: 'com' },
    { group: 0x7fe0, element: 0x0010, vr: 'OW', value: pixels },
  ];
  return buildDicom([...base, ...extra]);
}

/** Where the value of (0029,1020) starts in `bytes`. */
function privateValueAt(bytes: Uint8Array): number {
  const parsed = parseDicomBytes(bytes, 'x');
  return parsed.dataSet.elements['x00291020']!.dataOffset;
}

/** `bytes` with `cut` taken out, as a head read that left it out holds them. */
function withoutValue(bytes: Uint8Array, cut: ValueCut, end: number): Uint8Array {
  const out = new Uint8Array(end - cut.length);
  out.set(bytes.subarray(0, cut.at));
  out.set(bytes.subarray(cut.at + cut.length, end), cut.at);
  return out;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('a parse with a value left out', () => {
  const bytes = slice(0, '1.2.3.4.5.6.7.8.1');
  const at = privateValueAt(bytes);
  const full = parseDicomBytes(bytes, 'x');
  const pixelsAt = full.dataSet.elements['x7fe00010']!.dataOffset;
  const head = (cut: ValueCut): Uint8Array => withoutValue(bytes, cut, pixelsAt + 100);

  test('a head-only parse that runs out inside a long private value offers it as a cut', () => {
    const err = caught(() => parseDicomBytes(bytes.subarray(0, at + 1000), 'x', { headOnly: true }));
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).details['cut']).toEqual({ at, length: PRIVATE, header: 12 });
    // Public and short values are not offered.
    const short = caught(() => parseDicomBytes(bytes.subarray(0, at - 20), 'x', { headOnly: true }));
    expect((short as DecodeError).details['cut']).toBeUndefined();
  });

  test('every element reads as in the whole file; the value left out reads as absent', () => {
    const parsed: ParsedDicom = parseDicomBytes(head({ at, length: PRIVATE }), 'x', { headOnly: true, cuts: [{ at, length: PRIVATE }] });
    const el = parsed.dataSet.elements['x00291020']!;
    expect(el.length).toBe(PRIVATE);
    expect(el.dataOffset).toBe(DETACHED_OFFSET);
    expect(Object.keys(parsed.dataSet.elements)).toEqual(Object.keys(full.dataSet.elements));
    for (const tag of Object.keys(full.dataSet.elements)) {
      if (tag === 'x00291020' || tag === 'x7fe00010') continue;
      expect(parsed.dataSet.string(tag), tag).toEqual(full.dataSet.string(tag));
    }
    // Pixel Data: where the file has it, less the bytes left out.
    expect(parsed.dataSet.elements['x7fe00010']!.dataOffset).toBe(pixelsAt - PRIVATE);
    // The CSA reader sees a value it cannot read, never another value.
    expect(caught(() => readSiemensCsa(parsed.dataSet, 'series', 'x'))).toMatchObject({ code: 'E_DECODE', details: { cause: 'csa-header' } });
  });

  test.each([
    ['two bytes early', { at: at - 2, length: PRIVATE }],
    ['two bytes late', { at: at + 2, length: PRIVATE }],
    ['another length', { at, length: PRIVATE - 4 }],
    ['inside the meta group', { at: 140, length: PRIVATE }],
  ])('a cut %s is refused (cutMismatch), never misread', (_label, cut) => {
    const err = caught(() => parseDicomBytes(head(cut), 'x', { headOnly: true, cuts: [cut] }));
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as DecodeError).details['cutMismatch']).toBe(true);
  });

  test('a cut at a public element value is refused', () => {
    const uid = full.dataSet.elements['x00080018']!;
    const cut = { at: uid.dataOffset, length: uid.length };
    const err = caught(() => parseDicomBytes(withoutValue(bytes, cut, pixelsAt + 100), 'x', { headOnly: true, cuts: [cut] }));
    expect((err as DecodeError).details['cutMismatch']).toBe(true);
  });
});

describe('folder reads that leave the value out', () => {
  function folderOf(files: readonly Uint8Array[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-head-cuts-'));
    dirs.push(dir);
    files.forEach((bytes, k) => writeFileSync(join(dir, `im${String(k).padStart(2, '0')}.dcm`), bytes));
    return dir;
  }

  async function expectAsInMemory(files: readonly Uint8Array[]): Promise<void> {
    const dir = folderOf(files);
    for (const blockingReads of [true, false]) {
      const { series, errors } = await readDicomDirectory(dir, { blockingReads });
      expect(errors).toEqual([]);
      expect(series).toHaveLength(1);
      const expected = await readDicomSeries(files.map((bytes, k) => ({ name: `im${k}.dcm`, bytes })));
      const v = series[0]!;
      expect(v.geometry).toEqual(expected.geometry);
      expect(
        Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength).equals(
          Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength),
        ),
      ).toBe(true);
    }
  }

  test('UIDs of other lengths move the value from file to file: each file found at its own place', async () => {
    // 1.2.3.4.5.6.7.8.9 (even, 17 + pad) ... 1.2.3.4.5.6.7.8.12345: positions differ by 2-4 bytes.
    const files = Array.from({ length: 12 }, (_, k) => slice(k, `1.2.3.4.5.6.7.8.${10 ** (k % 5) + k}`));
    expect(new Set(files.map(privateValueAt)).size).toBeGreaterThan(1);
    await expectAsInMemory(files);
    // One file after another through one pool: the second finds the value by the first's marker.
    const dir = folderOf(files.slice(0, 3));
    const handles = new HandlePool(true);
    try {
      for (let k = 0; k < 3; k++) {
        const head = await readHead(join(dir, `im0${k}.dcm`), `im${k}.dcm`, 1e8, handles);
        expect('header' in head).toBe(true);
        if (!('header' in head)) continue;
        expect(head.header.parsed.dataSet.elements['x00291020']).toMatchObject({ length: PRIVATE, dataOffset: DETACHED_OFFSET });
        expect(head.header.parsed.dataSet.string('x00080018')).toBe(`1.2.3.4.5.6.7.8.${10 ** (k % 5) + k}`);
        expect(handles.learntCut?.length).toBe(PRIVATE);
      }
    } finally {
      await handles.closeAll();
    }
  });

  test('a copy of the element header inside an earlier value: the learnt cut is refused there, the file read afresh', async () => {
    // A folder read has READ_CONCURRENCY (8) files in flight: the files after the 8th are read
    // with what an earlier file taught.
    const files = Array.from({ length: 11 }, (_, k) => slice(k, `1.2.3.4.5.6.7.8.${k + 1}`, k >= 8));
    await expectAsInMemory(files);
  });

  test('a file whose value has another length: its marker is not found, its head read afresh', async () => {
    const other = slice(1, '1.2.3.4.5.6.7.8.2');
    // (0029,1020) of 40,000 -> 39,996 bytes: patch its length and drop four of its bytes.
    const at = privateValueAt(other);
    const shorter = new Uint8Array(other.length - 4);
    shorter.set(other.subarray(0, at));
    shorter.set(other.subarray(at + 4), at);
    new DataView(shorter.buffer).setUint32(at - 4, PRIVATE - 4, true);
    const plain = Array.from({ length: 8 }, (_, k) => slice(k + 2, `1.2.3.4.5.6.7.8.${k + 3}`));
    await expectAsInMemory([slice(0, '1.2.3.4.5.6.7.8.1'), ...plain, shorter, slice(10, '1.2.3.4.5.6.7.8.11')]);
  });
});
