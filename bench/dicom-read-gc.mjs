#!/usr/bin/env node
/**
 * Where the major garbage collections of the 16-bit DX DICOM decode figure come from (issue 26,
 * requirement 2). Each case runs in its own child process under `node --trace-gc`; the parent
 * counts the Mark-Compact and Scavenge lines printed inside each timed side's window (markers on
 * the same stdout), so a collection is charged to the side during which V8 ran it.
 *   npm run build && node bench/dicom-read-gc.mjs [--reads 200]
 * Cases (the DX file of bench/pipeline-overhead.mjs, 2048^2 uint16, 8 MiB of samples):
 *  - bare-async: fs/promises open, 16 KiB head read, 8 MiB sample read into a fresh buffer, close:
 *    no SDK code at all, in a process holding the modules pipeline-overhead.mjs loads;
 *  - sdk: readImageFile, same process contents; sdk-reader-only: readImageFile with only the
 *    reader's own modules loaded (a small old generation);
 *  - reference: dicom-parser + one copy (synchronous); alternate: sdk and reference alternating
 *    round by round as in the decode figure.
 * Prints JSON: per case and side, Mark-Compacts, Scavenges, the old generation after loading.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchTempDir } from './lib/inputs.mjs';
import { writeDicomRadiograph } from './lib/overhead-inputs.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const reads = Number(arg('--reads', 200));
const dist = new URL('../dist/', import.meta.url).href;

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
result.loadAverage.push(loadavg().map((x) => Math.round(x * 100) / 100));
console.log(JSON.stringify(result, null, 1));
