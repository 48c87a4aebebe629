/**
 * The classification pipeline reads DICOM samples, and PNG files and their inflated samples, into
 * buffers it reuses from image to image (core/sample-scratch.ts). Results must not depend on it:
 * every run by path equals the run on a volume read separately (no reuse), for images in sequence,
 * of another size in between, run concurrently (a second open lease gets fresh memory) and in a batch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SampleScratch } from '../../src/core/sample-scratch.js';
import type { Manifest } from '../../src/index.js';
import { readImageFileWith } from '../../src/io/node-read-image.js';
import { createPipeline, readImageFile, readManifestFile, writePng } from '../../src/node.js';
import { createVolume } from '../../src/core/volume.js';
import { writeTestDicom } from '../helpers/dicom-writer.js';
import { writeTinyManifest } from '../helpers/tiny-manifest.js';

/** A 16-bit DX radiograph (12 bits stored) with a pattern that depends on `seed`. */
function dxFile(dir: string, name: string, n: number, seed: number): string {
  const px = new Uint16Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) px[j * n + i] = Math.round(2047 + 2000 * Math.sin(i * 0.37 + seed) * Math.cos(j * 0.21 - 2 * seed));
  const bytes = writeTestDicom({
    '00080016': ['UI', '1.2.840.10008.5.1.4.1.1.1.1'],
    '00080018': ['UI', `1.2.3.4.${seed}`],
    '00080060': ['CS', 'DX'],
    '00200013': ['IS', 1],
    '00280002': ['US', 1],
    '00280004': ['CS', 'MONOCHROME2'],
    '00280010': ['US', n],
    '00280011': ['US', n],
    '00280030': ['DS', [0.2, 0.2]],
    '00280100': ['US', 16],
    '00280101': ['US', 12],
    '00280102': ['US', 11],
    '00280103': ['US', 0],
    '7fe00010': ['OW', px],
  });
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** An 8-bit grey PNG (sharp's encoder) with a pattern that depends on `seed`. */
async function pngFile(dir: string, name: string, n: number, seed: number): Promise<string> {
  const px = new Uint8Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) px[j * n + i] = Math.round(127 + 120 * Math.sin(i * 0.31 + seed) * Math.cos(j * 0.17 - seed));
  const path = join(dir, name);
  writeFileSync(path, await writePng(createVolume({ geometry: { size: [n, n, 1] }, data: px })));
  return path;
}

let manifestPath: string;
let manifest: Manifest;
let dir: string;
beforeAll(async () => {
  manifestPath = writeTinyManifest();
  manifest = await readManifestFile(manifestPath);
  dir = mkdtempSync(join(tmpdir(), 'medinfer-reuse-'));
});
afterAll(() => {
  rmSync(dirname(manifestPath), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs by path of a, b (same size) and c (another size) equal runs on volumes read separately: in
 * sequence, concurrently and in a batch; `[a, b, c]` differ, so a stale buffer would show.
 */
async function expectRunsLikeSeparateReads([a, b, c]: readonly [string, string, string]): Promise<void> {
  const pipe = await createPipeline('classification', 'tiny-cxr', { manifest, provider: 'cpu' });
  const expected = new Map<string, Float32Array>();
  for (const p of [a, b, c]) expected.set(p, (await pipe.run(await readImageFile(p))).logits);
  expect(expected.get(a)).not.toEqual(expected.get(b));
  for (const p of [a, b, c, a, b]) expect((await pipe.run(p)).logits).toEqual(expected.get(p));
  const [ra, rb] = await Promise.all([pipe.run(a), pipe.run(b)]);
  expect(ra.logits).toEqual(expected.get(a));
  expect(rb.logits).toEqual(expected.get(b));
  const batch = await pipe.runBatch([b, a, c]);
  expect(batch.map((r) => r.logits)).toEqual([expected.get(b), expected.get(a), expected.get(c)]);
  await pipe.dispose();
}

describe('classification: samples read into a reused buffer', () => {
  it('gives the logits of a separate read for every image: in sequence, another size between, concurrent, batched', async () => {
    const files = [dxFile(dir, 'a.dcm', 160, 1), dxFile(dir, 'b.dcm', 160, 2), dxFile(dir, 'c.dcm', 128, 3)] as const;
    // These files take the path that reads samples into the given buffer.
    const probe = new SampleScratch();
    const lease = probe.lease();
    expect(probe.holds((await readImageFileWith(files[0], {}, lease.allocate)).data)).toBe(true);
    lease.release();
    await expectRunsLikeSeparateReads(files);
  });
});

describe('classification: PNG files read and inflated into reused buffers', () => {
  it('gives the logits of a separate read for every image: in sequence, another size between, concurrent, batched', async () => {
    const files = [await pngFile(dir, 'a.png', 160, 1), await pngFile(dir, 'b.png', 160, 2), await pngFile(dir, 'c.png', 128, 3)] as const;
    // The direct PNG path inflates into the given buffer (the file's bytes go into the other one).
    const probe = new SampleScratch();
    const lease = probe.lease();
    const read = await readImageFileWith(files[0], {}, lease.allocate, lease.allocateBytes);
    expect(probe.holds(read.data)).toBe(true);
    expect(Array.from(read.data)).toEqual(Array.from((await readImageFile(files[0])).data));
    lease.release();
    await expectRunsLikeSeparateReads(files);
  });
});

describe('SampleScratch', () => {
  it('hands its file buffer out once per lease, grows it with headroom and gives a much larger one back', () => {
    const scratch = new SampleScratch();
    const first = scratch.lease();
    const x = first.allocateBytes(1000);
    expect(x.length).toBe(1000);
    expect(x.buffer.byteLength).toBe(1125);
    expect(first.allocateBytes(1000).buffer).not.toBe(x.buffer);
    expect(scratch.lease().allocateBytes(1000).buffer).not.toBe(x.buffer); // a concurrent lease
    first.release();
    const again = scratch.lease();
    expect(again.allocateBytes(1100).buffer).toBe(x.buffer); // within the headroom
    again.release();
    const bigger = scratch.lease();
    const y = bigger.allocateBytes(200_000);
    expect(y.buffer).not.toBe(x.buffer);
    bigger.release();
    const small = scratch.lease();
    expect(small.allocateBytes(100).buffer).not.toBe(y.buffer); // over 4x the file (+ 64 KiB): given back
    small.release();
  });

  it('hands its buffer out once per lease, to one lease at a time, and replaces it for another byte size', () => {
    const scratch = new SampleScratch();
    const first = scratch.lease();
    const x = first.allocate('uint16', 100);
    expect(scratch.holds(x)).toBe(true);
    expect(x.buffer.byteLength).toBe(200);
    // A second allocation in the same lease, and a concurrent lease, get fresh memory.
    expect(scratch.holds(first.allocate('uint16', 100))).toBe(false);
    const other = scratch.lease();
    expect(scratch.holds(other.allocate('uint16', 100))).toBe(false);
    other.release();
    first.release();
    const again = scratch.lease();
    const y = again.allocate('int16', 100);
    expect(y.buffer).toBe(x.buffer);
    expect(y).toBeInstanceOf(Int16Array);
    again.release();
    const bigger = scratch.lease();
    const z = bigger.allocate('float32', 100);
    expect(z.buffer).not.toBe(x.buffer);
    expect(z.buffer.byteLength).toBe(400);
    expect(scratch.holds(z)).toBe(true);
    bigger.release();
  });
});
