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
 * --quick halves every axis, 3 runs.
 * Writes bench/results/preprocess.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createVolume, runPreprocessPlan, resampleVolume, normalizeZscore } from '../dist/index.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
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
function time(fn) {
  for (let w = 0; w < WARMUP; w++) fn();
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return { medianMs: median(runs), runs };
}

const ours = {};

{
  const [nx, ny, nz] = quick ? [256, 256, 150] : [512, 512, 300];
  const data = new Float32Array(nx * ny * nz);
  for (let p = 0; p < data.length; p++) data[p] = hash12(p) - 1024;
  const ct = createVolume({ geometry: { size: [nx, ny, nz], spacing: [0.7, 0.7, 1.25] }, data });
  let size;
  ours.resample = time(() => { size = resampleVolume(ct, { spacing: [1.5, 1.5, 1.5], mode: 'linear', rule: 'monai' }).volume.geometry.size; });
  ours.resample.what = `resampleVolume linear monai ${nx}x${ny}x${nz} -> ${size.join('x')}`;
}
{
  const [c, bx, by, bz] = quick ? [4, 120, 120, 78] : [4, 240, 240, 155];
  const data = new Float32Array(c * bx * by * bz);
  for (let p = 0; p < data.length; p++) {
    const v = hash12(p);
    data[p] = p % bx < Math.floor(bx / 8) || v < 400 ? 0 : v;
  }
  const mri = createVolume({ geometry: { size: [bx, by, bz] }, data, frames: c });
  ours.zscore = time(() => normalizeZscore(mri, { nonzero: true, channelWise: true }));
  ours.zscore.what = `normalizeZscore nonzero channelWise ${c}x${bx}x${by}x${bz} (fresh output buffer)`;
  // The MONAI BraTS plan from four separate modality volumes: stacking allocates the model
  // buffer once, z-score then runs in place in it and the tensor shares it.
  const n = bx * by * bz;
  const names = ['t1c', 't1', 't2', 'flair'];
  const inputs = Object.fromEntries(names.map((name, ch) => [name, createVolume({ geometry: { size: [bx, by, bz] }, data: data.subarray(ch * n, (ch + 1) * n) })]));
  const plan = [{ op: 'stackChannels', order: names }, { op: 'zscore', nonzero: true, channelWise: true }, { op: 'toTensor', layout: 'NCDHW', dtype: 'float32' }];
  ours.brats_plan = time(() => runPreprocessPlan(inputs, plan));
  ours.brats_plan.what = `runPreprocessPlan [stackChannels, zscore nonzero channelWise, toTensor] 4 x ${bx}x${by}x${bz}`;
}
{
  const n = quick ? 1024 : 2048;
  const data = new Uint16Array(n * n);
  for (let p = 0; p < data.length; p++) data[p] = hash12(p);
  const xray = createVolume({ geometry: { size: [n, n, 1] }, data, meta: { bitsStored: 12, modality: 'DX' } });
  for (const [name, resize] of [['xrv_area', { mode: 'area' }], ['xrv_antialias', { mode: 'bilinear', antialias: true }]]) {
    const plan = [
      { op: 'xrvNormalize' },
      { op: 'cropPad', mode: 'centerSquare' },
      { op: 'resize', size: [224, 224], ...resize },
      { op: 'toTensor', layout: 'NCHW', dtype: 'float32' },
    ];
    ours[name] = time(() => runPreprocessPlan(xray, plan));
    ours[name].what = `runPreprocessPlan TorchXRayVision ${n}^2 -> 224^2 (${resize.mode}${resize.antialias ? ' antialias' : ''})`;
  }
}

const py = spawnSync('/usr/bin/python3', [fileURLToPath(new URL('./python/preprocess.py', import.meta.url)), ...(quick ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 });
if (py.status !== 0) {
  console.error(py.stderr);
  process.exit(1);
}
const base = JSON.parse(py.stdout);
const figures = Object.keys(ours).map((name) => ({
  name,
  unit: 'ms',
  median: Number(ours[name].medianMs.toFixed(2)),
  baseline: base[name].what,
  baselineMedian: Number(base[name].medianMs.toFixed(2)),
  ratio: Number((ours[name].medianMs / base[name].medianMs).toFixed(3)),
  what: ours[name].what,
}));
const result = { area: 'preprocess', date: new Date().toISOString(), quick, runs: RUNS, warmup: WARMUP, node: process.version, figures };
const outDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(outDir + 'preprocess.json', JSON.stringify(result, null, 2) + '\n');
for (const f of figures) console.log(`${f.name.padEnd(14)} ${String(f.median).padStart(9)} ms  baseline ${String(f.baselineMedian).padStart(9)} ms  ratio ${f.ratio}`);
