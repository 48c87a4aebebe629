#!/usr/bin/env node
/**
 * What a classification run leaves for the garbage collector (issue 26, requirement 2): the
 * pipeline-overhead area's three inputs (8-bit PNG 1024^2 and 2048^2, 16-bit DX DICOM 2048^2)
 * through one classification pipeline (DenseNet-121 benchmark model, xrv plan), each input on
 * its own: the logits' sha256 (two builds must agree), ArrayBuffer and JS-heap growth over 10 runs
 * after two full collections, and the collections (perf_hooks 'gc') during 40 further runs.
 * Growth figures include whatever a collection freed meanwhile (a build that collects every run
 * shows less than it allocates); the collection counts are the robust figure.
 *   npm run build && node --expose-gc bench/classification-allocation.mjs [--dist /path/to/other/dist]
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { benchEntries, ensureBenchModels, loadManifest } from './lib/entries.mjs';
import { benchTempDir } from './lib/inputs.mjs';
import { writeDicomRadiograph, writeRadiographs } from './lib/overhead-inputs.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const i = process.argv.indexOf('--dist');
const dist = i < 0 ? new URL('../dist/', import.meta.url) : pathToFileURL(`${resolve(process.argv[i + 1])}/`);
const { createPipeline } = await import(new URL('node.js', dist).href);
const models = await ensureBenchModels();
if (!models.ok) throw new Error(models.reason);
const entry = benchEntries(await loadManifest()).classification;
const dir = benchTempDir('medinfer-bench-overhead');
const inputs = {
  png1024: (await writeRadiographs(dir, 1, 1024))[0],
  png2048: (await writeRadiographs(dir, 1, 2048))[0],
  dx2048: writeDicomRadiograph(dir, 2048),
};
let gcs = { major: 0, minor: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
    else if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
  }
}).observe({ entryTypes: ['gc'] });
const pause = () => new Promise((r) => setTimeout(r, 200));
const mib = (x) => +(x / 2 ** 20).toFixed(3);
const out = { dist: dist.href, inputs: {} };
for (const [key, path] of Object.entries(inputs)) {
  const pipe = await createPipeline('classification', entry, { provider: 'cpu', threads: 2 });
  const first = await pipe.run(path);
  for (let r = 0; r < 2; r++) await pipe.run(path);
  globalThis.gc();
  await pause();
  globalThis.gc();
  await pause();
  const m0 = process.memoryUsage();
  for (let r = 0; r < 10; r++) await pipe.run(path);
  const m1 = process.memoryUsage();
  await pause();
  gcs = { major: 0, minor: 0 };
  for (let r = 0; r < 40; r++) await pipe.run(path);
  await pause();
  out.inputs[key] = {
    logitsSha256: createHash('sha256')
      .update(new Uint8Array(first.logits.buffer, first.logits.byteOffset, first.logits.byteLength))
      .digest('hex')
      .slice(0, 16),
    arrayBuffersGrowthPerRunMiB: mib((m1.arrayBuffers - m0.arrayBuffers) / 10),
    heapGrowthPerRunMiB: mib((m1.heapUsed - m0.heapUsed) / 10),
    collectionsIn40Runs: { ...gcs },
  };
  await pipe.dispose();
}
console.log(JSON.stringify(out));
