/**
 * Streamed series parts (series-stream.ts, what `medinfer convert` writes from) against the
 * assembled Volumes of the same folder (readDicomDirectory without streamSamples), on every case
 * of the dcm2niix QA subset: the streamed bytes must be the Volume's data bytes and the shell's
 * meta its meta, for every part that streams; parts that cannot stream (per-frame maps, tables,
 * multi-frame files, UIH grids) must come back as Volumes, the same ones. And compactHeader
 * (compact-header.ts): what it keeps reads the same, what it detaches reads as absent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/core/errors.js';
import type { Volume } from '../../../src/core/volume.js';
import { compactHeader, DETACH_MIN_BYTES } from '../../../src/io/dicom/compact-header.js';
import { readDicomDirectory } from '../../../src/io/dicom/node-files.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import type { StreamedPart } from '../../../src/io/dicom/series-stream.js';
import { readSiemensCsa } from '../../../src/io/dicom/siemens-csa.js';

const ROOT = fileURLToPath(new URL('../../fixtures/dcm-qa/', import.meta.url));
const cases = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as { id: string; input: string }[];

const bytesOf = (data: Volume['data']): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const keyOf = (meta: Volume['meta']): string => `${String(meta.source)}|${String(meta['part'] ?? '')}`;

async function collect(part: StreamedPart): Promise<Uint8Array> {
  const out = new Uint8Array(part.byteLength);
  let last = -1;
  await part.stream(async (bytes, at) => {
    // Pieces come in order, back to back.
    expect(at).toBeGreaterThan(last);
    last = at;
    out.set(bytes, at);
  });
  return out;
}

describe('streamed DICOM parts = assembled Volumes (dcm2niix QA subset)', () => {
  let streamedAny = { mosaic: false, stack: false };
  it.each(cases.map((c) => [c.id, c.input] as const))('%s', async (_id, input) => {
    const dir = join(ROOT, input);
    const options = { keepStoredValues: true, blockingReads: true } as const;
    const whole = await readDicomDirectory(dir, options);
    const streamed = await readDicomDirectory(dir, { ...options, streamSamples: true });
    expect(streamed.errors.map((e) => e.error.code)).toEqual(whole.errors.map((e) => e.error.code));
    expect(streamed.series.length + streamed.streamed.length).toBe(whole.series.length);
    const byKey = new Map(whole.series.map((v) => [keyOf(v.meta), v]));
    for (const v of streamed.series) expect(bytesOf(v.data).equals(bytesOf(byKey.get(keyOf(v.meta))!.data))).toBe(true);
    for (const part of streamed.streamed) {
      const ref = byKey.get(keyOf(part.shell.meta));
      expect(ref, keyOf(part.shell.meta)).toBeDefined();
      const bytes = await collect(part);
      expect(part.byteLength).toBe(ref!.data.byteLength);
      expect(Buffer.from(bytes).equals(bytesOf(ref!.data))).toBe(true);
      expect(part.shell.type).toBe(ref!.type);
      expect(part.shell.frames).toBe(ref!.frames);
      expect(part.shell.geometry).toEqual(ref!.geometry);
      // Same meta; warnings the same set (the samples' own warning is added after streaming).
      const { warnings: a, ...metaA } = part.shell.meta;
      const { warnings: b, ...metaB } = ref!.meta;
      expect(metaA).toEqual(metaB);
      expect([...(a ?? [])].sort()).toEqual([...(b ?? [])].sort());
      if (part.shell.meta['mosaic'] !== undefined) streamedAny.mosaic = true;
      else streamedAny = { ...streamedAny, stack: true };
    }
  });
  it('streams both layouts somewhere in the subset', () => {
    expect(streamedAny).toEqual({ mosaic: true, stack: true });
  });
});

describe('compactHeader', () => {
  const dir = join(ROOT, 'dcm_qa_mosaic', 'cmrr_int_hf');
  const file = join(dir, readdirSync(dir).sort()[0]!);
  const bytes = new Uint8Array(readFileSync(file));

  it('detaches large private values, keeps everything else byte for byte, and the CSA image header', () => {
    const parsed = parseDicomBytes(bytes, 'f.dcm', { headOnly: true });
    // Offsets and values before compaction (compaction moves the parse's own objects).
    const before = new Map(
      Object.entries(parsed.dataSet.elements).map(([tag, el]) => [
        tag,
        { length: el.length, value: bytes.slice(el.dataOffset, el.dataOffset + Math.min(el.length, bytes.length - el.dataOffset)) },
      ]),
    );
    const csaBefore = readSiemensCsa(parsed.dataSet, 'image', 'f.dcm')!;
    const compact = compactHeader(parsed);
    const ds = compact.dataSet;
    expect(ds.byteArray.length).toBeLessThan(bytes.length / 2);
    let detached = 0;
    for (const [tag, was] of before) {
      const el = ds.elements[tag]!;
      expect(el.length).toBe(was.length);
      if (tag === 'x7fe00010') continue;
      const group = Number.parseInt(tag.slice(1, 5), 16);
      if (group % 2 === 1 && was.length >= DETACH_MIN_BYTES && el.dataOffset + el.length > ds.byteArray.length) {
        detached++;
        expect(ds.string(tag)).toBeUndefined();
        continue;
      }
      expect(Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).equals(Buffer.from(was.value))).toBe(true);
    }
    // The CSA series header (Phoenix protocol) goes; the image header stays and parses the same.
    expect(detached).toBe(1);
    expect(() => readSiemensCsa(ds, 'series', 'f.dcm')).toThrow(DecodeError);
    const csa = readSiemensCsa(ds, 'image', 'f.dcm')!;
    expect([...csa.elements.keys()]).toEqual([...csaBefore.elements.keys()]);
    for (const [name, el] of csa.elements) expect(el.items).toEqual(csaBefore.elements.get(name)!.items);
  });

  it('sequences not yet parsed are parsed from the compact bytes, item for item as from the file', () => {
    const eager = parseDicomBytes(bytes, 'f.dcm', { headOnly: true });
    const compact = compactHeader(parseDicomBytes(bytes, 'f.dcm', { headOnly: true })).dataSet;
    const values = (ds: typeof compact): string[] =>
      Object.entries(ds.elements).flatMap(([tag, el]) =>
        el.items !== undefined
          ? el.items.flatMap((item, k) => values(item.dataSet).map((v) => `${tag}[${k}].${v}`))
          : [`${tag}=${Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + Math.min(el.length, 64))).toString('hex')}`],
      );
    const sequences = Object.values(eager.dataSet.elements).filter((el) => el.vr === 'SQ');
    expect(sequences.length).toBeGreaterThan(0);
    const seqTags = sequences.map((el) => el.tag);
    const pick = (ds: typeof compact): string[] => values(ds).filter((v) => seqTags.some((t) => v.startsWith(`${t}[`)));
    expect(pick(compact).length).toBeGreaterThan(0);
    expect(pick(compact)).toEqual(pick(eager.dataSet));
  });

  it('leaves a header without large private values as it is', () => {
    const small = parseDicomBytes(bytes, 'f.dcm', { headOnly: true });
    const once = compactHeader(small);
    expect(compactHeader(once)).toBe(once);
  });
});
