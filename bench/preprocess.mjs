/**
 * Preprocessing speed (not a test), against scipy / numpy / torch on the same synthetic data in
 * the same run:
 *   npx tsc -p . && node bench/preprocess.mjs [--quick]
 * Figures (median wall time, ms; ratio = ours / baseline, < 1 means faster):
 *  - resample: linear, 512x512x300 float32 CT from 0.7x0.7x1.25 mm to 1.5 mm (MONAI shape rule)
 *    vs scipy.ndimage.affine_transform(order=1) (same coordinates as map_coordinates).
 *  - zscore: 4x240x240x155, nonzero mask, channel-wise vs numpy (MONAI NormalizeIntensity's
 *    algorithm on a copy). brats_plan: the same from four modality volumes through
 *    runPreprocessPlan (stack + z-score + tensor) vs np.stack + the same numpy z-score in place.
 *  - xrv_area / xrv_antialias: the TorchXRayVision plan (xrvNormalize, centerSquare crop, resize to
 *    224 with area or antialiased bilinear, toTensor) on a 2048x2048 12-bit radiograph vs numpy
 *    normalize + crop + torch F.interpolate.
 * Both sides single-threaded (torch.set_num_threads(1)); 2 untimed warm-up calls each (JIT);
 * --quick halves every axis. ROUNDS rounds alternate Node and Python (shared machine: both sides
 * see the same load); medians over all runs, minima recorded too.
 * Writes bench/results/preprocess.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVolume } from '../dist/index.js';
import { normalizeZscore, planResample, resampleVolume, runPreprocessPlan } from '../dist/ops.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const ROUNDS = quick ? 2 : 3;
const WARMUP = 2;

/** 12-bit hash of the linear index, identical to bench/python/preprocess.py. */
function hash12(p) {
  return Math.imul(p, 2654435761 | 0) >>> 20;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of RUNS timed calls after WARMUP untimed ones (JIT tiers up; numpy has nothing to warm). */
function time(fn, runsWanted = RUNS) {
  for (let w = 0; w < WARMUP; w++) fn();
  // Each result is dropped at once: nothing accumulates across runs.
  const runs = [];
  for (let r = 0; r < runsWanted; r++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return { medianMs: median(runs), runs };
}

/** All Node-side measurements of one round (data built once, reused across rounds). */
const cases = {};
{
  const [nx, ny, nz] = quick ? [256, 256, 150] : [512, 512, 300];
  const data = new Float32Array(nx * ny * nz);
  for (let p = 0; p < data.length; p++) data[p] = hash12(p) - 1024;
  const ct = createVolume({ geometry: { size: [nx, ny, nz], spacing: [0.7, 0.7, 1.25] }, data });
  const { size } = planResample(ct.geometry.size, ct.geometry.spacing, [1.5, 1.5, 1.5], 'monai');
  cases.resample = {
    fn: () => resampleVolume(ct, { spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'monai' }),
    what: `resampleVolume linear monai ${nx}x${ny}x${nz} -> ${size.join('x')}`,
  };
}
{
  const [c, bx, by, bz] = quick ? [4, 120, 120, 78] : [4, 240, 240, 155];
  const data = new Float32Array(c * bx * by * bz);
  for (let p = 0; p < data.length; p++) {
    const v = hash12(p);
    data[p] = p % bx < Math.floor(bx / 8) || v < 400 ? 0 : v;
  }
  const mri = createVolume({ geometry: { size: [bx, by, bz] }, data, frames: c });
  cases.zscore = {
    fn: () => normalizeZscore(mri, { nonzero: true, channelWise: true }),
    what: `normalizeZscore nonzero channelWise ${c}x${bx}x${by}x${bz} (fresh output buffer)`,
  };
  // The MONAI BraTS plan from four separate modality volumes: stacking allocates the model
  // buffer once, z-score then runs in place in it and the tensor shares it.
  const n = bx * by * bz;
  const names = ['t1c', 't1', 't2', 'flair'];
  const inputs = Object.fromEntries(
    names.map((name, ch) => [name, createVolume({ geometry: { size: [bx, by, bz] }, data: data.subarray(ch * n, (ch + 1) * n) })]),
  );
  const plan = [
    { op: 'stackChannels', order: names },
    { op: 'zscore', nonzero: true, channelWise: true },
    { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' },
  ];
  cases.brats_plan = {
    fn: () => runPreprocessPlan(inputs, plan),
    what: `runPreprocessPlan [stackChannels, zscore nonzero channelWise, toTensor] 4 x ${bx}x${by}x${bz}`,
  };
}
{
  const n = quick ? 1024 : 2048;
  const data = new Uint16Array(n * n);
  for (let p = 0; p < data.length; p++) data[p] = hash12(p);
  const xray = createVolume({ geometry: { size: [n, n, 1] }, data, meta: { bitsStored: 12, modality: 'DX' } });
  for (const [name, resize] of [
    ['xrv_area', { mode: 'area' }],
    ['xrv_antialias', { mode: 'bilinear', antialias: true }],
  ]) {
    const plan = [
      { op: 'xrvNormalize' },
      { op: 'cropPad', mode: 'centerSquare' },
      { op: 'resize', size: [224, 224], ...resize },
      { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
    ];
    cases[name] = {
      runs: RUNS * 4,
      fn: () => runPreprocessPlan(xray, plan),
      what: `runPreprocessPlan TorchXRayVision ${n}^2 -> 224^2 (${resize.mode}${resize.antialias ? ' antialias' : ''})`,
    };
  }
}

// Rounds alternate Node and Python so both sides see the same (shared, noisy) machine load.
const ours = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const base = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, c] of Object.entries(cases)) ours[name].push(...time(c.fn, c.runs ?? RUNS).runs);
  const py = spawnSync('/usr/bin/python3', [fileURLToPath(new URL('./python/preprocess.py', import.meta.url)), ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (py.status !== 0) {
    console.error(py.stderr);
    process.exit(1);
  }
  for (const [name, r] of Object.entries(JSON.parse(py.stdout))) {
    base[name] ??= { what: r.what, runs: [] };
    base[name].runs.push(...r.runs);
  }
  console.error(`round ${round + 1}/${ROUNDS} done`);
}
const figures = Object.keys(cases).map((name) => {
  const m = median(ours[name]);
  const b = median(base[name].runs);
  return {
    name,
    unit: 'ms',
    median: Number(m.toFixed(2)),
    baseline: base[name].what,
    baselineMedian: Number(b.toFixed(2)),
    ratio: Number((m / b).toFixed(3)),
    what: cases[name].what,
    runs: ours[name].length,
    min: Number(Math.min(...ours[name]).toFixed(2)),
    baselineMin: Number(Math.min(...base[name].runs).toFixed(2)),
  };
});
const result = {
  area: 'preprocess',
  date: new Date().toISOString(),
  quick,
  rounds: ROUNDS,
  runsPerRound: RUNS,
  warmup: WARMUP,
  node: process.version,
  figures,
};
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(outDir + 'preprocess.json', JSON.stringify(result, null, 2) + '\n');
for (const f of figures)
  console.log(`${f.name.padEnd(14)} ${String(f.median).padStart(9)} ms  baseline ${String(f.baselineMedian).padStart(9)} ms  ratio ${f.ratio}`);
