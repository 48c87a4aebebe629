/**
 * Bare ONNX Runtime vs bare torch forward of one bench model on the same random tensor, and ORT
 * session options side by side (the measurements behind bench/README.md "Why 3D sizes do not go
 * below 64^3" and "Thread policy"). Not an area of bench/run.mjs (it lives in bench/tools/).
 *   node bench/tools/ort-vs-torch.mjs <model: densenet121|unet3d|unet3d_lite|vxm> <dims, e.g. 1,4,64,64,64> [runs] [variants]
 * variants (comma list, default default,nospin): default, nospin, noarena, nomempat, parallel, extended.
 * Each variant runs in its own process (spinning threads of one session would slow another in
 * the same process); medians of `runs` after one warm-up; torch with 2 threads, OMP_WAIT_POLICY=PASSIVE.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_MODELS, ensureBenchModels } from '../lib/entries.mjs';
import { PYTHON } from '../lib/child.mjs';

const VARIANTS = {
  default: {},
  nospin: { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  noarena: { enableCpuMemArena: false },
  nomempat: { enableMemPattern: false },
  parallel: { executionMode: 'parallel', interOpNumThreads: 1 },
  extended: { graphOptimizationLevel: 'extended' },
};

async function child(model, dims, runs, variant) {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(BENCH_MODELS, `${model}.onnx`), {
    intraOpNumThreads: 2,
    executionProviders: ['cpu'],
    ...VARIANTS[variant],
  });
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 1;
  for (let i = 0; i < n; i++) data[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  // Models with several inputs (VoxelMorph: moving, fixed) get the channels split evenly.
  const names = session.inputNames;
  const per = n / names.length;
  const feed = () =>
    Object.fromEntries(
      names.map((name, i) => [name, new ort.Tensor('float32', data.subarray(i * per, (i + 1) * per), [dims[0], dims[1] / names.length, ...dims.slice(2)])]),
    );
  await session.run(feed());
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await session.run(feed());
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ variant, medianMs: times[times.length >> 1] }));
}

const [model, dimsArg, runsArg, variantsArg, childVariant] = process.argv.slice(2);
const dims = dimsArg.split(',').map(Number);
const runs = Number(runsArg ?? 5);
if (childVariant) await child(model, dims, runs, childVariant);
else {
  await ensureBenchModels();
  const me = fileURLToPath(import.meta.url);
  for (const v of (variantsArg ?? 'default,nospin').split(',')) {
    const r = spawnSync(process.execPath, [me, model, dimsArg, String(runs), '', v], { encoding: 'utf8' });
    console.log(`onnxruntime ${v}: ${r.stdout.trim() || r.stderr.trim().split('\n').pop()}`);
  }
  const py = spawnSync(PYTHON, [fileURLToPath(new URL('../python/forward.py', import.meta.url)), model, dimsArg, String(runs)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' },
  });
  console.log(`torch: ${py.stdout.trim() || py.stderr.trim().split('\n').pop()}`);
}
