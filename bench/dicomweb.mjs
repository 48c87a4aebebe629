/**
 * `medinfer dicomweb run` against a loopback Orthanc (issue 22): the time from the first QIDO-RS
 * query to the end of the STOW-RS of the results, for a 512x512x300 chest CT (--quick: 60 slices)
 * and the bundled 3D nodule detector (SR out), and the share of it spent outside the model
 * (QIDO, WADO-RS transfer, multipart parsing, DICOM decoding, pre/postprocessing, SR encoding,
 * STOW). Each run is the real CLI in its own process with --overwrite (so every run recomputes and
 * restores); the stage times come from its --json summary, `modelMs` being the time inside
 * ONNX Runtime's session.run as the pipeline reports it (else the pipeline's whole duration).
 *   npx tsc -p . && node bench/dicomweb.mjs [--quick]
 * Needs Debian orthanc + orthanc-dicomweb. Writes bench/results/dicomweb.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrthanc } from './lib/orthanc.mjs';
import { ctSeriesBytes } from './lib/dicom-ct-study.mjs';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 1 : 3;
const NZ = quick ? 60 : 300;
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..');
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? join(HERE, 'results');
const MODEL = 'medinfer-nodule-det3d-phantom';
const STUDY = '1.2.826.0.1.3680043.10.1234.800.1';

const { createDicomWebClient } = await import(join(REPO, 'dist', 'index.js'));
const { generateChestCt } = await import(join(REPO, 'dist', 'phantoms.js'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t = performance.now();
const ct = generateChestCt({ seed: 2026, size: [512, 512, NZ], spacingMm: [0.7, 0.7, 1], nodules: [2, 3] });
const files = ctSeriesBytes(ct.image, { studyUid: STUDY, seriesUid: `${STUDY}.1`, forUid: `${STUDY}.9` });
const bytes = files.reduce((n, f) => n + f.length, 0);
console.log(`generated 512x512x${NZ} CT: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const pacs = await startOrthanc();
const figures = [];
try {
  const client = createDicomWebClient({ url: pacs.url, auth: { kind: 'basic', user: pacs.user, password: pacs.password } });
  t = performance.now();
  for (let i = 0; i < files.length; i += 50) await client.store(files.slice(i, i + 50), { study: STUDY });
  const storeMs = performance.now() - t;
  console.log(`stored the source series into Orthanc (setup, STOW-RS by 50): ${(storeMs / 1000).toFixed(1)} s`);
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const w0 = performance.now();
    const p = spawnSync(
      process.execPath,
      [
        join(REPO, 'bin', 'medinfer.js'),
        'dicomweb',
        'run',
        '--url',
        pacs.url,
        '--study',
        STUDY,
        '--model',
        MODEL,
        '--provider',
        'cpu',
        '--json',
        '--quiet',
        '--overwrite',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, DICOMWEB_USER: pacs.user, DICOMWEB_PASSWORD: pacs.password },
        maxBuffer: 1 << 26,
      },
    );
    const wallMs = performance.now() - w0;
    if (p.status !== 0) throw new Error(`medinfer dicomweb run exited ${p.status}: ${p.stderr}`);
    const s = JSON.parse(p.stdout);
    runs.push({ wallMs, ...s.timings });
    const tm = s.timings;
    console.log(
      `run ${r + 1}: QIDO->STOW ${(tm.totalMs / 1000).toFixed(2)} s (qido ${tm.qidoMs.toFixed(0)}, retrieve ${tm.retrieveMs.toFixed(0)}, read ` +
        `${tm.readMs.toFixed(0)}, infer ${tm.inferMs.toFixed(0)} of which model ${tm.modelMs.toFixed(0)}, encode ${tm.encodeMs.toFixed(0)}, stow ` +
        `${tm.stowMs.toFixed(0)} ms); process wall ${(wallMs / 1000).toFixed(2)} s`,
    );
  }
  const m = (k) => Math.round(median(runs.map((x) => x[k])));
  const total = m('totalMs');
  const model = m('modelMs');
  const label = `512x512x${NZ} CT, ${MODEL}, loopback Orthanc`;
  figures.push({
    name: `dicomweb run ${label}: QIDO to STOW`,
    unit: 'ms',
    median: total,
    baseline: 'inside ONNX Runtime session.run (same runs)',
    baselineMedian: model,
    ratio: +(total / model).toFixed(3),
    runs: RUNS,
    stages: {
      qidoMs: m('qidoMs'),
      retrieveMs: m('retrieveMs'),
      readMs: m('readMs'),
      inferMs: m('inferMs'),
      modelMs: model,
      encodeMs: m('encodeMs'),
      stowMs: m('stowMs'),
    },
  });
  figures.push({
    name: `dicomweb run ${label}: share outside the model`,
    unit: 'fraction',
    median: +(1 - model / total).toFixed(3),
    baseline: 'none (a share of the same runs)',
    baselineMedian: null,
    ratio: null,
    runs: RUNS,
  });
  figures.push({
    name: `dicomweb run ${label}: process wall time (incl. Node start, model load)`,
    unit: 'ms',
    median: m('wallMs'),
    baseline: 'QIDO to STOW (same runs)',
    baselineMedian: total,
    ratio: +(m('wallMs') / total).toFixed(3),
    runs: RUNS,
  });
  console.log(`median QIDO->STOW ${total} ms; model ${model} ms; outside the model ${((1 - model / total) * 100).toFixed(1)} %`);
} finally {
  await pacs.stop();
}
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'dicomweb.json'), JSON.stringify({ area: 'dicomweb', date: new Date().toISOString(), quick, figures }, null, 2) + '\n');
