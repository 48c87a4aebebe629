/**
 * Development check of the converted VoxelMorph 2018 models on the real subject (step 2 of 2;
 * step 1, voxelmorph_subject_check.py, wrote OUT). Needs dist/ (npx tsc -p .) and the models
 * converted into a store (medinfer models convert voxelmorph X.h5 --models-dir STORE).
 *
 *   node scripts/models/voxelmorph_subject_check.mjs OUT STORE [model-id ...]
 *
 * Per model: (1) parity - the store's ONNX run by onnxruntime-node on the same [0, 1] inputs as
 * the torch rebuild, max |difference| of the network output; (2) the SDK registration pipeline
 * (the entry's own preprocessing, integration, upsampling, warp) registering the deformed subject
 * (moving) to the original (fixed), Dice of the warped labels against the original labels over
 * every label of the segmentation, before (deformed labels) and after. Prints one JSON object.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createPipeline, loadManifestWithStore, loadNodeVolume } from '../../dist/node.js';
import { computeDice } from '../../dist/ops.js';

const [out, store, ...only] = process.argv.slice(2);
if (!out || !store) throw new Error('usage: node scripts/models/voxelmorph_subject_check.mjs OUT STORE [model-id ...]');
const check = JSON.parse(readFileSync(join(out, 'check.json'), 'utf8'));
const f32 = (name) => {
  const b = readFileSync(join(out, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const shape = check.shape;
const { manifest } = await loadManifestWithStore({ modelsDir: store });
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function diceOver(pred, ref) {
  const rows = computeDice(pred, ref, { labels: check.labels });
  return { mean: mean(rows.map((r) => r.dice)), min: Math.min(...rows.map((r) => r.dice)) };
}

const fixedSeg = await loadNodeVolume(join(out, 'fixed_seg.nii.gz'));
const movingSeg = await loadNodeVolume(join(out, 'moving_seg.nii.gz'));
const before = diceOver(movingSeg.data, fixedSeg.data);
const results = {
  subject: { shape, labels: check.labels.length, maxDispVoxels: check.maxDisp, meanDispVoxels: check.meanDisp, seed: check.seed },
  diceBefore: before,
  models: {},
};

for (const [stem, ref] of Object.entries(check.references)) {
  const id = `voxelmorph-${stem.replace(/_/g, '-')}`;
  if (only.length && !only.includes(id)) continue;
  const entry = manifest.models[id];
  if (!entry) {
    results.models[id] = { skipped: 'not in the store' };
    continue;
  }
  const file = join(store, entry.files[0].path);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const dims = [1, 1, ...shape];
  const t0 = performance.now();
  const o = await session.run({
    moving: new ort.Tensor('float32', f32('moving_input.f32'), dims),
    fixed: new ort.Tensor('float32', f32('fixed_input.f32'), dims),
  });
  const ortMs = performance.now() - t0;
  const got = o[entry.io.outputs[0].name].data;
  const want = f32(`${stem}.torch.f32`);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let p = 0; p < want.length; p++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[p] - want[p]));
    maxAbs = Math.max(maxAbs, Math.abs(want[p]));
  }
  await session.release();
  const pipeline = await createPipeline('registration', id, { manifest, provider: 'cpu', threads: 2 });
  const t1 = performance.now();
  const r = await pipeline.run({ fixed: join(out, 'fixed.nii.gz'), moving: join(out, 'moving.nii.gz'), movingLabels: join(out, 'moving_seg.nii.gz') });
  const sdkMs = performance.now() - t1;
  await pipeline.dispose();
  // The field in fixed voxels (u_vox = inverse(direction diag(spacing)) u_mm; here the NIfTI's
  // 1 mm grid, LPS direction diag(-1, -1, 1)), [3, i, j, k] C order like the torch output, for
  // voxelmorph_keras_postprocess.py to compare with the Keras integration / upsampling.
  const dir = r.displacement.geometry.direction;
  const sp = r.displacement.geometry.spacing;
  const n = r.displacement.data.length / 3;
  const vox = new Float32Array(3 * n);
  const [si, sj] = [shape[0], shape[1]];
  for (let p = 0; p < n; p++) {
    const i = p % si,
      j = Math.floor(p / si) % sj,
      k = Math.floor(p / (si * sj));
    for (let c = 0; c < 3; c++) {
      // diagonal direction only (checked below): component c is world axis c of voxel axis c
      vox[c * n + (i * sj + j) * shape[2] + k] = r.displacement.data[3 * p + c] / (dir[c * 3 + c] * sp[c]);
    }
  }
  if (dir.some((v, q) => q % 4 !== 0 && v !== 0)) throw new Error('oblique grid: this check expects a diagonal direction');
  writeFileSync(join(out, `${stem}.sdk-disp.f32`), vox);
  results.models[id] = {
    variant: ref.variant,
    output: entry.io.outputs[0].name,
    parity: { maxAbsDiff: maxDiff, maxAbsOutput: maxAbs, elements: want.length },
    diceAfter: diceOver(r.warpedLabels.data, fixedSeg.data),
    foldingPercent: r.foldingPercent,
    ortForwardMs: Math.round(ortMs),
    sdkRegistrationMs: Math.round(sdkMs),
  };
  console.error(id, JSON.stringify(results.models[id]));
}
console.log(JSON.stringify(results, null, 1));
