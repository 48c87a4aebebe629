#!/usr/bin/env node
// Writes phantom datasets to disk for training and evaluation of the bundled models.
//
//   node scripts/phantoms/generate.mjs --task cxr|brats|reports|chest-ct|lung-pair --count N --seed S --out DIR
//
// A thin command over the SDK's createPhantomSet (src/phantoms/phantom-sets.ts, where the layouts
// are described), bundled on the fly with esbuild (a dev dependency) into .cache/, so this script
// needs no prior `npm run build` and always uses the current sources. Case i of (task, seed) is
// identical to generateX({ seed: caseSeed(seed, i) }) in the SDK, which is what the end-to-end
// tests regenerate. 16-bit PNGs are encoded by fast-png (sharp's raw input is 8-bit only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TASKS = ['cxr', 'brats', 'reports', 'chest-ct', 'lung-pair'];

function parseArgs(argv) {
  const args = { task: '', count: 10, seed: 0, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    const value = argv[i + 1];
    if (key === '--task') args.task = value;
    else if (key === '--count') args.count = Number(value);
    else if (key === '--seed') args.seed = Number(value);
    else if (key === '--out') args.out = value;
    else if (key === '--help' || key === '-h') return { ...args, help: true };
    else throw new Error(`unknown argument ${key}`);
    i++;
  }
  if (!TASKS.includes(args.task)) throw new Error(`--task must be one of ${TASKS.join(', ')}, got '${args.task}'`);
  if (!args.out) throw new Error('--out DIR is required');
  return args;
}

/** createPhantomSet and a 16-bit PNG encoder, bundled from the current sources. */
async function loadSdk() {
  const { build } = await import('esbuild');
  const outfile = join(root, '.cache', 'phantom-sets-bundle.mjs');
  const contents = "export { createPhantomSet } from './src/phantoms/phantom-sets.ts'; export { encode as encodePng } from 'fast-png';";
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  return import(pathToFileURL(outfile).href + `?t=${Date.now()}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(`usage: generate.mjs --task ${TASKS.join('|')} --count N --seed S --out DIR`);
    return;
  }
  const out = resolve(args.out);
  const sdk = await loadSdk();
  const started = Date.now();
  const encodePng16 = (v) => sdk.encodePng({ width: v.geometry.size[0], height: v.geometry.size[1], data: v.data, depth: 16, channels: 1 });
  const { files, dataset } = await sdk.createPhantomSet(args.task, { count: args.count, seed: args.seed, encodePng16, gzip: (b) => gzipSync(b, { level: 6 }) });
  for (const f of files) {
    const path = join(out, ...f.path.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.bytes);
  }
  console.log(`${dataset.generator}: ${args.count} cases (seed ${args.seed}) -> ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
