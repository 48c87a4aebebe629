/**
 * Area "pipelines" (issue 11): each task end to end through the SDK against
 *   (a) bare onnxruntime-node session.run() on a prepared tensor, same model, same call pattern
 *       -> the SDK's overhead ratio (file reading, preprocessing, blending, postprocessing, provenance);
 *   (b) the Python stack (Debian /usr/bin/python3, torch 1.13 + numpy + scipy + nibabel) doing the
 *       same work the way MONAI / nnU-Net / TorchXRayVision / VoxelMorph do (bench/python/pipelines.py)
 *       on the same files with the same weights -> SDK / Python ratio (goal: < 1).
 * Models: the bundled ones the manifest lists now (weights.kind 'bundled', file present) and the
 * benchmark-size random-weight architectures in .cache/bench-models/ (exported on first use).
 * Every case (side x task x model) runs in its own child process: warm-up, then `runs` timed runs
 * (median), and peak RSS (maxRSS) of that process alone.
 *   npm run build && node bench/pipelines.mjs [--quick]       (MEDINFER_BENCH_TASKS=a,b to subset)
 * Writes pipelines.json to $MEDINFER_BENCH_RESULTS_DIR or bench/results/.
 */
import { checkPython, pythonTurnsSpec, runPythonCase } from './lib/child.mjs';
import { compareSdkWithOrt } from './lib/compare.mjs';
import { benchEntries, bundledEntries, ensureBenchModels, loadManifest } from './lib/entries.mjs';
import { benchTempDir, writeMultiModal, writeRadiographs, writeRegistrationPair, writeReports, writePhantomNifti } from './lib/inputs.mjs';
import { machineNote, makeFigure, median } from './lib/stats.mjs';
import { writeAreaResult } from './lib/write-result.mjs';

const quick = process.argv.includes('--quick');
const only = (process.env.MEDINFER_BENCH_TASKS ?? '').split(',').filter(Boolean);
const wanted = (task) => !only.length || only.includes(task);
// Sizes the 2-core machine can afford (the full 32-feature 3D U-Net needs ~4-8 s per 64^3 window here).
// 3D sizes are kept at 64^3 windows / volumes even in quick mode: on 32^3 windows (and VoxelMorph
// at 48^3) ONNX Runtime's Conv3d (MLAS im2col + GEMM) is 1.4-1.7x slower than torch's oneDNN
// kernels, while from 64^3 on it is faster (measured bare ORT vs bare torch forward, same tensor,
// 2 threads: U-Net 32^3 0.70 vs 0.50 s, 48^3 1.11 vs 1.09 s, 64^3 3.9 vs 5.1 s; VoxelMorph 48^3
// 0.85 vs 0.46 s, 96^3 4.3 vs 5.3 s). A quick run on toy sizes would report the runtime's
// small-tensor overhead, not what a user of either stack sees on real volumes.
const SIZES = quick
  ? { runs: 3, runs3d: 2, segVolume: [64, 64, 64], segRoi: [64, 64, 64], regVolume: [64, 64, 64], reports: 32 }
  : { runs: 5, runs3d: 3, segVolume: [96, 96, 64], segRoi: [64, 64, 64], regVolume: [160, 192, 224], reports: 256 };
// Quick: the segmentation stand-in is the 8-feature U-Net (unet3d_lite, the scaling area's model,
// 16x fewer multiply-adds) so that 64^3 fits the quick budget; full runs use the 32-feature one.
const SEG_MODEL = quick ? 'segmentationLite' : 'segmentation';
// Quick: each side in its own process back to back (time and peak RSS from the same runs);
// full: SDK and bare ORT alternated in one process, plus one process per side for peak RSS.
const MODE = quick ? 'separate' : 'alternate';
const MODE_NOTE = quick
  ? 'SDK and bare ORT each in its own process, back to back (time and peak RSS of the same runs)'
  : 'runs alternated in one process (Python taking its turn from its own process); peak RSS from one run per side in its own process';
const HEAVY = (task, kind) => (task === 'segmentation' || task === 'registration') && kind !== 'bundled';
const runsFor = (task, kind) => (HEAVY(task, kind) ? SIZES.runs3d : SIZES.runs);
// One warm-up run on every side (JIT compilation of the SDK's JS, ORT's first-run allocations,
// torch's first-call costs): without it the median of 3 still held a half-compiled second run.
const warmupFor = () => 1;

const manifest = await loadManifest();
const dir = benchTempDir();
const skipped = [];
const figures = [];
// Export the bench models only when a task that uses them is wanted (the export takes a minute).
const needsBenchModels = ['classification', 'segmentation', 'registration'].some(wanted);
const models = needsBenchModels ? await ensureBenchModels() : { ok: false, reason: 'not needed for the tasks asked for' };
// Figures that cannot be measured fail the area (exit 1, named), never a silent skip (issue 26):
// `bash bench/setup.sh` installs and exports everything they need.
const failed = [];
if (!models.ok && needsBenchModels) failed.push({ figure: 'benchmark-size models (classification, segmentation, registration)', error: models.reason });
const python = await checkPython();
// MEDINFER_BENCH_SKIP_PYTHON=1: an explicit opt-out (the CI smoke test), recorded as skipped.
if (!python.ok && process.env.MEDINFER_BENCH_SKIP_PYTHON === '1') skipped.push(`Python comparison: ${python.reason}`);
else if (!python.ok) failed.push({ figure: 'SDK vs Python stack (every task)', error: python.reason });
if (python.installed) console.error(`  Python stack ${python.installed}`);

/** Inputs for a task (files written once, shared by the SDK, ORT and Python cases). */
async function inputFor(task, entry) {
  if (task === 'classification') return { images: await writeRadiographs(dir, 1) };
  if (task === 'segmentation') {
    const names = entry.inputs?.map((i) => i.name) ?? ['image'];
    const size = entry.id.startsWith('bench-unet3d') ? SIZES.segVolume : [64, 64, 64];
    return { volumes: writeMultiModal(dir, size, names) };
  }
  if (task === 'registration')
    return writeRegistrationPair(
      dir,
      entry.id === 'bench-vxm' ? SIZES.regVolume : entry.io.inputs[0].dims.slice(2).every((d) => d > 0) ? entry.io.inputs[0].dims.slice(2) : [64, 64, 64],
    );
  if (task === 'report-text') return { reports: writeReports(dir, SIZES.reports) };
  // 2D or 3D by the model's input rank ([N, C, H, W] vs [N, C, D, H, W]), not a field that may be absent.
  if (task === 'detection')
    return entry.io.inputs[0].dims.length === 4 ? { image: (await writeRadiographs(dir, 1))[0] } : { image: writePhantomNifti(dir, 'ct', [96, 96, 64], {}) };
  throw new Error(task);
}

const describe = (task, input) =>
  task === 'classification'
    ? `${input.images.length} PNG 1024x1024 8-bit`
    : task === 'segmentation'
      ? `${Object.keys(input.volumes).length} x NIfTI ${Object.values(input.volumes)[0].match(/(\d+x\d+x\d+)\.nii$/)[1]} int16`
      : task === 'registration'
        ? `fixed + moving NIfTI ${input.fixed.match(/(\d+x\d+x\d+)\.nii$/)[1]}`
        : task === 'report-text'
          ? `${SIZES.reports} phantom reports (batch)`
          : input.image.endsWith('.png')
            ? '1 PNG 1024x1024 8-bit'
            : 'CT phantom NIfTI 96x96x64';

/** Model input sizes and call pattern of a case, for the report (issue 26: every figure says them). */
function sizesOf(task, entry, input) {
  const inf = entry.inference ?? {};
  const win = inf.mode === 'slidingWindow' ? `sliding windows ${inf.roi.join('x')}, overlap ${inf.overlap}` : 'whole input';
  if (task === 'classification' || task === 'detection')
    return `model input ${entry.io.inputs[0].dims.slice(1).join('x')}; ${win}; batch ${Math.min(inf.batch ?? 1, input.images?.length ?? 1)}`;
  if (task === 'report-text') return `${SIZES.reports} reports, batch ${inf.batch ?? 'default 256'}`;
  return win;
}

const PY_VERSIONS = python.ok ? `torch ${python.versions.torch}, numpy ${python.versions.numpy}, scipy ${python.versions.scipy}` : '(unavailable)';
const PY_BASELINE = `Python ${PY_VERSIONS}, 2 threads`;
const PY_TASKS = new Set(['classification', 'segmentation', 'registration', 'report-text']);

async function benchCase(task, entry, kind) {
  const input = await inputFor(task, entry);
  const spec = { task, entry, input, runs: runsFor(task, kind), warmup: warmupFor(task, kind), threads: 2 };
  const label = `${task} [${entry.id}, ${kind}; ${describe(task, input)}]`;
  console.error(`  ${label}`);
  const withPython = PY_TASKS.has(task) && python.ok && (kind !== 'bundled' || task === 'report-text');
  // Full runs: Python takes its turn in the same rotation as the SDK and bare ORT (run by run).
  const turns = MODE === 'alternate' && withPython;
  const c = await compareSdkWithOrt(spec, { mode: MODE, ...(turns ? { python: pythonTurnsSpec(spec) } : {}) });
  const about = {
    model: `${entry.id} (${entry.architecture ?? task}; ${kind})`,
    input: describe(task, input),
    sizes: sizesOf(task, entry, input),
    runs: spec.runs,
  };
  figures.push(
    makeFigure(
      `${label}: SDK end to end vs bare session.run`,
      'ms',
      c.sdkMs,
      `bare onnxruntime-node session.run on a prepared tensor (${c.calls} call${c.calls === 1 ? '' : 's'}, same shapes)`,
      c.ortMs,
      {
        ...about,
        maxRssMB: c.sdkRssMB,
        baselineMaxRssMB: c.ortRssMB,
        sdkTimesMs: c.sdkTimesMs,
        baselineTimesMs: c.ortTimesMs,
        note: [`ratio = SDK time over the model arithmetic alone (${MODE_NOTE})`, ...c.errors].join('; '),
      },
    ),
  );
  if (!withPython) {
    if (python.ok) skipped.push(`${label}: no Python implementation for this model (Python weights exist for the bench models and the report CNN)`);
    return;
  }
  // Turn by turn when it worked; else (quick runs, or the turns failed) Python in its own process after the SDK.
  const inTurns = turns && c.python?.timesMs?.length ? c.python : undefined;
  const py = inTurns ? { ok: true, result: inTurns } : await runPythonCase(spec);
  const how = inTurns
    ? 'Python in its own process, its runs alternated with the SDK and bare ORT runs'
    : `Python in its own process after the SDK runs${turns ? ` (turn-by-turn timing failed: ${c.python?.error ?? 'no result'})` : ''}`;
  figures.push(
    makeFigure(`${label}: SDK vs Python stack`, 'ms', c.sdkMs, PY_BASELINE, py.ok ? median(py.result.timesMs) : NaN, {
      ...about,
      maxRssMB: c.sdkRssMB,
      baselineMaxRssMB: py.ok ? Number(py.result.maxRssMB.toFixed(0)) : undefined,
      baselineTimesMs: py.result?.timesMs,
      note: [`ratio = SDK / Python (< 1: SDK faster); ${how}`, ...(py.ok ? [] : [`Python failed: ${py.error}`])].join('; '),
    }),
  );
}

const bundled = bundledEntries(manifest);
const benchAll = models.ok ? benchEntries(manifest, { roi: SIZES.segRoi }) : {};
const bench = models.ok ? { ...benchAll, segmentation: benchAll[SEG_MODEL] } : {};
for (const task of ['classification', 'detection', 'segmentation', 'registration', 'report-text']) {
  if (!wanted(task)) continue;
  const list = bundled[task] ?? [];
  if (!list.length) skipped.push(`${task}: no bundled model in models.manifest.json yet (weights.kind 'bundled' with its file present)`);
  for (const entry of list) await benchCase(task, entry, 'bundled');
  if (bench[task]) await benchCase(task, bench[task], 'benchmark-size, random weights');
  else if (task === 'detection') skipped.push('detection: no benchmark-size detection model defined (bundled only)');
}

const result = {
  area: 'pipelines',
  date: new Date().toISOString(),
  quick,
  ...machineNote(),
  description:
    `End to end SDK pipelines vs bare ONNX Runtime and vs the Python stack, same files, same weights; ${MODE_NOTE}; Python in its own process ` +
    `(${quick ? 'after them' : 'its runs alternated with theirs'}) (median of ${SIZES.runs} runs after a warm-up; benchmark-size 3D models: ` +
    `${SIZES.runs3d} runs after a warm-up${quick ? '; quick: 8-feature U-Net for segmentation' : ''}). Threads: 2 for ONNX Runtime and torch (torch ` +
    `with OMP_WAIT_POLICY=PASSIVE; ONNX Runtime with its defaults, as the SDK).`,
  sizes: SIZES,
  ...(python.installed ? { python: python.installed } : {}),
  figures,
  skipped,
  failed,
};
const path = writeAreaResult('pipelines', result);
for (const f of figures) console.log(`${f.name}: ${f.median} ms vs ${f.baselineMedian} ms -> ratio ${f.ratio}`);
for (const s of skipped) console.log(`skipped: ${s}`);
console.log(`wrote ${path}`);
if (failed.length) {
  console.error(
    `pipelines: ${failed.length} figure group(s) could not be measured (run bash bench/setup.sh): ${failed.map((f) => `${f.figure}: ${f.error}`).join('; ')}`,
  );
  process.exit(1);
}
