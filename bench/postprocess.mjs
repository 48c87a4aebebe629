#!/usr/bin/env node
/**
 * Postprocessing benchmark: medinfer (dist/, one JS thread) vs the Python references on the same
 * data in the same run. Build first: `npx tsc -p .`. Usage: node bench/postprocess.mjs [--quick]
 * Writes bench/results/postprocess.json; ratio = medinfer median / baseline median (< 1 = faster).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGeometry, createVolume } from '../dist/index.js';
import { computeHausdorff95, labelConnectedComponents, selectNms, warpVolume } from '../dist/ops.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const repeats = quick ? 5 : 7;
const dataDir = mkdtempSync(join(tmpdir(), 'medinfer-bench-pp-'));

try {
  const python = JSON.parse(
    execFileSync('/usr/bin/python3', [join(root, 'bench/python/postprocess.py'), dataDir, ...(quick ? ['--quick'] : [])], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    }),
  );
  const load = (name, Ctor) => {
    const bytes = readFileSync(join(dataDir, `${name}.bin`));
    return new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  };
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  /** Median wall and process-CPU ms after warm-up runs (V8 tiers hot loops up over a few calls). */
  const time = (fn, n = repeats) => {
    for (let w = 0; w < 3; w++) fn();
    const runs = [];
    const cpu = [];
    for (let r = 0; r < n; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      fn();
      const u = process.cpuUsage(c);
      runs.push(performance.now() - t);
      cpu.push((u.user + u.system) / 1000);
    }
    return { wall: median(runs), cpu: median(cpu) };
  };
  const figures = [];
  // ratio = wall-clock median / baseline wall-clock median; cpuRatio the same on process CPU
  // time, which the other tenants of a shared machine distort less.
  const add = (name, t, key, check) => {
    const base = python[key];
    figures.push({
      name,
      unit: 'ms',
      median: round(t.wall),
      baseline: base.reference,
      baselineMedian: round(base.median),
      ratio: round(t.wall / base.median, 3),
      cpuMedian: round(t.cpu),
      baselineCpuMedian: round(base.cpuMedian),
      cpuRatio: round(t.cpu / base.cpuMedian, 3),
      ...(check ? { check } : {}),
    });
  };
  const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

  // NMS, 10,000 boxes.
  const boxes = load('nms_boxes', Float32Array);
  const scores = load('nms_scores', Float32Array);
  const kept = selectNms({ boxes, scores }, { iou: 0.5 }).length;
  add(
    'nms 10000 boxes (iou 0.5)',
    time(() => selectNms({ boxes, scores }, { iou: 0.5 }), Math.max(repeats, 9)),
    'nms',
    { kept, baselineKept: python.nms_kept },
  );

  // Connected components, 26-connectivity.
  const ccSize = python.sizes.cc;
  const mask = load('cc_mask', Uint8Array);
  const count = labelConnectedComponents(mask, ccSize, { connectivity: 26 }).count;
  add(
    `connected components ${ccSize.join('x')} (26-conn)`,
    time(() => labelConnectedComponents(mask, ccSize, { connectivity: 26 })),
    'cc',
    { components: count, baselineComponents: python.cc_count },
  );

  if (python.sizes.cc_large) {
    const size = python.sizes.cc_large;
    const big = load('cc_large_mask', Uint8Array);
    const n = labelConnectedComponents(big, size, { connectivity: 26 }).count;
    add(
      `connected components ${size.join('x')} (26-conn)`,
      time(() => labelConnectedComponents(big, size, { connectivity: 26 }), 2),
      'cc_large',
      { components: n, baselineComponents: python.cc_large_count },
    );
  }

  // Trilinear warp.
  const wSize = python.sizes.warp;
  const geometry = createGeometry({ size: wSize });
  const image = createVolume({ geometry, data: load('warp_image', Float32Array) });
  const field = createVolume({ geometry, data: load('warp_field', Float32Array), components: 3 });
  add(
    `trilinear warp ${wSize.join('x')}`,
    time(() => warpVolume(image, field, { padding: 'zeros' })),
    'warp',
  );

  // HD95.
  const hSize = python.sizes.hd;
  const hGeometry = createGeometry({ size: hSize, spacing: python.hd_spacing });
  const a = load('hd_a', Uint8Array);
  const b = load('hd_b', Uint8Array);
  const hd = computeHausdorff95(a, b, hGeometry).distance;
  add(
    `hd95 ${hSize.join('x')}`,
    time(() => computeHausdorff95(a, b, hGeometry), quick ? 2 : 5),
    'hd95',
    { value: hd, baselineValue: python.hd95_value },
  );

  const result = { area: 'postprocess', date: new Date().toISOString(), quick, node: process.version, figures };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/postprocess.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
