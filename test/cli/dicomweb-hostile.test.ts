/**
 * Issue 27, requirement 7 (DICOMweb half): `medinfer dicomweb run` against hostile loopback
 * servers (test/helpers/hostile-dicomweb.ts). Each case runs the real CLI under a hard time bound
 * and reads the child's peak RSS (getrusage, test/helpers/max-rss-preload.mjs): a typed error and
 * exit 1 (or 0 where the data is valid), never a hang or a crash, memory bounded (< 400 MB).
 * Cases: valid series (baseline), malformed multipart, a body that never reaches its boundary,
 * a Content-Length larger than the body then the connection closed, a server that stalls
 * mid-body (idle timeout), one that drips a byte at a time (request timeout), an endless part
 * (LimitError from --max-voxels' byte bound before the memory is spent), a malformed and a huge
 * QIDO answer, a gzip-encoded QIDO bomb, and a series of 1,000 instances sent slowly (one request: bounded concurrency). Needs dist/ (npx tsc -p .).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '../../src/index.js';
import { seriesRetrieveLimits } from '../../src/io/dicomweb/read-series.js';
import { assertBuilt, makeWorkDir, ROOT } from '../fixtures/cli/cli-harness.js';
import { writeVolumeAsDicomSeries } from '../helpers/dicom-series-writer.js';
import {
  chestDxInstances,
  MULTIPART_TYPE,
  multipartOf,
  send,
  startHostileDicomWeb,
  type HostileOptions,
  type HostileServer,
} from '../helpers/hostile-dicomweb.js';

const STUDY = '1.2.826.0.1.3680043.10.1234.720.1';
const SERIES = `${STUDY}.1`;
const MODEL = 'medinfer-cxr-densenet-phantom';
const MAX_RSS_KB = 400 * 1024;
const PRELOAD = pathToFileURL(join(ROOT, 'test/helpers/max-rss-preload.mjs')).href;
let work: string;
let dx: Uint8Array[];

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  maxRssKb: number;
}

let runs = 0;
const measured: string[] = [];
/** The real CLI, killed (and the test failed) if it outlives `limitMs`; peak RSS from getrusage. */
function dicomweb(url: string, extra: string[], limitMs: number): Promise<Outcome> {
  const rssFile = join(work, `rss-${runs++}`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const args = [join(ROOT, 'bin/medinfer.js'), 'dicomweb', 'run', '--url', url, '--study', STUDY, '--model', MODEL, '--provider', 'cpu', ...extra];
    const env = { ...process.env, MEDINFER_MAX_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import=${PRELOAD}`.trim() };
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const maxRssKb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : Number.NaN;
      const outcome = { code, signal, stdout, stderr, ms: Date.now() - started, maxRssKb };
      measured.push(`${extra.join(' ') || '(defaults)'}: exit ${code}, ${outcome.ms} ms, peak RSS ${(maxRssKb / 1024).toFixed(0)} MiB`);
      resolve(outcome);
    });
  });
}

/** Exit 1 with `code` on stderr, within the time bound, memory bounded, no stack trace. */
function expectTyped(r: Outcome, code: RegExp): void {
  expect(r.signal, `killed after ${r.ms} ms (hang)\n${r.stderr}`).toBeNull();
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(code);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.maxRssKb, 'peak RSS (KiB)').toBeLessThan(MAX_RSS_KB);
}

async function withServer<T>(o: Omit<HostileOptions, 'study' | 'series'>, fn: (s: HostileServer) => Promise<T>): Promise<T> {
  const server = await startHostileDicomWeb({ study: STUDY, series: SERIES, ...o });
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

beforeAll(() => {
  assertBuilt();
  work = makeWorkDir('medinfer-dicomweb-hostile-');
  dx = chestDxInstances(STUDY, SERIES);
});

afterAll(() => {
  if (process.env['MEDINFER_TEST_VERBOSE']) console.log(measured.join('\n'));
  rmSync(work, { recursive: true, force: true });
});

describe('medinfer dicomweb run against hostile servers', () => {
  it('default bounds are sane for a series: 4 bytes per voxel of --max-voxels (2^28) + 64 MiB', () => {
    // 2^28 int16 voxels (a 512 x 512 x 1024 CT) = 512 MiB of pixel data fits; 16 GiB does not.
    expect(seriesRetrieveLimits()).toEqual({ maxPartBytes: 2 ** 30 + 2 ** 26, maxTotalBytes: 2 ** 30 + 2 ** 26 });
    expect(seriesRetrieveLimits(4e6).maxTotalBytes).toBe(16e6 + 2 ** 26);
    expect(seriesRetrieveLimits(2 ** 30).maxPartBytes).toBe(2 ** 31 - 1);
  });

  it('baseline: a valid series is run and its SR stored (exit 0, memory bounded)', async () => {
    await withServer({ retrieve: (_req, res) => res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(multipartOf(dx)) }, async (s) => {
      const r = await dicomweb(s.url, ['--json'], 60_000);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'stored' });
      expect(s.stats.stored).toBe(1);
      expect(r.maxRssKb).toBeLessThan(MAX_RSS_KB);
    });
  }, 70_000);

  it('malformed multipart: a bad part header, and a body that never shows its boundary -> E_DECODE', async () => {
    const bad = new TextEncoder().encode(
      `--hostile-boundary-7f3a\r\nContent-Type: application/dicom\r\nthis line has no colon\r\n\r\nxxxx\r\n--hostile-boundary-7f3a--\r\n`,
    );
    await withServer({ retrieve: (_req, res) => res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(bad) }, async (s) => {
      expectTyped(await dicomweb(s.url, [], 30_000), /E_DECODE: .*malformed multipart body/);
    });
    await withServer({ retrieve: (_req, res) => res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(new Uint8Array(100_000).fill(0x41)) }, async (s) => {
      expectTyped(await dicomweb(s.url, [], 30_000), /E_DECODE: .*truncated/);
    });
    // No boundary parameter at all.
    await withServer(
      { retrieve: (_req, res) => res.writeHead(200, { 'content-type': 'multipart/related; type="application/dicom"' }).end(multipartOf(dx)) },
      async (s) => {
        expectTyped(await dicomweb(s.url, [], 30_000), /E_DECODE|E_HTTP/);
      },
    );
  }, 100_000);

  it('Content-Length larger than the body, then the connection closes -> E_NETWORK after bounded retries', async () => {
    const body = multipartOf(dx);
    await withServer(
      {
        retrieve: (_req, res) => {
          res.writeHead(200, { 'content-type': MULTIPART_TYPE, 'content-length': String(body.length * 4) });
          res.write(body.subarray(0, body.length >> 1), () => res.destroy());
        },
      },
      async (s) => {
        const r = await dicomweb(s.url, ['--retries', '1'], 30_000);
        expectTyped(r, /E_NETWORK: GET http:\/\/127\.0\.0\.1:\d+\/dicom-web\/studies\/[\d.]+\/series\/[\d.]+: network error.*\(after 2 attempts\)/);
        // The series retrieve was tried twice, no more (plus QIDO series and instance searches).
        expect(s.stats.requests).toBeLessThanOrEqual(4);
      },
    );
  }, 40_000);

  it('a server that stalls mid-body -> E_NETWORK stalled within the idle timeout, not after the 300 s request timeout', async () => {
    const body = multipartOf(dx);
    await withServer(
      {
        retrieve: (_req, res) => {
          res.writeHead(200, { 'content-type': MULTIPART_TYPE });
          res.write(body.subarray(0, body.length >> 1)); // ... and nothing more, connection kept open
        },
      },
      async (s) => {
        const r = await dicomweb(s.url, ['--idle-timeout-ms', '1500', '--retries', '1'], 30_000);
        expectTyped(r, /E_NETWORK: .*no byte received for 1500 ms \(server stalled\) \(after 2 attempts\)/);
        expect(r.ms).toBeLessThan(20_000);
      },
    );
  }, 40_000);

  it('a server that drips a byte every 200 ms (never idle) -> E_NETWORK at the request timeout', async () => {
    const body = multipartOf(dx);
    await withServer(
      {
        retrieve: async (_req, res, stats) => {
          res.writeHead(200, { 'content-type': MULTIPART_TYPE });
          for (let at = 0; at < body.length && (await send(res, stats, body.subarray(at, at + 1))); at++) await new Promise((r) => setTimeout(r, 200));
        },
      },
      async (s) => {
        const r = await dicomweb(s.url, ['--timeout-ms', '2500', '--retries', '0'], 30_000);
        expectTyped(r, /E_NETWORK: GET .*: no complete answer within 2500 ms/);
        expect(r.ms).toBeLessThan(15_000);
      },
    );
  }, 40_000);

  it('an endless part -> E_LIMIT once a series of --max-voxels would be exceeded, before the memory is spent', async () => {
    await withServer(
      {
        retrieve: async (_req, res, stats) => {
          res.writeHead(200, { 'content-type': MULTIPART_TYPE });
          await send(res, stats, new TextEncoder().encode('--hostile-boundary-7f3a\r\nContent-Type: application/dicom\r\n\r\n'));
          const chunk = new Uint8Array(1 << 20).fill(7);
          // Up to 2 GiB: stops as soon as the client goes away.
          for (let i = 0; i < 2048 && (await send(res, stats, chunk)); i++);
          res.end();
        },
      },
      async (s) => {
        // 4e6 voxels -> 4 x 4e6 + 64 MiB = ~80 MiB accepted for the series.
        const r = await dicomweb(s.url, ['--max-voxels', '4000000'], 60_000);
        expectTyped(r, /E_LIMIT: .*multipart (body|part 1) over \d+ bytes \(more than a series of --max-voxels 4000000 samples needs\)/);
        expect(s.stats.bytesSent).toBeLessThan(400 * 2 ** 20);
      },
    );
  }, 70_000);

  it('QIDO-RS: malformed JSON -> E_DECODE; a huge (endless) answer -> E_LIMIT at 64 MiB, memory bounded', async () => {
    await withServer(
      {
        qido: (_req, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[{"0020000E": {"vr": "UI", "Value": ['),
        retrieve: (_q, r) => r.end(),
      },
      async (s) => {
        expectTyped(await dicomweb(s.url, [], 30_000), /E_DECODE: GET .*\/series: response is not JSON/);
      },
    );
    await withServer(
      { qido: (_req, res) => res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('{"not": "an array"}'), retrieve: (_q, r) => r.end() },
      async (s) => {
        expectTyped(await dicomweb(s.url, [], 30_000), /E_DECODE: .*expected a JSON array/);
      },
    );
    await withServer(
      {
        qido: async (_req, res, stats) => {
          res.writeHead(200, { 'content-type': 'application/dicom+json' });
          const item = new TextEncoder().encode(`{"0020000E": {"vr": "UI", "Value": ["${SERIES}"]}, "00080060": {"vr": "CS", "Value": ["DX"]}},`.repeat(5000));
          await send(res, stats, new TextEncoder().encode('['));
          for (let i = 0; i < 4096 && (await send(res, stats, item)); i++);
          res.end();
        },
        retrieve: (_q, r) => r.end(),
      },
      async (s) => {
        const r = await dicomweb(s.url, [], 60_000);
        expectTyped(r, /E_LIMIT: GET .*\/series: answer over 67108864 bytes/);
        expect(s.stats.bytesSent).toBeLessThan(400 * 2 ** 20);
      },
    );
  }, 120_000);

  it('a gzip bomb (Content-Encoding: gzip, ~1 MB on the wire, endless when inflated) -> E_LIMIT, memory bounded', async () => {
    await withServer(
      {
        qido: async (_req, res, stats) => {
          res.writeHead(200, { 'content-type': 'application/dicom+json', 'content-encoding': 'gzip' });
          const gz = createGzip({ level: 9 });
          gz.on('data', (c: Buffer) => (stats.bytesSent += c.length));
          gz.pipe(res);
          let open = true;
          res.on('close', () => (open = false));
          const item = Buffer.from(`{"0020000E": {"vr": "UI", "Value": ["${SERIES}"]}},`.repeat(20_000));
          gz.write('[');
          // Up to ~4 GiB inflated; stops when the client hangs up.
          for (let i = 0; i < 4000 && open; i++) if (!gz.write(item)) await new Promise((r) => gz.once('drain', r));
          gz.end();
        },
        retrieve: (_q, r) => r.end(),
      },
      async (s) => {
        const r = await dicomweb(s.url, [], 60_000);
        expectTyped(r, /E_LIMIT: GET .*\/series: answer over 67108864 bytes/);
        // What crossed the wire (compressed) is small; the inflated answer was cut at 64 MiB.
        expect(s.stats.bytesSent).toBeLessThan(16 * 2 ** 20);
      },
    );
  }, 70_000);

  it('a series of 1,000 instances sent slowly: one retrieve request at a time, all parts read, memory bounded', async () => {
    const n = 1000;
    const volume = createVolume({ geometry: { size: [16, 16, n], spacing: [1, 1, 1] }, data: Uint16Array.from({ length: 16 * 16 * n }, (_, i) => i % 4096) });
    const instances = writeVolumeAsDicomSeries(volume, {
      modality: 'DX',
      studyUid: STUDY,
      seriesUid: SERIES,
      frameOfReferenceUid: `${STUDY}.9`,
      seriesNumber: 1,
      seriesDescription: 'MANY',
    });
    const body = multipartOf(instances);
    await withServer(
      {
        instances: n,
        retrieve: async (_req, res, stats) => {
          res.writeHead(200, { 'content-type': MULTIPART_TYPE });
          const step = Math.ceil(body.length / 200);
          for (let at = 0; at < body.length; at += step) {
            if (!(await send(res, stats, body.subarray(at, at + step)))) return;
            await new Promise((r) => setTimeout(r, 10));
          }
          res.end();
        },
      },
      async (s) => {
        const r = await dicomweb(s.url, [], 60_000);
        // 1,000 slices are not a radiograph: the classification model refuses the volume (typed),
        // after the whole series was retrieved through one request.
        expectTyped(r, /E_INPUT/);
        expect(r.stderr).toContain(`retrieved ${n} instances`);
        expect(s.stats.maxActive).toBe(1);
        expect(s.stats.requests).toBeLessThanOrEqual(3);
      },
    );
  }, 70_000);
});
