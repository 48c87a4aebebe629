#!/usr/bin/env node
// Queue throughput: `medinfer queue` with 1, 2 and 4 worker processes (concurrency 1 each) against
// `medinfer run --concurrency N` with the same total concurrency, on the same inputs, in one run.
// Figures: wall time per batch (median of runs), ratio queue / run, and queue overhead per job.
//   node bench/queue.mjs [--quick]        (needs redis-server; run `npm run build` first)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { writePng } from '../dist/node.js';
import { generateChestRadiograph, caseSeed } from '../dist/phantoms.js';

const quick = process.argv.includes('--quick');
const BIN = fileURLToPath(new URL('../bin/medinfer.js', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const N = quick ? 24 : 120;
const WORKERS = quick ? [1, 2] : [1, 2, 4];
const RUNS = quick ? 1 : 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tinyManifest(dir) {
  mkdirSync(join(dir, 'models'), { recursive: true });
  const model = join(root, 'test/fixtures/models/tiny-classifier.onnx');
  copyFileSync(model, join(dir, 'models/tiny.onnx'));
  const sha256 = createHash('sha256').update(readFileSync(model)).digest('hex');
  const manifest = {
    manifestVersion: 1,
    datasets: { phantoms: { name: 'phantoms', tasks: ['classification'], modality: 'CR', acquisition: { kind: 'generated' } } },
    models: {
      bench: {
        task: 'classification',
        title: 'bench',
        datasets: ['phantoms'],
        architecture: 'tiny CNN',
        dimensionality: 2,
        files: [{ role: 'model', path: 'models/tiny.onnx', sha256 }],
        weights: { kind: 'bundled' },
        io: { inputs: [{ name: 'image', dtype: 'float32', dims: [-1, 1, 16, 16] }], outputs: [{ name: 'logits', dtype: 'float32', dims: [-1, 3] }] },
        preprocess: [
          { op: 'xrvNormalize', maxval: 65535 },
          { op: 'resize', size: [16, 16], mode: 'area' },
          { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
        ],
        inference: { mode: 'whole' },
        postprocess: [{ op: 'sigmoid' }],
        labels: ['a', 'b', 'c'],
        intendedUse: 'benchmark only',
      },
    },
  };
  writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
  return join(dir, 'm.json');
}

async function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => ok(p));
    });
  });
}

function timed(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`medinfer ${args[0]} failed: ${r.stderr.slice(-500)}`);
  return (performance.now() - t) / 1000;
}

const work = mkdtempSync(join(tmpdir(), 'medinfer-bench-queue-'));
const manifest = tinyManifest(work);
mkdirSync(join(work, 'in'));
for (let i = 0; i < N; i++) writeFileSync(join(work, 'in', `cxr${i}.png`), await writePng(generateChestRadiograph({ seed: caseSeed(77, i), size: 256 }).image));
const port = await freePort();
const redisUrl = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 500));
const figures = [];
try {
  for (const w of WORKERS) {
    const runTimes = [];
    const queueTimes = [];
    for (let r = 0; r < RUNS; r++) {
      runTimes.push(
        timed([
          'run',
          '--model',
          'bench',
          '--manifest',
          manifest,
          '--input',
          join(work, 'in'),
          '--output',
          join(work, `run-${w}-${r}`),
          '--concurrency',
          String(w),
          '--quiet',
        ]),
      );
      const queueName = `bench-${w}-${r}`;
      const workers = Array.from({ length: w }, () =>
        spawn(process.execPath, [BIN, 'worker', '--redis', redisUrl, '--queue', queueName, '--threads', String(Math.max(1, Math.floor(2 / w))), '--quiet'], {
          stdio: 'ignore',
        }),
      );
      await new Promise((ok) => setTimeout(ok, 1500)); // workers load ONNX Runtime before the clock starts
      queueTimes.push(
        timed([
          'queue',
          'submit',
          '--redis',
          redisUrl,
          '--queue',
          queueName,
          '--model',
          'bench',
          '--manifest',
          manifest,
          '--input',
          join(work, 'in'),
          '--output',
          join(work, `queue-${w}-${r}`),
          '--wait',
          '--poll-ms',
          '100',
          '--quiet',
        ]),
      );
      for (const p of workers) p.kill('SIGTERM');
    }
    const run = median(runTimes);
    const queue = median(queueTimes);
    figures.push({
      name: `queue, ${w} worker process(es) vs run --concurrency ${w} (${N} radiographs)`,
      unit: 's',
      median: queue,
      baseline: `medinfer run --concurrency ${w}`,
      baselineMedian: run,
      ratio: queue / run,
    });
    figures.push({
      name: `queue overhead per job, ${w} worker(s)`,
      unit: 'ms',
      median: ((queue - run) / N) * 1000,
      baseline: 'none (difference of the two)',
      baselineMedian: 0,
      ratio: null,
    });
    console.log(
      `${w} worker(s): queue ${queue.toFixed(2)} s, run ${run.toFixed(2)} s, ratio ${(queue / run).toFixed(2)}, overhead ` +
        `${(((queue - run) / N) * 1000).toFixed(1)} ms/job`,
    );
  }
} finally {
  redis.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/queue.json', import.meta.url),
  JSON.stringify(
    {
      area: 'queue',
      date: new Date().toISOString(),
      note: '2-core machine shared with other work; wall times include process start-up of run / submit',
      figures,
    },
    null,
    2,
  ) + '\n',
);
