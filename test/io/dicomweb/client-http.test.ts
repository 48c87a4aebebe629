/**
 * Client behaviour against a tiny loopback HTTP server: retries with backoff on 503 (and none on
 * 4xx), timeouts on a stalled server, network errors after bounded retries, malformed multipart,
 * STOW-RS FailedSOPSequence, bearer auth, the 406 fallback to Explicit VR Little Endian - and no
 * credential or query string in any error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDicomWebClient } from '../../../src/index.js';
import { buildMultipart } from '../../../src/io/dicomweb/multipart-build.js';
import { freePort } from '../../helpers/orthanc.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;
let server: Server;
let base = '';
let handler: Handler = (_q, res) => res.end();
let hits = 0;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  const port = await freePort();
  server = createServer((req, res) => {
    seen.push(req);
    hits++;
    handler(req, res, hits);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  base = `http://127.0.0.1:${port}/dicom-web`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function reset(h: Handler): void {
  hits = 0;
  seen.length = 0;
  handler = h;
}

const SECRET = 'tok-SECRET-4242';

describe('DICOMweb client HTTP behaviour', () => {
  it('retries 503 twice then succeeds; sends the bearer token', async () => {
    reset((_q, res, n) => {
      if (n <= 2) {
        res.statusCode = 503;
        return res.end('busy');
      }
      res.setHeader('content-type', 'application/dicom+json');
      res.end(JSON.stringify([{ '0020000D': { vr: 'UI', Value: ['1.2.3'] } }]));
    });
    const client = createDicomWebClient({ url: base, auth: { kind: 'bearer', token: SECRET }, retryBaseMs: 5 });
    const studies = await client.searchStudies({ match: { PatientID: 'X' }, limit: 5 });
    expect(studies.map((s) => s.studyInstanceUid)).toEqual(['1.2.3']);
    expect(hits).toBe(3);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(seen[0]!.url).toBe('/dicom-web/studies?PatientID=X&limit=5');
  });

  it('gives up after the bounded retries with an HttpError 503; 4xx are not retried', async () => {
    reset((_q, res) => {
      res.statusCode = 503;
      res.end();
    });
    const client = createDicomWebClient({ url: base, auth: { kind: 'bearer', token: SECRET }, retries: 2, retryBaseMs: 5 });
    const err = await client.searchStudies({ match: { PatientName: 'Secret^Name' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_HTTP', status: 503, details: { attempts: 3 } });
    expect(hits).toBe(3);
    expect((err as Error).message).not.toMatch(/Secret|tok-/);
    reset((_q, res) => {
      res.statusCode = 404;
      res.end();
    });
    await expect(client.searchSeries('1.2.3')).rejects.toMatchObject({ code: 'E_HTTP', status: 404 });
    expect(hits).toBe(1);
  });

  it('a stalled server is a NetworkError timeout (retried, bounded)', async () => {
    reset(() => undefined); // never answers
    const client = createDicomWebClient({ url: base, timeoutMs: 150, retries: 1, retryBaseMs: 5 });
    const t0 = Date.now();
    const err = await client.searchStudies().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_NETWORK', details: { cause: 'timeout', attempts: 2 } });
    expect(hits).toBe(2);
    expect(Date.now() - t0).toBeLessThan(5000);
    // A body that stalls half-way is a timeout too.
    reset((_q, res) => {
      res.setHeader('content-type', 'multipart/related; type="application/dicom"; boundary=zz');
      res.write('--zz\r\nContent-Type: application/dicom\r\n\r\nabc');
    });
    await expect(client.retrieveSeries('1.2', '1.2.3')).rejects.toMatchObject({ code: 'E_NETWORK', details: { cause: 'timeout' } });
    // With a long request timeout, the idle timeout ends a stall mid-body; a slow but steady
    // body (a chunk every 50 ms, longer in all than the idle timeout) is not a stall.
    const patient = createDicomWebClient({ url: base, timeoutMs: 60_000, idleTimeoutMs: 300, retries: 0 });
    const t1 = Date.now();
    await expect(patient.retrieveSeries('1.2', '1.2.3')).rejects.toMatchObject({ code: 'E_NETWORK', details: { cause: 'stalled' } });
    expect(Date.now() - t1).toBeLessThan(5000);
    const body = buildMultipart([{ contentType: 'application/dicom', body: new Uint8Array(4000).fill(9) }], 'zz');
    reset((_q, res) => {
      res.setHeader('content-type', 'multipart/related; type="application/dicom"; boundary=zz');
      let at = 0;
      const tick = setInterval(() => {
        res.write(body.subarray(at, at + 400));
        at += 400;
        if (at >= body.length) {
          clearInterval(tick);
          res.end();
        }
      }, 50);
    });
    expect((await patient.retrieveSeries('1.2', '1.2.3')).map((p) => p.length)).toEqual([4000]);
  });

  it('connection refused: NetworkError after the retries, credentials not named', async () => {
    const port = await freePort();
    const client = createDicomWebClient({ url: `http://medinfer:pw-SECRET@127.0.0.1:${port}/dicom-web`, retries: 2, retryBaseMs: 5 });
    const err = await client.searchStudies().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_NETWORK', details: { cause: 'network', attempts: 3, url: `http://127.0.0.1:${port}/dicom-web/studies` } });
    expect(JSON.stringify((err as { toJSON(): unknown }).toJSON())).not.toContain('pw-SECRET');
  });

  it('malformed or truncated multipart answers are DecodeErrors; bounds are LimitErrors', async () => {
    reset((_q, res) => {
      res.setHeader('content-type', 'multipart/related; type="application/dicom"; boundary=zz');
      res.end('--zz\r\nContent-Type: application/dicom\r\n\r\nabc\r\n--zz\r\n\r\ndef'); // no closing delimiter
    });
    const client = createDicomWebClient({ url: base, retries: 0, limits: { maxPartBytes: 1000 } });
    await expect(client.retrieveSeries('1.2', '1.2.3')).rejects.toMatchObject({ code: 'E_DECODE', details: { cause: 'truncated' } });
    reset((_q, res) => {
      res.setHeader('content-type', 'application/dicom');
      res.end('abc');
    });
    await expect(client.retrieveSeries('1.2', '1.2.3')).rejects.toMatchObject({ code: 'E_DECODE', details: { cause: 'content-type' } });
    reset((_q, res) => {
      res.setHeader('content-type', 'multipart/related; boundary=zz');
      res.end(buildMultipart([{ contentType: 'application/dicom', body: new Uint8Array(5000) }], 'zz'));
    });
    await expect(client.retrieveSeries('1.2', '1.2.3')).rejects.toMatchObject({ code: 'E_LIMIT' });
  });

  it('asks for instances as stored, and for Explicit VR Little Endian after a 406', async () => {
    reset((req, res) => {
      if (String(req.headers.accept).includes('transfer-syntax=*')) {
        res.statusCode = 406;
        return res.end();
      }
      res.setHeader('content-type', 'multipart/related; type="application/dicom"; boundary=zz');
      res.end(buildMultipart([{ contentType: 'application/dicom', body: Uint8Array.of(1, 2, 3) }], 'zz'));
    });
    const client = createDicomWebClient({ url: base, retries: 0 });
    expect((await client.retrieveSeries('1.2', '1.2.3')).map((p) => Array.from(p))).toEqual([[1, 2, 3]]);
    expect(seen.map((r) => r.headers.accept)).toEqual([
      'multipart/related; type="application/dicom"; transfer-syntax=*',
      'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1',
    ]);
  });

  it('STOW-RS: a FailedSOPSequence is an HttpError listing the failed UIDs and reasons', async () => {
    reset((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = 202;
        res.setHeader('content-type', 'application/dicom+json');
        res.end(
          JSON.stringify({
            '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.1'] } }] },
            '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.2'] }, '00081197': { vr: 'US', Value: [0xc000] } }] },
          }),
        );
      });
    });
    const client = createDicomWebClient({ url: base, auth: { kind: 'basic', user: 'u', password: 'pw-SECRET' }, retries: 0 });
    const err = await client.store([Uint8Array.of(1), Uint8Array.of(2)], { study: '1.2.3' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_HTTP', status: 202, details: { failed: [{ sopInstanceUid: '1.2.3.2', reason: 0xc000 }], storedCount: 1 } });
    expect((err as Error).message).toContain('FailureReason 0xC000');
    expect((err as Error).message).not.toContain('pw-SECRET');
    expect(seen[0]!.headers['content-type']).toMatch(/^multipart\/related; type="application\/dicom"; boundary=/);
    expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:pw-SECRET').toString('base64')}`);
  });
});
