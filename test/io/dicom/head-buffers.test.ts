import { describe, expect, it } from 'vitest';
import { HeadBuffers } from '../../../src/io/dicom/head-buffers.js';

/** Byte ranges [start, end) that two views take in one buffer overlap. */
const overlap = (a: Uint8Array, b: Uint8Array): boolean =>
  a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;

describe('HeadBuffers', () => {
  it('hands out heads of exactly the size asked for that never share bytes, many from one slab', () => {
    const buffers = new HeadBuffers(8);
    const heads = Array.from({ length: 40 }, (_, k) => buffers.take(24_170 + k));
    heads.forEach((h, k) => expect(h.length).toBe(24_170 + k));
    for (let i = 0; i < heads.length; i++) for (let j = i + 1; j < heads.length; j++) expect(overlap(heads[i]!, heads[j]!)).toBe(false);
    // 40 heads of ~24 KiB in far fewer backing buffers than heads.
    expect(new Set(heads.map((h) => h.buffer)).size).toBeLessThan(10);
    // Writing one head to its end leaves its neighbours as they were.
    heads[1]!.fill(7);
    expect(heads[0]!.every((b) => b === 0) && heads[2]!.every((b) => b === 0)).toBe(true);
  });

  it('grows a head in place within its region, keeping its bytes, and into a new head beyond it', () => {
    const buffers = new HeadBuffers(8);
    const head = buffers.take(24_170);
    head.set([1, 2, 3], 0);
    const longer = buffers.grow(head, 24_176, 3);
    expect(longer.buffer).toBe(head.buffer);
    expect(longer.byteOffset).toBe(head.byteOffset);
    expect([...longer.subarray(0, 3)]).toEqual([1, 2, 3]);
    // The outgrown view no longer frees the region: the longer head's bytes stay its own.
    buffers.giveBack(head);
    const next = buffers.take(100);
    expect(overlap(longer, next)).toBe(false);
    const moved = buffers.grow(longer, 40_000, 3);
    expect(moved.length).toBe(40_000);
    expect([...moved.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(overlap(moved, next)).toBe(false);
  });

  it('reuses the smallest spare that fits, and ignores views it did not hand out', () => {
    const buffers = new HeadBuffers(8);
    const small = buffers.take(16_384);
    const large = buffers.take(36_000);
    buffers.giveBack(large);
    buffers.giveBack(small);
    buffers.giveBack(new Uint8Array(50_000));
    const again = buffers.take(16_000);
    expect(again.buffer).toBe(small.buffer);
    expect(again.byteOffset).toBe(small.byteOffset);
    expect(buffers.take(30_000).byteOffset).toBe(large.byteOffset);
  });

  it('gives a kept file its own bytes, never a view into a shared slab', () => {
    const buffers = new HeadBuffers(8);
    const neighbour = buffers.take(1000);
    const head = buffers.take(16_384);
    head.set([9, 8, 7]);
    const bytes = buffers.keepBytes(head, 3_000);
    expect(bytes.length).toBe(3_000);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(3_000);
    expect([...bytes.subarray(0, 3)]).toEqual([9, 8, 7]);
    expect(bytes.buffer).not.toBe(neighbour.buffer);
    // A long head has a buffer of its own: mostly used, it is kept as it is (no copy).
    const long = buffers.take(200_000);
    const whole = buffers.keepBytes(long, 190_000);
    expect(whole.buffer).toBe(long.buffer);
  });
});
