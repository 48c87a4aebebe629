/**
 * Workers always stop, and every input ends exactly once, across a Redis restart under running
 * workers: with persistence (append-only file: jobs survive, locks of jobs in flight expire and
 * their completion hits "Missing lock") and without (every job is lost; `queue submit --wait`
 * adds back those whose input has no record on disk). A worker gets SIGTERM while Redis is down
 * mid-job and must exit 0 within its drain bound; the others stop on --idle-exit-ms (persistent)
 * or SIGTERM (volatile). Private redis-server instances on free loopback ports, killed by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '../../src/index.js';
import { writePng } from '../../src/node.js';
import { writeTinyManifest } from '../helpers/tiny-manifest.js';
import { batchFlags, readJsonl } from '../fixtures/cli/cli-harness.js';
import { exitedWithin, REDIS_SERVER, TestRedis } from '../helpers/redis-server.js';

const BIN = fileURLToPath(new URL('../../bin/medinfer.js', import.meta.url));
// Enough jobs that most are still queued when Redis goes away right after the first one starts
// (with 10, three workers once finished them all before the outage, leaving nothing to re-add).
const COUNT = 24;

type Proc = ChildProcess & { log: string[] };

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) as Proc;
  child.log = [];
  child.stdout!.on('data', (d: Buffer) => child.log.push(...d.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (d: Buffer) => child.log.push(...d.toString().split('\n').filter(Boolean)));
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(test: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (test()) return true;
  return test();
}

const lines = (file: string) => readJsonl<Record<string, any>>(file);

describe.runIf(REDIS_SERVER !== undefined || process.env.CI)('medinfer worker across a Redis restart', () => {
  let work: string;
  let manifest: string;
  let inputs: string;
  const spawned: ChildProcess[] = [];
  const servers: TestRedis[] = [];

  beforeAll(async () => {
    manifest = writeTinyManifest();
    work = mkdtempSync(join(tmpdir(), 'medinfer-restart-'));
    inputs = join(work, 'in');
    mkdirSync(inputs);
    // Large enough that a job takes a while: some are in flight when Redis goes away.
    const size = 1280;
    for (let n = 0; n < COUNT; n++) {
      const data = new Uint8Array(size * size);
      for (let p = 0; p < data.length; p++) data[p] = (p * (n + 3) + ((p / size) | 0) * 7) % 251;
      writeFileSync(join(inputs, `cxr${n}.png`), await writePng(createVolume({ geometry: { size: [size, size, 1] }, data })));
    }
  });
  afterAll(async () => {
    for (const c of spawned) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const r of servers) await r.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  for (const persistent of (process.env.MEDINFER_RESTART_MODES ?? 'aof,volatile').split(',').map((m) => m === 'aof')) {
    it(`${persistent ? 'with' : 'without'} persistence: every worker exits 0, every input ends exactly once`, async () => {
      const redis = await TestRedis.start(persistent);
      servers.push(redis);
      const queue = `restart-${persistent ? 'aof' : 'volatile'}-${process.pid}`;
      const out = join(work, queue);
      const worker = (extra: string[]) => {
        const c = start(['worker', '--redis', redis.url, '--queue', queue, '--lock-ms', '2000', ...extra]);
        spawned.push(c);
        return c;
      };
      // Persistent: they must stop by themselves (idle exit). Volatile: SIGTERM must end them even
      // with an idle timer armed (it once kept the process alive after 'stopped').
      const stayers = [0, 1].map(() => worker(['--idle-exit-ms', persistent ? '5000' : '600000']));
      const victim = worker(['--drain-ms', '2000']);
      const submitter = start([
        'queue',
        'submit',
        '--redis',
        redis.url,
        '--queue',
        queue,
        ...batchFlags({ model: 'tiny-cxr', manifest, input: inputs, output: out }),
        '--wait',
        '--poll-ms',
        '200',
      ]);
      spawned.push(submitter);
      const all = [...stayers, victim];
      expect(await until(() => all.every((w) => w.log.some((l) => l.includes('listening on'))), 90_000)).toBe(true);
      // Right after the first job started: most jobs are still waiting in Redis when it goes away.
      expect(await until(() => all.some((w) => w.log.some((l) => l.includes(' started '))), 90_000)).toBe(true);

      await redis.down();
      // Mid-outage SIGTERM: the drain cannot report to Redis, so it is bounded (2 s + 3 s force close + margin).
      victim.kill('SIGTERM');
      expect(await exitedWithin(victim, 15_000), victim.log.join('\n')).toBe(0);
      expect(victim.log.some((l) => l.includes('stopped'))).toBe(true);
      await sleep(2500); // longer than --lock-ms: locks of jobs in flight expire
      await redis.up();

      const submitted = await exitedWithin(submitter, 120_000);
      if (process.env.MEDINFER_DEBUG_DIR)
        writeFileSync(join(process.env.MEDINFER_DEBUG_DIR, `${queue}.log`), [...all, submitter].map((p) => p.log.join('\n')).join('\n----\n'));
      expect(submitted, submitter.log.join('\n')).toBe(0);
      const summary = JSON.parse(submitter.log.filter((l) => l.startsWith('{')).pop()!);
      expect(summary).toMatchObject({ completed: COUNT, failed: 0, pending: 0 });
      if (!persistent)
        expect(
          submitter.log.some((l) => /re-added after Redis lost them/.test(l)),
          submitter.log.join('\n'),
        ).toBe(true);

      if (persistent) {
        // Idle exit must fire even after jobs that ended in "Missing lock" (no completed/failed event).
        for (const w of stayers) expect(await exitedWithin(w, 60_000), w.log.join('\n')).toBe(0);
      } else {
        for (const w of stayers) w.kill('SIGTERM');
        for (const w of stayers) expect(await exitedWithin(w, 20_000), w.log.join('\n')).toBe(0);
      }
      for (const w of all)
        expect(
          w.log.some((l) => l.includes('stopped')),
          w.log.join('\n'),
        ).toBe(true);

      const results = lines(join(out, 'results.jsonl'));
      expect(results).toHaveLength(COUNT);
      expect(new Set(results.map((r) => r.id)).size).toBe(COUNT);
      for (const r of results) for (const o of r.outputs as string[]) expect(existsSync(join(out, o))).toBe(true);
      expect(lines(join(out, 'errors.jsonl'))).toEqual([]);
      expect(readdirSync(join(out, '.medinfer-queue', 'results'))).toHaveLength(COUNT);
      expect(existsSync(join(out, '.medinfer-queue', 'errors')) ? readdirSync(join(out, '.medinfer-queue', 'errors')) : []).toEqual([]);
      expect(readdirSync(out).filter((n) => n.endsWith('.medinfer-tmp'))).toEqual([]);
    }, 240_000);
  }
});
