/**
 * The multipart parser: exact parts whatever the chunking (every split point of a body, and
 * random splits), bounds as LimitError, malformed / truncated bodies as DecodeError, and a fuzz
 * loop (random mutations never throw anything but a typed error).
 */
import { describe, expect, it } from 'vitest';
import { isMedinferError } from '../../../src/index.js';
import { buildMultipart, boundaryOf } from '../../../src/io/dicomweb/multipart-build.js';
import { MultipartParser, parseMultipart } from '../../../src/io/dicomweb/multipart.js';

const enc = new TextEncoder();
const B = 'b0undary-XYZ';
const partA = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255);
// A body that contains CRLF, dashes and a prefix of the delimiter but not the delimiter itself.
const partB = enc.encode(`\r\n--b0undary-XY\r\n--\r\n-- b0undary-XYZ`);
const body = buildMultipart(
  [
    { contentType: 'application/dicom', body: partA },
    { contentType: 'application/dicom', body: partB },
  ],
  B,
);

function parseChunks(bytes: Uint8Array, cuts: number[]) {
  const p = new MultipartParser(B);
  const out = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...p.push(bytes.subarray(at, c)));
    at = c;
  }
  p.finish();
  return out;
}

describe('multipart parser', () => {
  it('returns the parts exactly for every single split point', () => {
    for (let cut = 0; cut <= body.length; cut++) {
      const parts = parseChunks(body, [cut]);
      expect(parts.map((p) => Array.from(p.body))).toEqual([Array.from(partA), Array.from(partB)]);
      expect(parts[0]!.headers['content-type']).toBe('application/dicom');
      expect(parts[0]!.headers['content-length']).toBe('300');
    }
  });

  it('returns the parts exactly for every fixed chunk size from 1 to 64 bytes', () => {
    for (let size = 1; size <= 64; size++) {
      const cuts = Array.from({ length: Math.floor((body.length - 1) / size) }, (_, i) => (i + 1) * size);
      expect(
        parseChunks(body, cuts).map((p) => Array.from(p.body)),
        `chunk size ${size}`,
      ).toEqual([Array.from(partA), Array.from(partB)]);
    }
  });

  it('handles a preamble, transport padding, an epilogue and byte-by-byte chunks', () => {
    const text = `preamble text\r\n--${B}  \r\nContent-Type: text/plain\r\n\r\nhello\r\n--${B}\r\n\r\nno headers\r\n--${B}--\r\nepilogue`;
    const bytes = enc.encode(text);
    const parts = parseChunks(
      bytes,
      Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
    );
    expect(parts.map((p) => new TextDecoder().decode(p.body))).toEqual(['hello', 'no headers']);
    expect(parts[1]!.headers).toEqual({});
  });

  it('LimitError on part size, total size and part count', () => {
    expect(() => parseMultipart(body, B, { maxPartBytes: 299 })).toThrow(
      expect.objectContaining({ code: 'E_LIMIT', details: expect.objectContaining({ limit: 'maxPartBytes' }) }),
    );
    expect(() => parseMultipart(body, B, { maxTotalBytes: body.length - 1 })).toThrow(
      expect.objectContaining({ code: 'E_LIMIT', details: expect.objectContaining({ limit: 'maxTotalBytes' }) }),
    );
    expect(() => parseMultipart(body, B, { maxParts: 1 })).toThrow(
      expect.objectContaining({ code: 'E_LIMIT', details: expect.objectContaining({ limit: 'maxParts' }) }),
    );
    expect(parseMultipart(body, B, { maxPartBytes: 300, maxParts: 2, maxTotalBytes: body.length })).toHaveLength(2);
  });

  it('DecodeError on truncation, a bad delimiter line, a header line without a name, a wrong boundary', () => {
    for (const n of [0, 10, body.length - 5, body.length - 3]) {
      expect(() => parseMultipart(body.subarray(0, n), B)).toThrow(
        expect.objectContaining({ code: 'E_DECODE', details: expect.objectContaining({ cause: 'truncated' }) }),
      );
    }
    expect(() => parseMultipart(enc.encode(`--${B}xx\r\n\r\nbody\r\n--${B}--`), B)).toThrow(
      expect.objectContaining({ code: 'E_DECODE', details: expect.objectContaining({ cause: 'multipart' }) }),
    );
    expect(() => parseMultipart(enc.encode(`--${B}\r\nno colon here\r\n\r\nbody\r\n--${B}--`), B)).toThrow(expect.objectContaining({ code: 'E_DECODE' }));
    expect(() => parseMultipart(body, 'other-boundary')).toThrow(expect.objectContaining({ code: 'E_DECODE' }));
    expect(() => boundaryOf('application/dicom+json', 'x')).toThrow(expect.objectContaining({ code: 'E_DECODE' }));
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="a b;c"', 'x')).toBe('a b;c');
  });

  it('fuzz: mutated and randomly split bodies give parts or a typed error, nothing else', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = body.slice();
      for (let m = rnd(4); m >= 0; m--) bytes[rnd(bytes.length)] = rnd(256);
      const cut = bytes.subarray(0, bytes.length - rnd(3) * rnd(40));
      const cuts = Array.from({ length: rnd(5) }, () => rnd(cut.length + 1)).sort((a, b) => a - b);
      try {
        const parts = parseChunks(cut, cuts);
        expect(parts.length).toBeLessThanOrEqual(3);
      } catch (error) {
        if (!isMedinferError(error) || !['E_DECODE', 'E_LIMIT'].includes(error.code)) throw error;
      }
    }
  });
});
