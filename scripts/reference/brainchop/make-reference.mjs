#!/usr/bin/env node
/**
 * Reference label maps of brainchop's own pipeline on the sample T1 (test fixtures).
 *
 *   mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm init -y && npm i @tensorflow/tfjs@4.22.0
 *   node scripts/reference/brainchop/make-reference.mjs --repo <brainchop git dir> --tfjs /tmp/tfjs \
 *        --mode tfjs|onnx [--models model5_gw_ae,...] [--out test/fixtures/brainchop]
 *
 * --mode tfjs: brainchop's runFullVolumeInference with the upstream tfjs model (tfjs CPU backend:
 *   minutes for the small models, hours for the large ones). --mode onnx: brainchop's pre- and
 *   post-processing functions around the converted network in onnxruntime-node (pipeline.mjs).
 * Writes <model>.labels.nii.gz (uint8, on the T1's grid, same header/affine) and
 * <model>.reference.json (how it was made, crop, label counts, versions, hashes). With
 * --compare-only it writes nothing and prints the agreement of the two modes' label maps.
 * Development-time script: not run in CI (needs tfjs and a brainchop clone).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadTfjsModel, loadUpstream, sha256 } from './upstream.mjs';
import { onnxNetwork, preModelMask, runTfjsFull, runWithNetwork } from './pipeline.mjs';
import { REFERENCE_ENTRY } from './reference-entries.mjs';
import { readConformedT1, writeLabelNifti } from './t1.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const T1 = join(ROOT, 'models', 'brainchop', 'sample', 't1_crop.nii.gz');

const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    rev: { type: 'string', default: 'HEAD' },
    tfjs: { type: 'string', default: '/tmp/tfjs' },
    mode: { type: 'string', default: 'onnx' },
    models: { type: 'string', default: Object.keys(REFERENCE_ENTRY).join(',') },
    out: { type: 'string', default: join(ROOT, 'test', 'fixtures', 'brainchop') },
    'compare-with': { type: 'string' },
  },
});
if (!values.repo) throw new Error('--repo <brainchop git dir> is required');
if (!['tfjs', 'onnx'].includes(values.mode)) throw new Error(`--mode ${values.mode}: tfjs or onnx`);

const up = await loadUpstream({ repo: values.repo, rev: values.rev, tfjsDir: values.tfjs });
const require = createRequire(join(ROOT, 'package.json'));
const ort = require('onnxruntime-node');
const t1 = readConformedT1(T1);
const list = up.params.inferenceModelsList;
const folderOf = (entry) => entry.path.replace(/^\/models\//, '').replace(/\/model\.json$/, '');
mkdirSync(values.out, { recursive: true });

const sessions = {};
async function onnxNet(name) {
  sessions[name] ??= await ort.InferenceSession.create(join(ROOT, 'models', 'brainchop', `${name}.onnx`), { intraOpNumThreads: 2 });
  return onnxNetwork(ort, sessions[name]);
}

for (const name of values.models.split(',')) {
  const id = REFERENCE_ENTRY[name];
  const upstreamEntry = list[id - 1];
  if (!upstreamEntry || upstreamEntry.id !== id || folderOf(upstreamEntry) !== name) throw new Error(`${name}: brainchop entry ${id} is not this model`);
  // A Brain_Extraction entry outputs T1 x mask; the reference keeps the mask itself (same pipeline,
  // only processSegmentationVolume's last switch differs), so the extraction is T1 x reference.
  const entry = upstreamEntry.type === 'Brain_Extraction' ? { ...upstreamEntry, type: 'Brain_Masking' } : upstreamEntry;
  const started = Date.now();
  const slices = await up.utils.getAllSlicesDataAsTF3D(256, { dims: t1.dims, datatypeCode: t1.datatypeCode }, t1.img);
  let preMask = null;
  let preEntry = null;
  if (entry.preModelId) {
    preEntry = list[entry.preModelId - 1];
    // The pre-model network runs in onnxruntime in both modes (tfjs on the whole 256^3 volume is
    // too slow here); it is checked against tfjs on blocks like the others.
    preMask = await preModelMask(up, preEntry, entry, await onnxNet(folderOf(preEntry)), slices);
  }
  let result;
  let tfjsSha = null;
  if (values.mode === 'tfjs') {
    const { model, sha256: s } = await loadTfjsModel(up, name);
    tfjsSha = s;
    result = await runTfjsFull(up, entry, model, slices, preMask, t1.img);
  } else {
    result = await runWithNetwork(up, entry, await onnxNet(name), slices, preMask, t1.img);
  }
  slices.dispose();
  preMask?.dispose();
  const labels = Uint8Array.from(result.img);
  const counts = {};
  for (const v of labels) counts[v] = (counts[v] ?? 0) + 1;
  const seconds = (Date.now() - started) / 1000;
  const file = join(values.out, `${name}.labels.nii.gz`);
  const method =
    values.mode === 'tfjs'
      ? preEntry
        ? 'tfjs-full (main network in tfjs via brainchop runFullVolumeInference; pre-model network in onnxruntime)'
        : 'tfjs-full (brainchop runFullVolumeInference with the upstream tfjs model)'
      : 'onnx-network (brainchop pre/post-processing functions in tfjs around the converted ONNX network in onnxruntime-node; network checked against ' +
        'tfjs on blocks)';
  writeLabelNifti(file, t1, labels, `brainchop ${name} entry ${id} reference`);
  const info = {
    model: name,
    brainchopEntry: {
      id,
      type: upstreamEntry.type,
      modelName: upstreamEntry.modelName,
      preModelId: upstreamEntry.preModelId ?? null,
      cropPadding: upstreamEntry.cropPadding,
      autoThreshold: upstreamEntry.autoThreshold,
      enableQuantileNorm: upstreamEntry.enableQuantileNorm,
      enableTranspose: upstreamEntry.enableTranspose,
      enableSeqConv: upstreamEntry.enableSeqConv,
    },
    output:
      upstreamEntry.type === 'Brain_Extraction'
        ? 'brain mask (brainchop outputs T1 x this mask for this Brain_Extraction entry)'
        : upstreamEntry.type === 'Brain_Masking'
          ? 'brain mask 0/1'
          : 'label map',
    method,
    crop: result.crop ? { note: 'start/size on the [k][j][i] volume brainchop stacks', start: result.crop.start, size: result.crop.size } : undefined,
    labelCounts: counts,
    labelsSha256: sha256(labels),
    upstream: { repo: 'neuroneural/brainchop', commit: up.commit, sources: up.files, tfjsModelJsonSha256: tfjsSha },
    preModel: preEntry
      ? {
          id: preEntry.id,
          model: folderOf(preEntry),
          network: 'onnxruntime',
          onnxSha256: sha256(readFileSync(join(ROOT, 'models', 'brainchop', `${folderOf(preEntry)}.onnx`))),
        }
      : null,
    onnxSha256: values.mode === 'onnx' ? sha256(readFileSync(join(ROOT, 'models', 'brainchop', `${name}.onnx`))) : null,
    input: { file: 'models/brainchop/sample/t1_crop.nii.gz', sha256: sha256(readFileSync(T1)), conform: 'no-op (already 256^3 uint8 LIA)' },
    tfjs: up.tf.version.tfjs,
    onnxruntime: ort.env.versions?.common ?? null,
    seconds,
  };
  writeFileSync(join(values.out, `${name}.reference.json`), `${JSON.stringify(info, null, 2)}\n`);
  console.log(`${name}: entry ${id}, ${values.mode}, ${seconds.toFixed(0)} s, labels ${JSON.stringify(counts)}`);
  if (values['compare-with'] && existsSync(join(values['compare-with'], `${name}.labels.nii.gz`))) {
    const other = readConformedT1(join(values['compare-with'], `${name}.labels.nii.gz`)).img;
    let same = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === other[i]) same++;
    console.log(`  vs ${values['compare-with']}: ${((100 * same) / labels.length).toFixed(4)} % voxels equal, ${labels.length - same} differ`);
  }
}
