/**
 * Area "brainchop" in the browser (issue 20 req. 6): brainchop's runtime (tfjs, WebGL backend,
 * the upstream model5_gw_ae layers model) vs medinfer's web backend (onnxruntime-web wasm and
 * WebGPU, the converted ONNX) on the same crop^3 block of the exact tensor medinfer's tissue
 * pipeline feeds (captured by bench/brainchop.mjs's capture child), in real headless Chromium;
 * plus medinfer's whole tissue pipeline in the page (file in, labels out) on the 256^3 T1.
 * Chromium here has only SwiftShader (software WebGL and WebGPU on the CPU): its GPU timings say
 * nothing about a real GPU, only that the paths run; wasm timings are real.
 * Setup: tfjs as for bench/brainchop.mjs (/tmp/tfjs, or MEDINFER_TFJS_DIR) and a brainchop clone
 * (MEDINFER_BRAINCHOP_REPO, default the search tool's mirror); without them the tfjs row is
 * skipped with the reason.
 *   npx tsc -p tsconfig.json && node scripts/build-web.mjs && node bench/brainchop-browser.mjs [--crop 64] [--runs 3]
 *     [--providers wasm,webgpu] [--no-pipeline] [--quick]
 * wasm threads (issue 26 req. 6; bench/lib/browser-threads.mjs), instead of the above:
 *   node bench/brainchop-browser.mjs --threads [--models a,b] [--runs 2] [--counts 1,2]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startWebServer } from '../dist/cli/web/web-server.js';
import { machineNote, makeFigure, median } from './lib/stats.mjs';
import { timeThreads } from './lib/browser-threads.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const CROP = Number(arg('crop', 64));
// --quick (bench/run.mjs --quick): one timed run a side and wasm only (SwiftShader's WebGPU takes minutes).
const quick = process.argv.includes('--quick');
const RUNS = Number(arg('runs', quick ? 1 : 3));
const MODEL = 'brainchop-tissue-gwm-light';
const TFJS = join(process.env.MEDINFER_TFJS_DIR ?? '/tmp/tfjs', 'node_modules/@tensorflow/tfjs/dist/tf.min.js');
const UPSTREAM_REPO = process.env.MEDINFER_BRAINCHOP_REPO ?? '/work/.mirror/neuroneural+brainchop/repo';
const resultsDir = process.env.MEDINFER_BENCH_RESULTS_DIR ?? fileURLToPath(new URL('./results/', import.meta.url));

if (process.argv.includes('--threads')) {
  // The three heaviest models by default (the light two are timed by bench/browser-models.mjs).
  const models = arg('models', 'brainchop-mindgrab,brainchop-subcortical-gwm,brainchop-aparc-aseg-50').split(',');
  const counts = arg('counts', '1,2').split(',').map(Number);
  const server = await startWebServer({ port: 0 });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-renderer-backgrounding',
      '--disable-background-timer-throttling',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
  let result;
  try {
    result = await timeThreads(browser, server.url, { models, runs: Number(arg('runs', 2)), counts, log: (s) => console.error(`[brainchop-browser] ${s}`) });
  } finally {
    await browser.close();
    await server.close();
  }
  for (const f of result.figures) console.log(`${f.name}: ${f.median} vs ${f.baselineMedian} ms, ratio ${f.ratio} (best runs ${f.min} vs ${f.baselineMin})`);
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, 'brainchop-browser-threads.json');
  writeFileSync(
    file,
    JSON.stringify(
      { area: 'brainchop-browser-threads', date: new Date().toISOString(), machine: machineNote(), chromium: browser.version(), ...result },
      null,
      2,
    ),
  );
  console.log(`wrote ${file}`);
  if (result.failed.length) {
    console.error(`not measured: ${result.failed.map((f) => `${f.model} (${f.reason})`).join('; ')}`);
    process.exit(1);
  }
  process.exit(0);
}

const dir = join(tmpdir(), `medinfer-bench-brainchop-web-${process.pid}`);
mkdirSync(dir, { recursive: true });

// The exact tensor the Node pipeline feeds the network (cropped, normalised), cut to a central block.
const self = fileURLToPath(new URL('./brainchop.mjs', import.meta.url));
execFileSync(process.execPath, [self, '--child', 'capture', MODEL, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
const call = JSON.parse(readFileSync(join(dir, 'calls.json'), 'utf8'))[0];
const fullBuf = readFileSync(join(dir, call.feed));
const full = new Float32Array(fullBuf.buffer, fullBuf.byteOffset, fullBuf.byteLength / 4);
const [, , D, H, W] = call.dims;
const o = [D, H, W].map((n) => Math.max(0, Math.floor((n - CROP) / 2)));
const block = new Float32Array(CROP ** 3);
for (let z = 0; z < CROP; z++)
  for (let y = 0; y < CROP; y++) for (let x = 0; x < CROP; x++) block[x + CROP * (y + CROP * z)] = full[o[2] + x + W * (o[1] + y + H * (o[0] + z))];

const tfjsReason = !existsSync(TFJS) ? `no tfjs at ${TFJS}` : !existsSync(UPSTREAM_REPO) ? `no brainchop clone at ${UPSTREAM_REPO}` : '';
const upstream = (p) => execFileSync('git', [`--git-dir=${UPSTREAM_REPO}`, 'show', `HEAD:public/models/model5_gw_ae/${p}`], { maxBuffer: 1 << 28 });
const served = {
  '/bench/block.f32': () => Buffer.from(block.buffer),
  '/bench/model.onnx': () => readFileSync(join(dir, call.model)),
  '/bench/tf.min.js': () => readFileSync(TFJS),
  '/bench/tfjs/model.json': () => upstream('model.json'),
  '/bench/tfjs/group1-shard1of1.bin': () => upstream('group1-shard1of1.bin'),
};

const server = await startWebServer({ port: 0 });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--enable-unsafe-webgpu', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
});
const rows = [];
const notes = [];
try {
  const page = await browser.newPage();
  await page.route('**/bench/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    const body = served[path]?.();
    return body
      ? route.fulfill({
          status: 200,
          body,
          headers: { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' },
        })
      : route.fulfill({ status: 404 });
  });
  await page.goto(server.url);
  await page.evaluate(() => window.medinfer.ready);
  const dims = [1, 1, CROP, CROP, CROP];
  for (const provider of arg('providers', quick ? 'wasm' : 'wasm,webgpu').split(',')) {
    try {
      const r = await page.evaluate(([p, d, n]) => window.medinfer.bareRun('/bench/model.onnx', '/bench/block.f32', d, p, n), [provider, dims, RUNS]);
      rows.push({
        what: `medinfer web backend, onnxruntime-web ${provider}${provider === 'webgpu' ? ' (SwiftShader)' : ''}`,
        input: `${CROP}^3 block`,
        ms: median(r.times),
        times: r.times,
        fallbacks: r.fallbacks,
      });
    } catch (e) {
      notes.push(`${provider} bare run failed: ${String(e.message ?? e).split('\n')[0]}`);
    }
  }
  if (tfjsReason) notes.push(`tfjs WebGL skipped: ${tfjsReason}`);
  else {
    const r = await page
      .evaluate(
        async ([c, n]) => {
          await new Promise((ok, fail) => {
            const s = document.createElement('script');
            s.src = '/bench/tf.min.js';
            s.onload = ok;
            s.onerror = fail;
            document.head.append(s);
          });
          const tf = window.tf;
          await tf.setBackend('webgl');
          await tf.ready();
          const model = await tf.loadLayersModel('/bench/tfjs/model.json');
          const data = new Float32Array(await (await fetch('/bench/block.f32')).arrayBuffer());
          const times = [];
          for (let k = -1; k < n; k++) {
            const t = performance.now();
            const x = tf.tensor(data, [1, c, c, c, 1]);
            // Layer by layer as brainchop applies it (the saved model's input is fixed at 256^3;
            // model5_gw_ae has no _gn layers, so no LayerNormInPlace here).
            let y = x;
            for (let l = 1; l < model.layers.length; l++) {
              const next = model.layers[l].apply(y);
              if (y !== x) y.dispose();
              y = next;
            }
            await y.data();
            x.dispose();
            y.dispose();
            if (k >= 0) times.push(performance.now() - t);
          }
          return {
            times,
            backend: tf.getBackend(),
            version: tf.version.tfjs,
            renderer: (() => {
              const g = document.createElement('canvas').getContext('webgl2');
              const e = g?.getExtension('WEBGL_debug_renderer_info');
              return e ? g.getParameter(e.UNMASKED_RENDERER_WEBGL) : 'unknown';
            })(),
          };
        },
        [CROP, RUNS],
      )
      .catch((e) => ({ error: String(e.message ?? e).split('\n')[0] }));
    if (r.error) notes.push(`tfjs WebGL failed: ${r.error}`);
    else
      rows.push({ what: `brainchop runtime: tfjs ${r.version} ${r.backend} (${r.renderer})`, input: `${CROP}^3 block`, ms: median(r.times), times: r.times });
  }
  if (!process.argv.includes('--no-pipeline')) {
    // medinfer's whole pipeline in the page on the 256^3 T1 (read, conform, normalise, crop, network, labels back).
    const pipe = await page.evaluate(
      ([m, n]) =>
        (async () => {
          const times = [];
          for (let k = 0; k < n; k++) times.push((await window.medinfer.runSample(m, 'brain MRI T1, real (brainchop sample, 256^3 1 mm)', 'wasm')).ms);
          return times;
        })(),
      [MODEL, Math.min(RUNS, 2)],
    );
    rows.push({
      what: 'medinfer tissue pipeline in the page, wasm (read + conform + network + labels)',
      input: 't1_crop.nii.gz 256^3',
      ms: median(pipe),
      times: pipe,
    });
  }
  const threads = await page.evaluate(() => navigator.hardwareConcurrency);
  notes.push(`navigator.hardwareConcurrency ${threads}; wasm threads: the SDK default`);
} finally {
  await browser.close();
  await server.close();
  spawnSync('rm', ['-rf', dir]);
}
const lines = [
  '| runtime | input | median ms | runs ms |',
  '| --- | --- | ---: | --- |',
  ...rows.map((r) => `| ${r.what} | ${r.input} | ${r.ms.toFixed(0)} | ${r.times.map((t) => t.toFixed(0)).join(', ')} |`),
  '',
  ...notes.map((n) => `- ${n}`),
  `- load average at the end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
];
console.log(lines.join('\n'));
// The area format bench/run.mjs merges: every row against medinfer's wasm row on the same block.
const wasmRow = rows.find((r) => r.what.includes('onnxruntime-web wasm'));
const figures = rows.map((r) =>
  makeFigure(`${r.what} (${r.input})`, 'ms', r.ms, wasmRow ? `${wasmRow.what} (${wasmRow.input})` : 'none', wasmRow?.ms ?? Number.NaN, {
    runs: r.times.length,
  }),
);
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, process.argv.includes('--no-pipeline') ? 'brainchop-browser-tfjs.json' : 'brainchop-browser.json'),
  JSON.stringify(
    { area: 'brainchop-browser', date: new Date().toISOString(), quick, machine: machineNote(), crop: CROP, runs: RUNS, figures, rows, notes },
    null,
    2,
  ),
);
