/**
 * The Redis-backed queue for real: a redis-server on 127.0.0.1 (Debian package), several
 * `medinfer worker` processes, `medinfer queue submit`. Covers a broken input, a re-submitted
 * batch, a worker killed with SIGKILL mid-job, and equality with a single-machine `medinfer run`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '../../src/index.js';
import { writePng } from '../../src/node.js';
import { writeTinyManifest } from '../helpers/tiny-manifest.js';
import { batchFlags, readJsonl } from '../fixtures/cli/cli-harness.js';

const BIN = fileURLToPath(new URL('../../bin/medinfer.js', import.meta.url));
const REDIS = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

// A queue name of its own, so runs never see each other's jobs on a shared Redis.
const QUEUE = `test-${process.pid}-${Date.now()}`;

function cli(args: string[]) {
  const withQueue = ['queue', 'worker'].includes(args[0]!) ? [...args, '--queue', QUEUE] : args;
  const r = spawnSync(process.execPath, [BIN, ...withQueue], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function startWorker(redis: string, extra: string[] = []): ChildProcess & { log: string[] } {
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redis, '--queue', QUEUE, '--lock-ms', '2000', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { log: string[] };
  child.log = [];
  child.stderr!.on('data', (d: Buffer) => child.log.push(...d.toString().split('\n').filter(Boolean)));
  return child;
}

const exited = (c: ChildProcess) => new Promise<number | null>((ok) => (c.exitCode !== null ? ok(c.exitCode) : c.once('exit', (code) => ok(code))));

async function writeInputs(dir: string, count: number, size: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let n = 0; n < count; n++) {
    const data = new Uint8Array(size * size);
    for (let p = 0; p < data.length; p++) data[p] = (p * (n + 3) + ((p / size) | 0) * 7) % 251;
    writeFileSync(join(dir, `cxr${n}.png`), await writePng(createVolume({ geometry: { size: [size, size, 1] }, data })));
  }
}

const lines = (file: string) => readJsonl<Record<string, any>>(file);
const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.medinfer-tmp'));

describe.runIf(REDIS !== undefined || process.env.CI)('medinfer queue / worker on a real Redis', () => {
  let redis: ChildProcess;
  let url: string;
  let manifest: string;
  let work: string;

  beforeAll(async () => {
    // .ci/run starts a redis-server on 127.0.0.1 and names it here; otherwise start our own.
    if (process.env.MEDINFER_TEST_REDIS_URL) url = process.env.MEDINFER_TEST_REDIS_URL;
    else {
      const port = await freePort();
      url = `redis://127.0.0.1:${port}`;
      redis = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    }
    const port = new URL(url).port;
    for (let i = 0; i < 50; i++) {
      if (spawnSync('redis-cli', ['-p', port, 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    manifest = writeTinyManifest();
    work = mkdtempSync(join(tmpdir(), 'medinfer-queue-'));
    await writeInputs(join(work, 'small'), 6, 32);
    writeFileSync(join(work, 'small', 'broken.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  });
  afterAll(() => {
    redis?.kill('SIGKILL');
  });

  it('two workers: same outputs as medinfer run; a broken input ends in errors.jsonl; resubmitting does no duplicate work', async () => {
    const workers = [startWorker(url, ['--idle-exit-ms', '4000']), startWorker(url, ['--idle-exit-ms', '4000'])];
    const out = join(work, 'queued');
    const submitted = cli([
      'queue',
      'submit',
      '--redis',
      url,
      ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'small'), output: out }),
      '--wait',
      '--poll-ms',
      '200',
    ]);
    expect(submitted.code).toBe(1);
    expect(JSON.parse(submitted.out.trim().split('\n').pop()!)).toMatchObject({ completed: 6, failed: 1, pending: 0 });
    const errors = lines(join(out, 'errors.jsonl'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ input: expect.stringContaining('broken.png'), code: expect.stringMatching(/^E_(DECODE|INPUT)$/) });
    const single = join(work, 'single');
    expect(cli(['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', join(work, 'small'), '--output', single, '--quiet']).code).toBe(1);
    const byId = (rows: Record<string, any>[]) => Object.fromEntries(rows.map((r) => [r.id, { outputs: r.outputs, summary: r.summary }]));
    expect(byId(lines(join(out, 'results.jsonl')))).toEqual(byId(lines(join(single, 'results.jsonl'))));
    // Resubmit: finished inputs are not enqueued again; only the failed one is retried.
    const again = cli(['queue', 'submit', '--redis', url, ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'small'), output: out }), '--quiet']);
    expect(JSON.parse(again.out)).toMatchObject({ total: 7, enqueued: 1, alreadyDone: 6 });
    await Promise.all(workers.map(exited));
    await exited(startWorker(url, ['--idle-exit-ms', '2000']));
    const status = JSON.parse(cli(['queue', 'status', '--redis', url, '--json', '--output', out]).out);
    expect(status).toMatchObject({ waiting: 0, active: 0, batch: { completed: 6, failed: 1, pending: 0 } });
    expect(lines(join(out, 'results.jsonl'))).toHaveLength(6);
  });

  it('a worker killed with SIGKILL mid-job: its job is retried by another worker, no partial output, every input exactly once', async () => {
    const inputs = join(work, 'large');
    await writeInputs(inputs, 6, 1536);
    const out = join(work, 'killed');
    const victim = startWorker(url);
    const submitted = cli(['queue', 'submit', '--redis', url, '--model', 'tiny-cxr', '--manifest', manifest, '--input', inputs, '--output', out, '--quiet']);
    expect(JSON.parse(submitted.out)).toMatchObject({ enqueued: 6 });
    for (let i = 0; i < 200 && !victim.log.some((l) => l.includes('started')); i++) await new Promise((r) => setTimeout(r, 25));
    victim.kill('SIGKILL');
    await exited(victim);
    // The victim had started a job it never finished: it really died mid-job.
    const startedBy = victim.log.filter((l) => l.includes('started')).length;
    const finishedBy = victim.log.filter((l) => / done /.test(l)).length;
    expect(startedBy).toBeGreaterThan(finishedBy);
    const rescuers = [startWorker(url, ['--idle-exit-ms', '7000']), startWorker(url, ['--idle-exit-ms', '7000'])];
    await Promise.all(rescuers.map(exited));
    const collected = cli(['queue', 'collect', '--redis', url, '--output', out]);
    expect(collected.code).toBe(0);
    expect(JSON.parse(collected.out)).toMatchObject({ completed: 6, failed: 0, pending: 0 });
    const results = lines(join(out, 'results.jsonl'));
    expect(new Set(results.map((r) => r.id)).size).toBe(6);
    expect(results).toHaveLength(6);
    for (const r of results) for (const o of r.outputs as string[]) expect(existsSync(join(out, o))).toBe(true);
    expect(tempFiles(out)).toEqual([]);
  });
});
