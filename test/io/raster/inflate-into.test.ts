/**
 * inflateInto (src/io/raster/inflate-into.ts) writes a zlib stream into the caller's buffer through
 * Node's zlib engine: it must give exactly zlib.inflateSync's bytes, report damaged and truncated
 * streams as zlib's message (and work again afterwards), stop at the buffer's end, and ignore
 * trailing data as inflateSync does.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflateInto } from '../../../src/io/raster/inflate-into.js';

/** Compressible but not trivial: smooth ramps with noise. */
function data(n: number): Uint8Array {
  const noise = randomBytes(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i >> 4) + (noise[i]! & 7)) & 255;
  return out;
}

describe('inflateInto', () => {
  const raw = data(300_000);
  const z = deflateSync(raw, { level: 6 });

  it('gives inflateSync bytes into the given buffer', () => {
    const out = new Uint8Array(raw.length + 1).fill(0xaa);
    expect(inflateInto(z, out)).toBe(raw.length);
    expect(Buffer.compare(out.subarray(0, raw.length), inflateSync(z))).toBe(0);
    expect(out[raw.length]).toBe(0xaa);
  });

  it('reports a damaged or truncated stream with zlib message, then works again', () => {
    const bad = Buffer.from(z);
    bad[bad.length - 1]! ^= 1; // the Adler-32 check
    const out = new Uint8Array(raw.length + 1);
    expect(inflateInto(bad, out)).toMatch(/incorrect data check/);
    expect(inflateInto(z.subarray(0, z.length - 100), out)).toMatch(/unexpected end of file/);
    expect(inflateInto(z.subarray(0, z.length - 5), out)).toMatch(/unexpected end of file/);
    expect(inflateInto(z, out)).toBe(raw.length);
    expect(Buffer.compare(out.subarray(0, raw.length), raw)).toBe(0);
  });

  it('stops at the end of the buffer (a stream inflating to more fills it) and ignores trailing data', () => {
    const small = new Uint8Array(1000);
    expect(inflateInto(z, small)).toBe(1000);
    expect(Buffer.compare(small, raw.subarray(0, 1000))).toBe(0);
    const out = new Uint8Array(raw.length + 1);
    expect(inflateInto(Buffer.concat([z, Buffer.from([1, 2, 3])]), out)).toBe(raw.length);
    expect(inflateSync(Buffer.concat([z, Buffer.from([1, 2, 3])])).length).toBe(raw.length);
  });
});
