#!/usr/bin/env node
/**
 * The converted networks against brainchop's tfjs models on blocks of the real T1.
 *
 *   node scripts/reference/brainchop/network-blocks.mjs --repo <brainchop git dir> --tfjs /tmp/tfjs
 *
 * Per model (its reference entry's normalisation, brainchop's transpose to i,j,k):
 * - the test fixture test/fixtures/brainchop/blocks/<model>.*: a 20^3 / 28^3 block's network input
 *   (float32), the tfjs logits (every voxel of a small 3-class block, about 2000 voxels otherwise) and the
 *   tfjs argmax of every voxel; test/models/brainchop-onnx.test.ts runs the ONNX file on the input
 *   and compares (no tfjs at test time);
 * - a wider check, two 48^3 blocks inside brainchop's crop, written to
 *   test/fixtures/brainchop/network-check.json (max |logit difference|, argmax agreement).
 * Each block is a whole network input: zero padding at its faces and, for mindgrab's `_gn`
 * layers, normalisation over the block, in both runtimes alike.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTfjsModel, loadUpstream, sha256, tfjsNetwork } from './upstream.mjs';
import { REFERENCE_ENTRY } from './reference-entries.mjs';
import { readConformedT1 } from './t1.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    rev: { type: 'string', default: 'HEAD' },
    tfjs: { type: 'string', default: '/tmp/tfjs' },
    models: { type: 'string', default: Object.keys(REFERENCE_ENTRY).join(',') },
    out: { type: 'string', default: join(ROOT, 'test', 'fixtures', 'brainchop') },
    'check-size': { type: 'string', default: '48' },
    'fixture-only': { type: 'boolean', default: false },
  },
});
if (!values.repo) throw new Error('--repo <brainchop git dir> is required');
const up = await loadUpstream({ repo: values.repo, rev: values.rev, tfjsDir: values.tfjs });
const ort = createRequire(join(ROOT, 'package.json'))('onnxruntime-node');
const { tf, utils } = up;
const t1 = readConformedT1(join(ROOT, 'models', 'brainchop', 'sample', 't1_crop.nii.gz'));
const slices = await utils.getAllSlicesDataAsTF3D(256, { dims: t1.dims, datatypeCode: t1.datatypeCode }, t1.img);

/**
 * Fixture block start (i, j, k) and size, chosen on this T1's reference label maps: for label
 * models a 64^3 block around the 20^3 one (6-voxel grid search) with the most labels of the 50-
 * and 18-class maps; for the mask models the block whose brain fraction is
 * nearest 50 % (the brain's anterior edge), so every fixture has more than one class.
 */
const MASK_MODELS = new Set(['model11_gw_ae', 'mindgrab']);
// 64^3 for the label models: on isolated smaller blocks (zero padding all round; the dilated stack
// sees > 60 voxels) the tissue and 18-class networks answer background almost everywhere.
const fixtureOf = (name) => (MASK_MODELS.has(name) ? { start: [106, 166, 40], size: [20, 20, 20] } : { start: [96, 98, 96], size: [64, 64, 64] });
/** Logits are stored for about 2000 voxels per block (every voxel of a small 3-class block). */
const logitStride = (n, c) => (c <= 3 && n <= 8000 ? 1 : Math.ceil(n / 2000) | 1);

function compare(ref, refShape, got) {
  // ref: channels-last [1, D, H, W, C] (tfjs); got: channels-first [1, C, D, H, W] (ONNX).
  const c = refShape[4];
  const n = refShape[1] * refShape[2] * refShape[3];
  let maxDiff = 0;
  let argmaxSame = 0;
  let minMargin = Infinity;
  for (let v = 0; v < n; v++) {
    let bi = 0;
    let bj = 0;
    for (let k = 0; k < c; k++) {
      const d = Math.abs(ref[v * c + k] - got[k * n + v]);
      if (d > maxDiff) maxDiff = d;
      if (ref[v * c + k] > ref[v * c + bi]) bi = k;
      if (got[k * n + v] > got[bj * n + v]) bj = k;
    }
    if (bi === bj) argmaxSame++;
    let second = -Infinity;
    for (let k = 0; k < c; k++) if (k !== bi && ref[v * c + k] > second) second = ref[v * c + k];
    minMargin = Math.min(minMargin, ref[v * c + bi] - second);
  }
  return { voxels: n, classes: c, maxAbsLogitDiff: maxDiff, argmaxAgreement: argmaxSame / n, minTop2Margin: minMargin };
}

async function runBoth(model, session, block, size) {
  const input = tf.tensor(block, [1, ...size, 1]);
  const out = tfjsNetwork(up, model, input);
  const ref = await out.data();
  const shape = out.shape;
  input.dispose();
  out.dispose();
  const res = await session.run({ input: new ort.Tensor('float32', block, [1, 1, ...size]) });
  return { ref, shape, got: res.logits.data };
}

const blocksDir = join(values.out, 'blocks');
mkdirSync(blocksDir, { recursive: true });
const checkPath = join(values.out, 'network-check.json');
let report = {};
try {
  report = JSON.parse(readFileSync(checkPath, 'utf8'));
} catch {
  report = {};
}
for (const name of values.models.split(',')) {
  const entry = up.params.inferenceModelsList[REFERENCE_ENTRY[name] - 1];
  const norm = entry.enableQuantileNorm ? await utils.quantileNormalizeVolumeData(slices) : await utils.minMaxNormalizeVolumeData(slices);
  const ijk = norm.transpose(); // brainchop's enableTranspose: [k][j][i] -> [i][j][k]
  norm.dispose();
  // The test rebuilds the network input from the T1's uint8 voxels as fround((v - lo) / (hi - lo)),
  // brainchop's float32 sub then div; lo/hi follow brainchop (min/max, or its 5 %/95 % quantile
  // indices of the sorted volume) and the rebuilt block is checked bit for bit below.
  const sorted = Float32Array.from(t1.img).sort();
  const N = sorted.length;
  const [lo, hi] = entry.enableQuantileNorm ? [sorted[Math.floor(N * 0.05)], sorted[Math.ceil(N * 0.95) - 1]] : [sorted[0], sorted[N - 1]];
  const cut = async (start, size) => {
    const t = ijk.slice(start, size);
    const data = new Float32Array(await t.data());
    t.dispose();
    return data;
  };
  const { model, sha256: modelJsonSha } = await loadTfjsModel(up, name);
  const onnxPath = join(ROOT, 'models', 'brainchop', `${name}.onnx`);
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });

  const FIXTURE = fixtureOf(name);
  const fx = await cut(FIXTURE.start, FIXTURE.size);
  const [sd, sh, sw] = FIXTURE.size;
  const raw = new Uint8Array(sd * sh * sw);
  for (let a = 0; a < sd; a++)
    for (let b = 0; b < sh; b++)
      for (let w = 0; w < sw; w++) {
        const [i, j, k] = [FIXTURE.start[0] + a, FIXTURE.start[1] + b, FIXTURE.start[2] + w];
        raw[(a * sh + b) * sw + w] = t1.img[(k * 256 + j) * 256 + i];
      }
  raw.forEach((v, x) => {
    if (Math.fround((v - lo) / (hi - lo)) !== fx[x]) throw new Error(`${name}: rebuilt input differs from brainchop's at ${x}: ${v} -> ${fx[x]}`);
  });
  const { ref, shape, got } = await runBoth(model, session, fx, FIXTURE.size);
  const c = shape[4];
  const n = sd * sh * sw;
  const stride = logitStride(n, c);
  const picked = [];
  for (let v = 0; v < n; v += stride) picked.push(v);
  const logits = new Float32Array(picked.length * c); // [voxel][class], voxel = picked[p]
  const argmax = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    let b = 0;
    for (let k = 1; k < c; k++) if (ref[v * c + k] > ref[v * c + b]) b = k;
    argmax[v] = b;
  }
  picked.forEach((v, p) => {
    for (let k = 0; k < c; k++) logits[p * c + k] = ref[v * c + k];
  });
  const buf = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(blocksDir, `${name}.t1.u8.gz`), gzipSync(raw, { level: 9 }));
  writeFileSync(join(blocksDir, `${name}.logits.f32`), buf(logits));
  writeFileSync(join(blocksDir, `${name}.argmax.u8.gz`), gzipSync(argmax, { level: 9 }));
  const classCounts = {};
  for (const v of argmax) classCounts[v] = (classCounts[v] ?? 0) + 1;
  const fixtureCheck = compare(ref, shape, got);
  writeFileSync(
    join(blocksDir, `${name}.json`),
    `${JSON.stringify(
      {
        model: name,
        brainchopEntry: entry.id,
        normalisation: entry.enableQuantileNorm ? 'quantile 5/95 % of the whole conformed volume' : 'min-max of the whole conformed volume',
        blockStartIJK: FIXTURE.start,
        size: FIXTURE.size,
        input: {
          file: `${name}.t1.u8.gz`,
          layout: 'uint8 T1 voxels [D][H][W] = (i, j, k) of the T1, W fastest (brainchop transpose), gzip',
          lo,
          hi,
          formula: "float32 input = fround((v - lo) / (hi - lo)), equal bit for bit to brainchop's normalised tensor",
        },
        tfjsArgmaxClassCounts: classCounts,
        classes: c,
        logitVoxels: { stride, count: picked.length, layout: 'float32 [voxel][class] for voxel indices 0, stride, 2 stride, ... (flat D,H,W index)' },
        argmax: 'uint8 per voxel (flat D,H,W index), tfjs first maximum',
        tfjs: up.tf.version.tfjs,
        upstream: { commit: up.commit, modelJsonSha256: modelJsonSha },
        onnxSha256: sha256(readFileSync(onnxPath)),
        onnxVsTfjsWhenMade: fixtureCheck,
      },
      null,
      2,
    )}\n`,
  );

  if (values['fixture-only'] && report[name]) {
    // Keep the wider checks already recorded; replace the fixture block's line.
    report[name].blocks[0] = fixtureCheck;
    report[name].maxAbsLogitDiff = Math.max(...report[name].blocks.map((x) => x.maxAbsLogitDiff));
    report[name].argmaxAgreement = Math.min(...report[name].blocks.map((x) => x.argmaxAgreement));
    writeFileSync(checkPath, `${JSON.stringify(report, null, 2)}\n`);
    ijk.dispose();
    console.log(`${name}: fixture block maxdiff ${fixtureCheck.maxAbsLogitDiff.toExponential(2)} argmax ${(100 * fixtureCheck.argmaxAgreement).toFixed(3)} %`);
    continue;
  }
  const checks = [fixtureCheck];
  const s = Number(values['check-size']);
  for (const start of CHECK_STARTS) {
    const block = await cut(start, [s, s, s]);
    const r = await runBoth(model, session, block, [s, s, s]);
    checks.push({ startIJK: start, size: [s, s, s], ...compare(r.ref, r.shape, r.got) });
  }
  ijk.dispose();
  report[name] = {
    brainchopEntry: entry.id,
    blocks: checks,
    maxAbsLogitDiff: Math.max(...checks.map((x) => x.maxAbsLogitDiff)),
    argmaxAgreement: Math.min(...checks.map((x) => x.argmaxAgreement)),
    tfjs: up.tf.version.tfjs,
    upstreamCommit: up.commit,
  };
  writeFileSync(checkPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `${name}: ` +
      `${checks.map((x) => `${x.voxels} vox maxdiff ${x.maxAbsLogitDiff.toExponential(2)} argmax ${(100 * x.argmaxAgreement).toFixed(3)} %`).join('; ')}`,
  );
}
