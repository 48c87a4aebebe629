/**
 * `medinfer serve` under hostile clients on loopback: the real CLI (`node bin/medinfer.js serve`,
 * built dist/) on a free port, fed malformed requests, huge headers and URLs, lying Content-Length,
 * never-ending chunked bodies, slowloris clients, path traversal (encoded, absolute, NUL,
 * symlinks out of the served folder), a pipelining flood and 1,000 parallel requests. After each
 * case a normal request must still be answered; the server's peak RSS (VmHWM, read from outside)
 * must stay < 300 MB above its warmed-up baseline; SIGTERM stops it. Every wait is bounded.
 * Limits under test are documented in src/cli/web/http-limits.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/medinfer.js');
const SECRET = 'SECRET-MARKER-7f3a';
const MODEL = randomBytes(256 * 1024);
const BIG_MB = 16;

let server: ChildProcess;
let port = 0;
let baselineKb = 0;
let work = '';

/** Resolves after `ms`, or rejects with `what` when `promise` has not settled by then. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The server's peak (VmHWM) or current (VmRSS) resident memory in kB; null off Linux. */
function rssKb(field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number | null {
  const status = `/proc/${server.pid}/status`;
  if (!existsSync(status)) return null;
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(status, 'utf8'));
  return m ? Number(m[1]) : null;
}

interface Answer {
  status: number;
  body: Buffer;
}

function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

/** A normal request after each case: the manifest, byte for byte, within 5 s. */
async function stillServes(): Promise<void> {
  const r = await bounded(get('/models.manifest.json'), 5_000, 'normal request');
  expect(r.status).toBe(200);
  expect(r.body.toString()).toBe(readFileSync(join(work, 'models.manifest.json'), 'utf8'));
}

interface Raw {
  status: number | null;
  text: string;
  closedByServer: boolean;
  ms: number;
}

/**
 * Opens a socket, runs `drive` (which writes whatever it likes), and collects what comes back until
 * the server closes the connection or `waitMs` passes (then the client closes it).
 */
function raw(drive: (s: Socket) => void, waitMs: number): Promise<Raw> {
  return new Promise((ok) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(parts).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      ok({ status: m ? Number(m[1]) : null, text, closedByServer, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (b: Buffer) => parts.push(b));
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true)); // EPIPE / ECONNRESET: the server hung up on us
    s.on('connect', () => drive(s));
  });
}

const send = (text: string | Buffer) => (s: Socket) => void s.write(text);

/** Writes `head`, then one byte of `tail` every `everyMs` until the socket closes. */
function trickle(head: string, tail: string, everyMs: number) {
  return (s: Socket) => {
    s.write(head);
    let i = 0;
    const timer = setInterval(() => {
      if (s.destroyed || !s.writable) return clearInterval(timer);
      s.write(tail[i++ % tail.length]!);
    }, everyMs);
    s.on('close', () => clearInterval(timer));
  };
}

describe('medinfer serve under hostile clients', () => {
  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/cli/web/http-limits.js'))) throw new Error('dist/ is missing the serve limits: build first (npx tsc -p .)');
    work = mkdtempSync(join(tmpdir(), 'medinfer-serve-'));
    mkdirSync(join(work, 'models'));
    writeFileSync(join(work, 'models.manifest.json'), JSON.stringify({ manifestVersion: 1, datasets: {}, models: {} }));
    writeFileSync(join(work, 'models', 'model.onnx'), MODEL);
    writeFileSync(join(work, 'models', 'big.onnx'), Buffer.alloc(BIG_MB << 20, 7));
    // Outside the served folder (models/): must never come back, directly or through a symlink.
    writeFileSync(join(work, 'secret.txt'), SECRET);
    mkdirSync(join(work, 'private'));
    writeFileSync(join(work, 'private', 'secret.txt'), SECRET);
    symlinkSync(join(work, 'secret.txt'), join(work, 'models', 'leak.onnx'));
    symlinkSync(join(work, 'private'), join(work, 'models', 'linkdir'));
    symlinkSync('/etc/passwd', join(work, 'models', 'passwd.onnx'));

    server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--manifest', join(work, 'models.manifest.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stderr!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    await bounded(
      new Promise<void>((ok, fail) => {
        server.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            port = Number(m[1]);
            ok();
          }
        });
        server.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
      }),
      20_000,
      'serve start',
    );
    // Warm up: the sample phantoms are generated on first use and then kept; the baseline is after that.
    expect((await bounded(get('/samples/index.json'), 30_000, 'samples')).status).toBe(200);
    await stillServes();
    baselineKb = rssKb() ?? 0;
  }, 60_000);

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  });

  it('malformed request lines and headers get 400 and a closed socket', async () => {
    const cases = [
      'BLAH\r\n\r\n',
      'GET\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: a\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n', // HTTP/1.1 without Host
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 7\r\n\r\nabc',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n',
      'GET /a b c HTTP/1.1\r\nHost: a\r\n\r\n',
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', // a TLS ClientHello on the plain port
    ];
    const answers = await Promise.all(cases.map((c) => raw(send(c), 5_000)));
    answers.forEach((a, i) => {
      expect(a.status, JSON.stringify(cases[i])).toBe(400);
      expect(a.closedByServer, JSON.stringify(cases[i])).toBe(true);
    });
    // Percent-encoding that does not decode is a 400 (it was a 500 carrying the URIError's text).
    for (const path of ['/%E0%A4%A', '/models/%', '/%ff%fe']) {
      const bad = await raw(send(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`), 5_000);
      expect(bad.status, path).toBe(400);
      expect(bad.text).not.toContain('URIError');
    }
    const garbage = await raw(send(randomBytes(64 * 1024)), 5_000);
    expect(garbage.closedByServer).toBe(true);
    await stillServes();
  }, 20_000);

  it('huge headers and very long URLs get 431 before the server reads them all', async () => {
    const big = (n: number) => 'a'.repeat(n);
    const manyHeaders = Array.from({ length: 5_000 }, (_, i) => `X-${i}: v\r\n`).join('');
    const answers = await Promise.all([
      raw(send(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${big(20_000)}\r\n\r\n`), 5_000),
      raw(send(`GET / HTTP/1.1\r\nHost: a\r\n${manyHeaders}\r\n`), 5_000),
      raw(send(`GET /${big(100_000)} HTTP/1.1\r\nHost: a\r\n\r\n`), 5_000),
      // 8 MB of header, never terminated: refused once 16 KiB are in, the rest is not waited for.
      raw((s) => {
        s.write(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: `);
        s.write(big(8 * 1024 * 1024));
      }, 5_000),
    ]);
    answers.forEach((a, i) => {
      // The last case is still writing when the server hangs up: its 431 may be lost to the reset.
      if (i < 3 || a.status !== null) expect(a.status, `case ${i}`).toBe(431);
      expect(a.closedByServer, `case ${i}`).toBe(true);
      expect(a.ms, `case ${i}`).toBeLessThan(3_000);
    });
    // Just under the limit is served normally.
    expect((await bounded(get(`/${big(12_000)}`), 5_000, 'long URL')).status).toBe(404);
    await stillServes();
  }, 20_000);

  it('request bodies are refused without being read: lying Content-Length, endless chunked, other methods', async () => {
    const answers = await Promise.all([
      raw(send('GET /models.manifest.json HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000\r\n\r\nonly ten b'), 5_000),
      raw(send('GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'), 5_000),
      raw(send('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\nabc'), 5_000),
      raw(send('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\nabc'), 5_000),
      raw(send('PUT /models/x.onnx HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc'), 5_000),
      raw(send('DELETE /models/model.onnx HTTP/1.1\r\nHost: a\r\n\r\n'), 5_000),
      raw(send('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'), 5_000),
      // 64 MB pushed as fast as possible: the server answers and hangs up; its memory is checked below.
      raw((s) => {
        s.write('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 67108864\r\n\r\n');
        for (let i = 0; i < 64; i++) s.write(Buffer.alloc(1 << 20));
      }, 10_000),
    ]);
    // The last case is still writing when the server hangs up: its 413 may be lost to the reset
    // (as the 431 of the endless header above).
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 7)).toEqual([413, 413, 405, 405, 405, 405, 405]);
    if (statuses[7] !== null) expect(statuses[7]).toBe(413);
    for (const a of answers) {
      expect(a.closedByServer).toBe(true);
      expect(a.ms).toBeLessThan(5_000);
    }
    await stillServes();
  }, 20_000);

  it('slowloris (headers or body trickled byte by byte, or nothing sent) is cut off by the timeouts while others are served', async () => {
    const slow = [
      ...Array.from({ length: 20 }, () => raw(trickle('GET / HTTP/1.1\r\nHost: a\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 300), 20_000)),
      ...Array.from({ length: 10 }, () => raw(() => undefined, 20_000)), // connects, sends nothing
      raw(trickle('G', 'ET / HTTP/1.1\r\nHost: a\r\n', 500), 20_000),
      raw(trickle('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n', 'x', 200), 20_000),
      raw(trickle('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n', 'x', 200), 20_000),
    ];
    // While they hang on, normal clients are answered promptly.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      await stillServes();
    }
    const answers = await Promise.all(slow);
    for (const a of answers.slice(0, 31)) {
      expect(a.closedByServer).toBe(true);
      expect(a.ms).toBeLessThan(14_000); // headersTimeout 10 s, checked every second
      if (a.status !== null) expect(a.status).toBe(408);
    }
    expect(answers[31]!.status).toBe(413);
    expect(answers[32]!.status).toBe(405);
    expect(answers[31]!.ms).toBeLessThan(3_000);
    expect(answers[32]!.ms).toBeLessThan(3_000);
    await stillServes();
  }, 30_000);

  it('path traversal never returns a file outside the served folders', async () => {
    const paths = [
      '/../../../../etc/passwd',
      '/models/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/models/%2e%2e/secret.txt',
      '/models/..%2fsecret.txt',
      '/models/..%2f..%2f..%2fetc%2fpasswd',
      '/models/%2e%2e%2fsecret.txt',
      '/models/..%5csecret.txt',
      '/models/%252e%252e/secret.txt',
      '/models/%c0%ae%c0%ae/secret.txt',
      '//etc/passwd',
      '/models//etc/passwd',
      '/models/%2fetc%2fpasswd',
      'http://127.0.0.1/../secret.txt',
      '/models/model.onnx%00.txt',
      '/models/%00',
      '/models/leak.onnx',
      '/models/linkdir/secret.txt',
      '/models/passwd.onnx',
      '/ort/..%2f..%2f..%2fpackage.json',
      '/ort/%2e%2e/%2e%2e/package.json',
      '/samples/..%2f..%2fsecret.txt',
      '/models/%',
      '/%ff%fe',
      '/models/./model.onnx/..',
    ];
    const answers = await Promise.all(paths.map((p) => raw(send(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`), 5_000)));
    answers.forEach((a, i) => {
      expect([400, 403, 404], paths[i]).toContain(a.status);
      expect(a.text, paths[i]).not.toContain(SECRET);
      expect(a.text, paths[i]).not.toMatch(/root:.*:0:0:/);
    });
    // The symlinks out of the folder are 403, not served.
    expect(answers[paths.indexOf('/models/leak.onnx')]!.status).toBe(403);
    expect(answers[paths.indexOf('/models/linkdir/secret.txt')]!.status).toBe(403);
    expect(answers[paths.indexOf('/models/passwd.onnx')]!.status).toBe(403);
    // A page reached through DNS rebinding (foreign Host) is refused.
    expect((await bounded(get('/models.manifest.json', { Host: 'attacker.example:80' }), 5_000, 'host')).status).toBe(403);
    const model = await bounded(get('/models/model.onnx'), 5_000, 'model');
    expect(model.status).toBe(200);
    expect(model.body.equals(MODEL)).toBe(true);
    await stillServes();
  }, 20_000);

  it('a pipelining flood on one socket is answered at most 100 times, then closed', async () => {
    const flood = 'GET /models.manifest.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(2_000);
    const a = await raw(send(flood), 10_000);
    expect(a.closedByServer).toBe(true);
    const answered = a.text.match(/HTTP\/1\.1 200/g)?.length ?? 0;
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThanOrEqual(100);
    expect(a.ms).toBeLessThan(3_000);
    await stillServes();
  }, 20_000);

  it('clients that stop reading a large file, or hang up mid-file, hold one stream buffer each, not the file', async () => {
    const stalled: Socket[] = [];
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((ok) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write('GET /models/big.onnx HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
              s.pause(); // never reads: the kernel buffers fill, then the server's stream must wait
              ok();
            });
            s.on('error', () => undefined);
            stalled.push(s);
          }),
      ),
    );
    // Hang-ups in the middle of a response: the server's read stream is torn down, nothing thrown.
    await Promise.all(
      Array.from({ length: 50 }, () =>
        raw((s) => {
          s.write('GET /models/big.onnx HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          s.once('data', () => s.destroy());
        }, 5_000),
      ),
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const now = rssKb('VmRSS');
    if (now !== null) expect((now - baselineKb) / 1024).toBeLessThan((BIG_MB * 100) / 4); // all 100 copies would be 1.6 GB
    await stillServes();
    for (const s of stalled) s.destroy();
  }, 20_000);

  it('1,000 parallel requests are all answered, with bounded memory', async () => {
    const all = await bounded(
      Promise.all(Array.from({ length: 1_000 }, (_, i) => get(i % 2 ? '/models/model.onnx' : '/samples/index.json'))),
      60_000,
      '1,000 requests',
    );
    expect(all.filter((r) => r.status === 200)).toHaveLength(1_000);
    for (let i = 1; i < 1_000; i += 2) expect(all[i]!.body.byteLength).toBe(MODEL.byteLength);
    await stillServes();
  }, 70_000);

  it('peak memory stays bounded and SIGTERM stops the server', async () => {
    const peak = rssKb();
    if (peak !== null) {
      const growthMb = (peak - baselineKb) / 1024;
      console.log(`serve peak RSS: baseline ${(baselineKb / 1024).toFixed(0)} MB, peak ${(peak / 1024).toFixed(0)} MB (+${growthMb.toFixed(0)} MB)`);
      expect(growthMb).toBeLessThan(300);
    }
    const exited = new Promise<number | null>((ok) => server.once('exit', (code) => ok(code)));
    server.kill('SIGTERM');
    expect(await bounded(exited, 10_000, 'SIGTERM')).toBe(0);
  }, 20_000);
});
