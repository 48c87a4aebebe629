#!/usr/bin/env node
/**
 * The SDK's own work in a classification (issue 26, requirement 2), piece by piece and without
 * the network: readImageFile of the three overhead-area inputs (8-bit PNG 1024^2 and 2048^2,
 * 16-bit DX DICOM 2048^2) and the xrv-densenet121-res224-all preprocessing plan on the volume read,
 * next to the decode-only references of bench/pipeline-overhead.mjs (sharp; dicom-parser + one
 * copy). With `--base DIR` (the dist/ folder of another build, e.g. an older commit built
 * elsewhere) the same pieces of that build alternate with this one's, round by round, in this
 * process, so load changes hit both sides alike. Medians and ranges of wall and CPU time
 * (process.cpuUsage: every thread of the process), load average before and after.
 *   npm run build && node bench/classification-own-work.mjs [--base /path/to/other/dist] [--rounds 40]
 * With --base, also whether both builds give bit-identical tensors (tensorsBitIdentical per input).
 * Prints a JSON object (each figure 'median (min-max)' in ms); figures for BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { benchEntries, loadManifest } from './lib/entries.mjs';
import { benchTempDir } from './lib/inputs.mjs';
import { writeDicomRadiograph, writeRadiographs } from './lib/overhead-inputs.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const rounds = Number(arg('--rounds', 40));
const baseDir = arg('--base');
const builds = { new: new URL('../dist/', import.meta.url) };
if (baseDir) builds.base = pathToFileURL(`${resolve(baseDir)}/`);
const sides = {};
for (const [name, url] of Object.entries(builds)) {
  const node = await import(new URL('node.js', url).href);
  const ops = await import(new URL('ops.js', url).href);
  sides[name] = { read: node.readImageFile, plan: ops.runPreprocessPlan };
}
const plan = benchEntries(await loadManifest()).classification.preprocess;
const dir = benchTempDir('medinfer-bench-overhead');
const inputs = {
  'png-1024': { path: (await writeRadiographs(dir, 1, 1024))[0], ref: (p) => sharp(p).raw().toBuffer() },
  'png-2048': { path: (await writeRadiographs(dir, 1, 2048))[0], ref: (p) => sharp(p).raw().toBuffer() },
  'dicom-2048': {
    path: writeDicomRadiograph(dir, 2048),
    ref: async (p) => {
      const bytes = readFileSync(p);
      const el = dicomParser.parseDicom(bytes).elements.x7fe00010;
      return new Uint16Array(bytes.buffer.slice(bytes.byteOffset + el.dataOffset, bytes.byteOffset + el.dataOffset + el.length));
    },
  },
};

async function timed(f) {
  const c = process.cpuUsage();
  const t = performance.now();
  const out = await f();
  const wall = performance.now() - t;
  const d = process.cpuUsage(c);
  return { out, wall, cpu: (d.user + d.system) / 1000 };
}
/** 'median (min-max)' in ms. */
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x) => x.toFixed(2);
  return `${r(s[s.length >> 1])} (${r(s[0])}-${r(s[s.length - 1])})`;
};

const load = [loadavg()];
const result = { rounds, warmup: 3, node: process.version, sides: Object.keys(sides), inputs: {} };
for (const [key, input] of Object.entries(inputs)) {
  const t = {};
  const add = (k, x) => {
    t[k] ??= { wall: [], cpu: [] };
    t[k].wall.push(x.wall);
    t[k].cpu.push(x.cpu);
  };
  for (let r = 0; r < rounds + 3; r++) {
    const order = r % 2 ? Object.keys(sides).reverse() : Object.keys(sides);
    const ref = await timed(() => input.ref(input.path));
    for (const name of order) {
      const read = await timed(() => sides[name].read(input.path));
      const pre = await timed(() => sides[name].plan(read.out, plan));
      if (r >= 3) {
        add(`${name} read`, read);
        add(`${name} preprocess`, pre);
      }
    }
    if (r >= 3) add('reference decode', ref);
  }
  result.inputs[key] = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { wallMs: stats(v.wall), cpuMs: stats(v.cpu) }]));
  // Both builds must give the same model input: the tensors' bytes compared.
  if (sides.base) {
    const bytes = async (side) => {
      const x = (await side.plan(await side.read(input.path), plan)).tensor.data;
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    };
    result.inputs[key].tensorsBitIdentical = (await bytes(sides.new)).equals(await bytes(sides.base));
  }
}
load.push(loadavg());
result.loadAverage = load.map((l) => l.map((x) => Math.round(x * 100) / 100));
console.log(JSON.stringify(result, null, 1));
