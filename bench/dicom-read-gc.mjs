#!/usr/bin/env node
/**
 * Where the major garbage collections of the 16-bit DX DICOM decode figure come from (issue 26,
 * requirement 2). Each case runs in its own child process under `node --trace-gc`; the parent
 * counts the Mark-Compact and Scavenge lines printed inside each timed side's window (markers on
 * the same stdout), so a collection is charged to the side during which V8 ran it.
 *   npm run build && node bench/dicom-read-gc.mjs [--reads 200] [--base /path/to/other/dist] [--reps 3]
 * Cases (the DX file of bench/pipeline-overhead.mjs, 2048^2 uint16, 8 MiB of samples):
 *  - bare-async: fs/promises open, 16 KiB head read, 8 MiB sample read into a fresh buffer, close:
 *    no SDK code at all, in a process holding the modules pipeline-overhead.mjs loads;
 *  - sdk: readImageFile, same process contents; sdk-reader-only: readImageFile with only the
 *    reader's own modules loaded (a small old generation);
 *  - reference: dicom-parser + one copy (synchronous); alternate: sdk and reference alternating
 *    round by round as in the decode figure.
 * Then sdk and reference each alone in its own process (--reps processes each, alternating): CPU
 * and wall time per read over the loop, the collections each causes included (perProcess).
 * Prints JSON: per case and side, Mark-Compacts, Scavenges, the old generation after loading.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchTempDir } from './lib/inputs.mjs';
import { writeDicomRadiograph } from './lib/overhead-inputs.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const reads = Number(arg('--reads', 200));
const dist = new URL('../dist/', import.meta.url).href;
const baseDist = arg('--base') === undefined ? undefined : pathToFileURL(`${resolve(arg('--base'))}/`).href;
const reps = Number(arg('--reps', 3));

/** The child: loads modules, reads `reads` times per side, prints <side / >side around each read. */
const child = `
import { readFileSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { getHeapSpaceStatistics } from 'node:v8';
const [mode, path, reads, dist] = process.argv.slice(1);
const full = mode !== 'sdk-reader-only';
const reader = await import(dist + (full ? 'node.js' : 'io/node-read-image.js'));
let dicomParser;
if (full) {
  await import(dist + 'ops.js');
  await import(dist + 'phantoms.js');
  await import('onnxruntime-node');
  await import('sharp');
  dicomParser = (await import('dicom-parser')).default;
}
const N = 2048 * 2048 * 2;
const sides = {
  sdk: () => reader.readImageFile(path),
  reference: async () => {
    const bytes = readFileSync(path);
    const el = dicomParser.parseDicom(bytes).elements.x7fe00010;
    return new Uint16Array(bytes.buffer.slice(bytes.byteOffset + el.dataOffset, bytes.byteOffset + el.dataOffset + el.length));
  },
  'bare-async': async () => {
    const fh = await open(path, 'r');
    await fh.read(new Uint8Array(16384), 0, 16384, 0);
    const samples = Buffer.allocUnsafeSlow(N);
    await fh.read(samples, 0, N, (await fh.stat()).size - N);
    await fh.close();
    return samples;
  },
};
// Timed runs (no --trace-gc): 20 warm-up reads, then process CPU (every thread: the reads, the
// collector's helpers) and wall time per read over the loop, collections included.
if (process.env.TIMED) {
  for (let r = 0; r < 20; r++) await sides[mode]();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let r = 0; r < Number(reads); r++) await sides[mode]();
  const c = process.cpuUsage(c0);
  writeSync(1, 'TIME ' + (c.user + c.system) / 1000 / Number(reads) + ' ' + (performance.now() - t0) / Number(reads) + '\\n');
  process.exit(0);
}
const order = mode === 'alternate' ? ['sdk', 'reference'] : [mode === 'sdk-reader-only' ? 'sdk' : mode];
const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
writeSync(1, 'OLD ' + old + '\\n');
for (let r = 0; r < Number(reads); r++)
  for (const side of r % 2 ? [...order].reverse() : order) {
    writeSync(1, '<' + side + '\\n');
    await sides[side]();
    writeSync(1, '>' + side + '\\n');
  }
`;

const path = writeDicomRadiograph(benchTempDir('medinfer-bench-overhead'), 2048);
const result = { reads, node: process.version, loadAverage: [loadavg().map((x) => Math.round(x * 100) / 100)], cases: {} };
for (const mode of ['bare-async', 'sdk', 'sdk-reader-only', 'reference', 'alternate']) {
  const run = spawnSync(process.execPath, ['--trace-gc', '--input-type=module', '-e', child, mode, path, String(reads), dist], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    maxBuffer: 64 * 2 ** 20,
  });
  if (run.status !== 0) throw new Error(`${mode}: ${run.stderr.slice(-400)}`);
  const counts = {};
  let side = 'between reads';
  let oldMiB;
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('OLD ')) oldMiB = Math.round((Number(line.slice(4)) / 2 ** 20) * 10) / 10;
    else if (line.startsWith('<')) side = line.slice(1);
    else if (line.startsWith('>')) side = 'between reads';
    else {
      const kind = line.includes('Mark-Compact') ? 'markCompacts' : line.includes('Scavenge') ? 'scavenges' : undefined;
      if (kind === undefined) continue;
      counts[side] ??= { markCompacts: 0, scavenges: 0 };
      counts[side][kind]++;
    }
  }
  result.cases[mode] = { oldGenerationAfterLoadMiB: oldMiB, ...counts };
}
// Each decoder alone in its own process, processes alternating: what a read costs with the
// collections it causes itself, whoever's window V8 would run them in.
const timed = { sdk: { cpuMs: [], wallMs: [] }, reference: { cpuMs: [], wallMs: [] } };
// With --base, that build's readImageFile alternates too (process by process): 'sdk (base)'.
const runs = [
  ['sdk', 'sdk', dist],
  ['reference', 'reference', dist],
];
if (baseDist !== undefined) {
  timed['sdk (base)'] = { cpuMs: [], wallMs: [] };
  runs.push(['sdk (base)', 'sdk', baseDist]);
}
for (let rep = 0; rep < reps; rep++) {
  for (const [key, mode, from] of rep % 2 ? [...runs].reverse() : runs) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', child, mode, path, String(reads), from], {
      encoding: 'utf8',
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, TIMED: '1' },
    });
    const line = run.stdout.split('\n').find((l) => l.startsWith('TIME '));
    if (run.status !== 0 || line === undefined) throw new Error(`timed ${key}: ${run.stderr.slice(-400)}`);
    const [cpu, wall] = line.slice(5).split(' ').map(Number);
    timed[key].cpuMs.push(Math.round(cpu * 100) / 100);
    timed[key].wallMs.push(Math.round(wall * 100) / 100);
  }
}
result.perProcess = timed;
result.loadAverage.push(loadavg().map((x) => Math.round(x * 100) / 100));
console.log(JSON.stringify(result, null, 1));
