/**
 * Compressed frames decoded on the frame decoding threads (codecs/frame-decode-pool.ts, Node's
 * pool in node-frame-decode-pool.ts) against the same frames decoded on the calling thread: the
 * same samples for every codec family of dcm_qa_ts, the same volume for a compressed series read
 * from a folder (the pool really used), and the same typed error naming the file for a corrupt
 * frame. From dist/, where the worker script exists.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concat, encodeElements, encodeFileMeta, type TestElement } from './build-dicom.js';

const dist = (p: string) => new URL(`../../../dist/${p}`, import.meta.url).href;
const sdk = (await import(dist('node.js'))) as typeof import('../../../src/node.js');
const pool = (await import(dist('io/dicom/codecs/frame-decode-pool.js'))) as typeof import('../../../src/io/dicom/codecs/frame-decode-pool.js');
const decoding = (await import(dist('io/dicom/decode-image.js'))) as typeof import('../../../src/io/dicom/decode-image.js');
const parsing = (await import(dist('io/dicom/parse-header.js'))) as typeof import('../../../src/io/dicom/parse-header.js');

const multi = availableParallelism() >= 2;
const TS_DIR = new URL('../../fixtures/dcm-qa/dcm_qa_ts/', import.meta.url).pathname;
afterEach(() => pool.setFrameDecodeThreads(true));

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function fixture(ts: string): Promise<{ name: string; data: Uint8Array }> {
  const dir = join(TS_DIR, ts);
  const [file] = (await import('node:fs')).readdirSync(dir);
  return { name: `${ts}/${file}`, data: new Uint8Array(await readFile(join(dir, file!))) };
}

/** A stack of `count` single-frame MR slices whose pixel data is `fragment` (encapsulated, one frame) under `transferSyntax`. */
function compressedSeries(
  fragment: Uint8Array,
  pm: { rows: number; columns: number; bitsStored: number; signed: boolean },
  transferSyntax: string,
  count: number,
) {
  return Array.from({ length: count }, (_, k) => {
    const elements: TestElement[] = [
      { group: 0x0008, element: 0x0016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.4' },
      { group: 0x0008, element: 0x0018, vr: 'UI', value: `1.2.826.0.1.3680043.10.77.9.${k + 1}` },
      { group: 0x0008, element: 0x0060, vr: 'CS', value: 'MR' },
      { group: 0x0020, element: 0x000d, vr: 'UI', value: '1.2.826.0.1.3680043.10.77.1' },
      { group: 0x0020, element: 0x000e, vr: 'UI', value: '1.2.826.0.1.3680043.10.77.2' },
      { group: 0x0020, element: 0x0013, vr: 'IS', value: String(k + 1) },
      { group: 0x0020, element: 0x0032, vr: 'DS', value: `-100\\-100\\${2 * k}` },
      { group: 0x0020, element: 0x0037, vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
      { group: 0x0028, element: 0x0002, vr: 'US', value: [1] },
      { group: 0x0028, element: 0x0004, vr: 'CS', value: 'MONOCHROME2' },
      { group: 0x0028, element: 0x0010, vr: 'US', value: [pm.rows] },
      { group: 0x0028, element: 0x0011, vr: 'US', value: [pm.columns] },
      { group: 0x0028, element: 0x0030, vr: 'DS', value: '1\\1' },
      { group: 0x0028, element: 0x0100, vr: 'US', value: [16] },
      { group: 0x0028, element: 0x0101, vr: 'US', value: [pm.bitsStored] },
      { group: 0x0028, element: 0x0102, vr: 'US', value: [pm.bitsStored - 1] },
      { group: 0x0028, element: 0x0103, vr: 'US', value: [pm.signed ? 1 : 0] },
    ];
    const item = (length: number): Uint8Array => {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      view.setUint16(0, 0xfffe, true);
      view.setUint16(2, 0xe000, true);
      view.setUint32(4, length, true);
      return out;
    };
    const even = fragment.length % 2 === 0 ? fragment : concat([fragment, new Uint8Array(1)]);
    const pixelData = concat([
      Uint8Array.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]),
      item(0),
      item(even.length),
      even,
      Uint8Array.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
    ]);
    return concat([encodeFileMeta(transferSyntax, '1.2.840.10008.5.1.4.1.1.4', `1.2.826.0.1.3680043.10.77.9.${k + 1}`), encodeElements(elements), pixelData]);
  });
}

/** One file of `frames` frames, each `fragment` (encapsulated, one fragment a frame), without per-frame geometry. */
function multiFrameFile(
  fragment: Uint8Array,
  pm: { rows: number; columns: number; bitsStored: number; signed: boolean },
  transferSyntax: string,
  frames: number,
) {
  const [first] = compressedSeries(fragment, pm, transferSyntax, 1);
  // Re-encode: the series file's dataset with NumberOfFrames, and `frames` fragments after an empty offset table.
  const head = first!.subarray(0, first!.length - (fragment.length + (fragment.length % 2) + 8 + 8 + 12 + 8));
  const item = (length: number): Uint8Array =>
    Uint8Array.from([0xfe, 0xff, 0x00, 0xe0, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, length >>> 24]);
  const even = fragment.length % 2 === 0 ? fragment : concat([fragment, new Uint8Array(1)]);
  const numberOfFrames = encodeElements([{ group: 0x0028, element: 0x0008, vr: 'IS', value: String(frames) }]);
  // (0028,0008) sorts between (0028,0004) and (0028,0010): insert it there.
  const at = findTag(head, 0x0028, 0x0010);
  return concat([
    head.subarray(0, at),
    numberOfFrames,
    head.subarray(at),
    Uint8Array.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    item(0),
    ...Array.from({ length: frames }, () => concat([item(even.length), even])),
    Uint8Array.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
  ]);
}

/** Byte offset of the explicit-VR element (group, element) in a dataset written by encodeElements (after the file meta). */
function findTag(bytes: Uint8Array, group: number, element: number): number {
  const g = [group & 0xff, group >> 8, element & 0xff, element >> 8];
  for (let i = 132; i + 4 < bytes.length; i++) if (bytes[i] === g[0] && bytes[i + 1] === g[1] && bytes[i + 2] === g[2] && bytes[i + 3] === g[3]) return i;
  throw new Error('tag not found');
}

/** dcm_qa_ts's JPEG-LS mosaic: its one codestream, the pixel module the test files take from it, and its transfer syntax. */
async function jpegLsFragment() {
  const { name, data } = await fixture('ts7');
  const parsed = parsing.parseDicomBytes(data, name);
  const frag = parsed.dataSet.elements['x7fe00010']!.fragments![0]!;
  const pm = {
    rows: parsed.dataSet.uint16('x00280010')!,
    columns: parsed.dataSet.uint16('x00280011')!,
    bitsStored: parsed.dataSet.uint16('x00280101')!,
    signed: parsed.dataSet.uint16('x00280103') === 1,
  };
  return { fragment: data.subarray(frag.position, frag.position + frag.length), pm, transferSyntax: parsed.transferSyntaxUid };
}

/** Runs `body` with the pool's decode counted (`calls()`), the pool's own decode restored after. */
async function withCountedDecodes(body: (calls: () => number) => Promise<void>): Promise<void> {
  const live = pool.frameDecodePool()!;
  const decode = live.decode;
  let calls = 0;
  (live as { decode: typeof decode }).decode = (...args) => {
    calls++;
    return decode.apply(live, args);
  };
  try {
    await body(() => calls);
  } finally {
    (live as { decode: typeof decode }).decode = decode;
  }
}

describe.runIf(multi)('compressed frames on the frame decoding threads', () => {
  it('has a pool in Node with a compiled worker', () => {
    expect(pool.frameDecodePool()?.threads).toBeGreaterThanOrEqual(2);
  });

  for (const ts of ['ts5', 'ts6', 'ts7', 'ts8', 'ts9']) {
    it(`${ts}: the samples decoded on a worker are the calling thread's`, async () => {
      const { name, data } = await fixture(ts);
      const parsed = parsing.parseDicomBytes(data, name);
      const opts = { maxVoxels: 2 ** 28, codecs: undefined, frameThreads: true };
      const threaded = await decoding.decodeImage(parsed, opts);
      pool.setFrameDecodeThreads(false);
      const local = await decoding.decodeImage(parsed, opts);
      expect(threaded.raw.constructor).toBe(local.raw.constructor);
      expect(bytes(threaded.raw).equals(bytes(local.raw))).toBe(true);
      expect(threaded.maskedSamples).toBe(local.maskedSamples);
    });
  }

  it('one multi-frame file of 12 compressed frames: the same volume with and without the threads, every frame through the pool', async () => {
    const { fragment, pm, transferSyntax } = await jpegLsFragment();
    const dir = await mkdtemp(join(tmpdir(), 'medinfer-frame-threads-mf-'));
    try {
      const file = join(dir, 'multiframe.dcm');
      await writeFile(file, multiFrameFile(fragment, pm, transferSyntax, 12));
      await withCountedDecodes(async (calls) => {
        const threaded = await sdk.readImageFile(file);
        expect(calls()).toBe(12);
        pool.setFrameDecodeThreads(false);
        const local = await sdk.readImageFile(file);
        expect(calls()).toBe(12);
        expect(threaded.frames).toBe(12);
        expect(bytes(threaded.data).equals(bytes(local.data))).toBe(true);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a folder of compressed slices: the same volume with and without the threads, every frame through the pool; a corrupt frame the same error', async () => {
    const { fragment, pm, transferSyntax } = await jpegLsFragment();
    const dir = await mkdtemp(join(tmpdir(), 'medinfer-frame-threads-'));
    try {
      const files = compressedSeries(fragment, pm, transferSyntax, 10);
      await Promise.all(files.map((f, k) => writeFile(join(dir, `slice${String(k).padStart(2, '0')}.dcm`), f)));
      await withCountedDecodes(async (calls) => {
        const threaded = await sdk.readDicomDirectory(dir);
        expect(calls()).toBe(10);
        pool.setFrameDecodeThreads(false);
        const local = await sdk.readDicomDirectory(dir);
        expect(calls()).toBe(10);
        expect(threaded.series).toHaveLength(1);
        const [a, b] = [threaded.series[0]!, local.series[0]!];
        expect(a.geometry.size).toEqual([pm.columns, pm.rows, 10]);
        expect(a.geometry.size).toEqual(b.geometry.size);
        expect(bytes(a.data).equals(bytes(b.data))).toBe(true);

        // One slice's codestream claims twice the rows (its JPEG-LS SOF55 frame header): the
        // size check's typed error, naming the file, on both paths.
        const broken = files[4]!.slice();
        const sof = broken.findIndex((b, i) => b === 0xff && broken[i + 1] === 0xf7);
        expect(sof).toBeGreaterThan(0);
        new DataView(broken.buffer).setUint16(sof + 5, 2 * pm.rows, false);
        await writeFile(join(dir, 'slice04.dcm'), broken);
        pool.setFrameDecodeThreads(true);
        const failedThreaded = await sdk.readDicomDirectory(dir);
        pool.setFrameDecodeThreads(false);
        const failedLocal = await sdk.readDicomDirectory(dir);
        for (const r of [failedThreaded, failedLocal]) {
          expect(r.series).toHaveLength(0);
          expect(r.errors.length).toBeGreaterThan(0);
          expect(r.errors[0]!.error.code).toBe('E_DECODE');
          expect(r.errors[0]!.error.message).toContain('slice04.dcm');
        }
        expect(failedThreaded.errors[0]!.error.message).toBe(failedLocal.errors[0]!.error.message);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
