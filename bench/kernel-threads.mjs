#!/usr/bin/env node
/**
 * Volume kernels on worker threads (issue 26 req. 4): registration's squaring (integrateVelocity,
 * 7 steps), warp (trilinear, zeros) and Jacobian determinant at 1, 2 and all threads, against
 * medinfer at 1 thread (speedup) and against torch at the same thread count, on the same data
 * (bench/python/kernel_threads.py writes it). Sides alternate per size (torch, medinfer); within
 * medinfer the thread counts alternate run by run. Small sizes run with the crossover disabled
 * (configureKernelThreads({ minVoxels: 0 })) to show where threading starts to pay.
 * Critical path = the busiest thread's on-CPU time (Linux schedstat): what the pass would take with
 * a free core per thread, which a loaded machine hides from wall time. Sizes: --quick, or
 * MEDINFER_BENCH_KT_SIZES='[[64,64,64]]', ops: MEDINFER_BENCH_KT_OPS=blend,argmax. Build first: `npx tsc -p .`.
 * --family volume: the segmentation kernels instead (bench/kernel-threads-volume.mjs says which).
 * Usage: node bench/kernel-threads.mjs [--quick] [--family registration|volume]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureKernelThreads, createGeometry, createVolume } from '../dist/node.js';
import { computeJacobianDeterminant, integrateVelocity, warpVolume } from '../dist/ops.js';
import { machineNote, makeFigure, median, round } from './lib/stats.mjs';
import { prepareVolumeOps, volumeSizes } from './lib/kernel-threads-volume.mjs';
import { writeAreaResult } from './lib/write-result.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const familyAt = process.argv.indexOf('--family');
const family = familyAt > 0 ? process.argv[familyAt + 1] : 'registration';
if (!['registration', 'volume'].includes(family)) throw new Error(`--family registration|volume, got ${family}`);
const python = process.env.MEDINFER_BENCH_PYTHON ?? '/usr/bin/python3';
const all = availableParallelism();
const threadCounts = [...new Set([1, 2, all])];
const sizes = process.env.MEDINFER_BENCH_KT_SIZES
  ? JSON.parse(process.env.MEDINFER_BENCH_KT_SIZES)
  : family === 'volume'
    ? volumeSizes(quick)
    : quick
      ? [
          [32, 32, 32],
          [64, 64, 64],
          [96, 112, 128],
        ]
      : [
          [32, 32, 32],
          [48, 48, 48],
          [64, 64, 64],
          [96, 112, 128],
          [160, 192, 224],
        ];
const repeats = quick ? 3 : 5;
const dataDir = mkdtempSync(join(tmpdir(), 'medinfer-bench-kt-'));
const loadBefore = loadavg();

const load = (name) => {
  const b = readFileSync(join(dataDir, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/**
 * On-CPU and run-queue-wait ns of each thread of this process (Linux /proc schedstat), or null.
 * The busiest thread's on-CPU time during a pass is its critical path: the wall time the pass
 * would take with a free core per thread, which the machine's load hides from wall-clock figures.
 */
const SCHED = '/proc/self/task';
const hasSched = existsSync(`${SCHED}/${readdirSync(SCHED)[0]}/schedstat`);
function schedSnapshot() {
  if (!hasSched) return null;
  const m = new Map();
  for (const tid of readdirSync(SCHED)) {
    try {
      const [cpu, wait] = readFileSync(`${SCHED}/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      m.set(tid, [cpu, wait]);
    } catch {
      // thread gone
    }
  }
  return m;
}
function schedDelta(a, b) {
  if (a === null || b === null) return { critical: NaN, wait: NaN };
  let critical = 0;
  let wait = 0;
  for (const [tid, [cpu, w]] of b) {
    const [cpu0, w0] = a.get(tid) ?? [0, 0];
    critical = Math.max(critical, cpu - cpu0);
    wait += w - w0;
  }
  return { critical: critical / 1e6, wait: wait / 1e6 };
}

/** Median wall / process-CPU ms per thread count, thread counts interleaved run by run. */
function timeAlternating(fn) {
  for (const t of threadCounts) fn(t); // warm-up (and worker start-up) outside the timing
  const wall = Object.fromEntries(threadCounts.map((t) => [t, []]));
  const cpu = Object.fromEntries(threadCounts.map((t) => [t, []]));
  const critical = Object.fromEntries(threadCounts.map((t) => [t, []]));
  const wait = Object.fromEntries(threadCounts.map((t) => [t, []]));
  for (let r = 0; r < repeats; r++) {
    for (const t of r % 2 ? [...threadCounts].reverse() : threadCounts) {
      const s0 = schedSnapshot();
      const c = process.cpuUsage();
      const t0 = performance.now();
      fn(t);
      wall[t].push(performance.now() - t0);
      const u = process.cpuUsage(c);
      const d = schedDelta(s0, schedSnapshot());
      cpu[t].push((u.user + u.system) / 1000);
      critical[t].push(d.critical);
      wait[t].push(d.wait);
    }
  }
  return Object.fromEntries(
    threadCounts.map((t) => [
      t,
      { wall: median(wall[t]), cpu: median(cpu[t]), critical: median(critical[t]), wait: median(wait[t]), runs: wall[t].map((x) => round(x)) },
    ]),
  );
}

const figures = [];
const checks = [];
try {
  // Thread counts beyond the crossover only: the crossover itself is what the small sizes measure.
  configureKernelThreads({ minVoxels: 0 });
  for (const size of sizes) {
    const label = size.join('x');
    const torch = JSON.parse(
      execFileSync(python, [join(root, 'bench/python/kernel_threads.py'), dataDir, label, threadCounts.join(','), String(repeats), family], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      }),
    );
    const volumeOps = family === 'volume' ? prepareVolumeOps(size, dataDir, torch.check) : null;
    if (volumeOps) checks.push({ size: label, ...volumeOps.check });
    const geometry = createGeometry({ size });
    const velocity = volumeOps ? null : createVolume({ geometry, data: load('velocity.bin'), components: 3 });
    const image = volumeOps ? null : createVolume({ geometry, data: load('image.bin') });
    // The field as the registration pipeline hands it on: on shared memory (integrateVelocity,
    // upsampleField and convertFieldToMm allocate it there when threads follow), so warp and
    // Jacobian read it in place at every thread count; the moving image is copied when threaded.
    const u = volumeOps ? null : integrateVelocity(velocity, { threads: 2 });
    if (u) {
      const warped = warpVolume(image, u, { threads: 1 });
      let mean = 0;
      for (const x of warped.data) mean += x;
      mean /= warped.data.length;
      const folded = computeJacobianDeterminant(u, { threads: 1 }).foldedVoxels;
      checks.push({ size: label, warpMean: round(mean, 6), torchWarpMean: round(torch.check.warpMean, 6), folded, torchFolded: torch.check.folded });
    }
    const ops = volumeOps?.ops ?? {
      integrate: (t) => integrateVelocity(velocity, { steps: 7, threads: t }),
      warp: (t) => warpVolume(image, u, { threads: t }),
      jacobian: (t) => computeJacobianDeterminant(u, { threads: t }),
    };
    const only = process.env.MEDINFER_BENCH_KT_OPS?.split(',');
    for (const [op, fn] of Object.entries(ops).filter(([name]) => !only || only.includes(name))) {
      const m = timeAlternating(fn);
      for (const t of threadCounts) {
        const extra = {
          cpuMedian: round(m[t].cpu),
          criticalPathMedian: round(m[t].critical),
          runQueueWaitMedian: round(m[t].wait),
          runs: m[t].runs,
          voxels: size[0] * size[1] * size[2],
          threads: t,
        };
        if (t > 1)
          figures.push(
            makeFigure(`${op} ${label}, ${t} threads vs 1`, 'ms', m[t].wall, 'medinfer, 1 thread', m[1].wall, {
              ...extra,
              speedup: round(m[1].wall / m[t].wall),
              criticalPathSpeedup: round(m[1].critical / m[t].critical),
              baselineCpuMedian: round(m[1].cpu),
              cpuRatio: round(m[t].cpu / m[1].cpu),
            }),
          );
        const base = torch[op][String(t)];
        figures.push(
          makeFigure(
            `${op} ${label}, ${t} thread${t > 1 ? 's' : ''} vs torch`,
            'ms',
            m[t].wall,
            `torch ${torch.torch}, ${t} thread${t > 1 ? 's' : ''}`,
            base.median,
            {
              ...extra,
              baselineCpuMedian: round(base.cpuMedian),
              baselineCriticalPathMedian: round(base.criticalPathMedian),
              criticalPathRatio: round(m[t].critical / base.criticalPathMedian),
              baselineRuns: base.runs.map((x) => round(x)),
            },
          ),
        );
      }
      process.stderr.write(`${op} ${label}: ${threadCounts.map((t) => describeThreads(m[t], torch[op][String(t)], t)).join(', ')}\n`);
    }
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const path = writeAreaResult(family === 'volume' ? 'kernel-threads-volume' : 'kernel-threads', {
  area: family === 'volume' ? 'kernel-threads-volume' : 'kernel-threads',
  date: new Date().toISOString(),
  machine: { ...machineNote(), cores: all, loadAverageBefore: loadBefore.map((x) => round(x, 2)) },
  threadCounts,
  checks,
  figures,
});
process.stderr.write(`wrote ${path}\n`);

/** One thread count's figures for the progress line: medinfer's wall and critical path beside torch's. */
function describeThreads(ours, theirs, threads) {
  const torchPart = `torch ${round(theirs.median)} ms, critical path ${round(theirs.criticalPathMedian)} ms`;
  return `${threads}t ${round(ours.wall)} ms, critical path ${round(ours.critical)} ms (${torchPart})`;
}
