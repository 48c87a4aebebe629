// Shared helpers of the development-time evaluations on real data (scripts/eval/*.mjs). They read
// public material from bare git mirrors made by the search tool's `fetch` (/work/.mirror/...) or
// from paths given on the command line, run the built SDK (dist/, `npx tsc -p tsconfig.json`),
// and write their figures to scripts/eval/results/<model id>.json, which
// scripts/models/merge-entries.mjs folds into the model's manifest metrics while the model file's
// sha256 still matches (a retrained model drops them until the evaluation is rerun).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

export const ROOT = new URL('../../', import.meta.url);
export const MIRRORS = '/work/.mirror';

export function parseArgs(argv) {
  const out = {};
  for (let a = 0; a < argv.length; a++) {
    const key = argv[a];
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`);
    const next = argv[a + 1];
    if (next === undefined || next.startsWith('--')) out[key.slice(2)] = true;
    else {
      out[key.slice(2)] = next;
      a++;
    }
  }
  return out;
}

/** HEAD commit of a bare mirror (or of this checkout when gitDir is omitted). */
export function gitHead(gitDir) {
  const args = gitDir ? ['--git-dir', gitDir, 'rev-parse', 'HEAD'] : ['-C', new URL('.', ROOT).pathname, 'rev-parse', 'HEAD'];
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

/** One file of a bare mirror at HEAD, as bytes. */
export function gitShow(gitDir, path) {
  return execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${path}`], { maxBuffer: 1 << 30 });
}

/** Extracts a folder of a bare mirror at HEAD into dest (tar through git archive). */
export function gitExtract(gitDir, path, dest) {
  mkdirSync(dest, { recursive: true });
  const tar = execFileSync('git', ['--git-dir', gitDir, 'archive', 'HEAD', path], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dest], { input: tar, maxBuffer: 1 << 30 });
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of the model file of a manifest entry (what the results are tied to). */
export function modelFileSha(manifest, id) {
  const entry = manifest.models[id];
  const file = entry.files.find((f) => f.role === 'model');
  return { path: file.path, sha256: file.sha256, actual: sha256(readFileSync(new URL(file.path, ROOT))) };
}

/**
 * Merges `metrics` (name -> { value, measuredOn }) and `notes` into
 * scripts/eval/results/<id>.json under the evaluation's key, tied to the model's sha256.
 */
export function writeResults(id, modelSha256, evaluation, metrics, details) {
  const dir = new URL('scripts/eval/results/', ROOT);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${id}.json`, dir);
  let current = { model: id, modelSha256, evaluations: {} };
  try {
    current = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // first evaluation of this model
  }
  if (current.modelSha256 !== modelSha256) current = { model: id, modelSha256, evaluations: {} };
  current.evaluations[evaluation] = { metrics, details };
  writeFileSync(file, JSON.stringify(current, null, 2) + '\n');
  return file.pathname;
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}
