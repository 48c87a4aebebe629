/**
 * Loads brainchop's own code and models, at a recorded commit, for the reference scripts.
 *
 * Development-time only (not run in CI, not shipped code paths). Setup:
 *   mkdir -p /tmp/tfjs && cd /tmp/tfjs && npm init -y && npm i @tensorflow/tfjs@4.22.0
 * (pure-JS CPU backend; @tensorflow/tfjs-node needs a native download). Then pass
 * --tfjs /tmp/tfjs --repo <git dir of a neuroneural/brainchop clone>.
 *
 * brainchop's JavaScript (tensor-utils.js, inference-logic.js, bwlabels.js,
 * brainchop-parameters.js) is written by `git show` from the commit into <tfjs>/brainchop-<commit>/
 * and imported from there - nothing of it is copied into this repository - so its imports of
 * '@tensorflow/tfjs' resolve to the same tfjs instance the scripts use.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SOURCES = ['tensor-utils.js', 'inference-logic.js', 'bwlabels.js', 'brainchop-parameters.js', 'brainchop-mainthread.js'];

export function gitShow(repo, commit, path) {
  return execFileSync('git', [`--git-dir=${repo}`, 'show', `${commit}:${path}`], { maxBuffer: 1 << 30 });
}

export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

/** Resolves the commit, extracts brainchop's sources next to tfjs and imports them. */
export async function loadUpstream({ repo, rev = 'HEAD', tfjsDir }) {
  const commit = execFileSync('git', [`--git-dir=${repo}`, 'rev-parse', `${rev}^{commit}`])
    .toString()
    .trim();
  const dir = join(tfjsDir, `brainchop-${commit.slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  const files = {};
  for (const f of SOURCES) {
    const buf = gitShow(repo, commit, f);
    writeFileSync(join(dir, f), buf);
    files[f] = sha256(buf);
  }
  // One module that re-exports tfjs from the same folder, so scripts and brainchop share it.
  writeFileSync(join(dir, 'tf.mjs'), "export * from '@tensorflow/tfjs';\n");
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n'); // brainchop's .js files are ES modules
  if (globalThis.navigator === undefined) globalThis.navigator = { userAgent: 'node' }; // inference-logic.js reads it
  const imp = (f) => import(pathToFileURL(join(dir, f)).href);
  const tf = await imp('tf.mjs');
  await tf.setBackend('cpu');
  const utils = await imp('tensor-utils.js');
  const logic = await imp('inference-logic.js');
  const params = await imp('brainchop-parameters.js');
  return { tf, utils, logic, params, commit, files, read: (p) => gitShow(repo, commit, p) };
}

/** tfjs LayersModel of public/models/<folder>/model.json, read from git (no fetch / file:// IO). */
export async function loadTfjsModel(up, folder) {
  const modelJsonBuf = up.read(`public/models/${folder}/model.json`);
  const modelJson = JSON.parse(modelJsonBuf.toString());
  const weightSpecs = [];
  const parts = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) parts.push(up.read(`public/models/${folder}/${p}`));
  }
  const all = Buffer.concat(parts);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const model = await up.tf.loadLayersModel(up.tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData }));
  return { model, sha256: sha256(modelJsonBuf) };
}

/**
 * The network part of brainchop's runFullVolumeInference (non-SeqConv strategy): every layer's
 * apply in order, a `_gn` layer followed by brainchop's LayerNormInPlace. Input [1, D, H, W, 1]
 * channels-last; returns the logits [1, D, H, W, C]. (The SeqConv strategy computes the same
 * sums in another order; its argmax keeps the first maximum, as tf.argMax does.)
 */
export function tfjsNetwork(up, model, input) {
  const { tf, utils } = up;
  let x = input;
  for (let i = 1; i < model.layers.length; i++) {
    const next = tf.tidy(() => {
      let y = model.layers[i].apply(x);
      if (model.layers[i].name.endsWith('_gn')) y = utils.LayerNormInPlace(y);
      return y;
    });
    if (x !== input) x.dispose();
    x = next;
  }
  return x;
}
