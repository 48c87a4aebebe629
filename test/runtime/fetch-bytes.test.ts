/**
 * fetchWithProgress: exact bytes for ordinary bodies (with and without Content-Length, with
 * Content-Encoding: gzip, whose Content-Length counts compressed bytes), progress reported, and a
 * LimitError naming the URL for bodies over maxBytes (stated or streamed).
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LimitError } from '../../src/core/errors.js';
import { fetchWithProgress } from '../../src/runtime/fetch-bytes.js';

const BODY = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/sized') res.writeHead(200, { 'content-length': String(BODY.length) }).end(BODY);
    else if (req.url === '/chunked') {
      res.writeHead(200);
      res.write(BODY.subarray(0, 100_000));
      res.end(BODY.subarray(100_000));
    } else if (req.url === '/gzip') {
      const gz = gzipSync(BODY);
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(gz.length) }).end(gz);
    } else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(() => server.close());

describe('fetchWithProgress', () => {
  it.each(['/sized', '/chunked', '/gzip'])('%s: the exact body, progress up to its length', async (path) => {
    const seen: number[] = [];
    const bytes = await fetchWithProgress(base + path, (loaded) => seen.push(loaded));
    expect(bytes.length).toBe(BODY.length);
    expect(Buffer.from(bytes).equals(Buffer.from(BODY))).toBe(true);
    expect(seen.at(-1)).toBe(BODY.length);
  });

  it.each(['/sized', '/chunked', '/gzip'])('%s: over maxBytes is a LimitError naming the URL', async (path) => {
    const error = await fetchWithProgress(base + path, undefined, { maxBytes: 200_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as LimitError).message).toContain(`${base}${path}: the body is larger than 200000 bytes`);
  });

  it('exactly maxBytes is accepted', async () => {
    expect((await fetchWithProgress(`${base}/chunked`, undefined, { maxBytes: BODY.length })).length).toBe(BODY.length);
  });
});
