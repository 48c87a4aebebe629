#!/usr/bin/env node
// Every bundled model (models.manifest.json, weights.kind 'bundled') in real headless Chromium
// (Debian /usr/bin/chromium via playwright-core), on a cross-origin-isolated page served on
// 127.0.0.1 (COOP + COEP, so SharedArrayBuffer and wasm threads work):
//  1. wasm threads: the SDK pipeline end to end and onnxruntime-web's bare session.run on the same
//     feeds, with 1, 2 and hardwareConcurrency threads. One page per thread count (onnxruntime-web
//     fixes the count at a page's first session); the pages stay open and take turns run by run,
//     the order rotating every round, so every count sees the same load. Medians.
//  2. WebGPU (Chromium's only adapter here is SwiftShader, a CPU emulation: its times say nothing
//     about GPUs): the SDK pipeline, the SDK's ModelSession.run, and onnxruntime-web called
//     directly, same model bytes, same feeds, sessions created once, sides alternating.
//   node bench/browser-models.mjs [--quick] [--only-threads|--only-webgpu] [--models a,b]
// Page: bench/browser/page.ts (bundled here with esbuild from src/, nothing to build first).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { writeAreaResult } from './lib/write-result.mjs';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const arg = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? (quick ? 3 : 7));
const GPU_ROUNDS = Number(arg('--gpu-rounds') ?? (quick ? 2 : 3));
const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round2 = (x) => Math.round(x * 100) / 100;

if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the browser area needs Debian's Chromium)`);
const manifest = JSON.parse(readFileSync(join(root, 'models.manifest.json'), 'utf8'));
const only = arg('--models')?.split(',');
const models = Object.entries(manifest.models)
  .filter(([id, e]) => e.weights.kind === 'bundled' && (!only || only.includes(id)))
  .map(([id, e]) => ({
    id,
    task: e.task,
    dimensionality: e.dimensionality,
    preprocess: e.preprocess,
    bytes: statSync(join(root, e.files.find((f) => f.role === 'model').path)).size,
  }));

// The page bundle: esbuild from bench/browser/page.ts with the SDK's browser sources.
const work = mkdtempSync(join(tmpdir(), 'medinfer-bench-browser-models-'));
const GUARDED = ['fs', 'path', 'zlib', 'crypto'];
await build({
  entryPoints: [join(root, 'bench/browser/page.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: join(work, 'page.js'),
  logLevel: 'warning',
  loader: { '.wasm': 'file' },
  plugins: [
    {
      name: 'shim',
      setup(b) {
        b.onResolve({ filter: new RegExp(`^(node:)?(${GUARDED.join('|')})$`) }, (a) => ({ path: a.path, namespace: 'empty' }));
        b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
      },
    },
  ],
});
writeFileSync(join(work, 'index.html'), '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/page.js"></script>');
const ortDist = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')).replace(/[\\/]dist$/, ''), 'dist');

// Minimal static server: the page, onnxruntime-web's dist (/ort/), the manifest and models/.
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
const server = createServer((req, res) => {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const inside = (base, rel) => {
    const p = normalize(join(base, rel));
    return p.startsWith(base + sep) ? p : undefined;
  };
  const file =
    path === '/'
      ? join(work, 'index.html')
      : path === '/page.js'
        ? join(work, 'page.js')
        : path === '/models.manifest.json'
          ? join(root, 'models.manifest.json')
          : path.startsWith('/ort/')
            ? inside(ortDist, path.slice(5))
            : path.startsWith('/models/')
              ? inside(join(root, 'models'), path.slice(8))
              : undefined;
  if (!file || !existsSync(file)) {
    res.writeHead(404);
    res.end();
    return;
  }
  const ext = file.slice(file.lastIndexOf('.'));
  res.writeHead(200, { 'Content-Type': TYPES[ext] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/`;

// --priority N (root only; negative = ahead of other work): every thread of every Chromium process
// (wasm pthread workers included, so after the pages are prepared) is reniced to N, which
// approximates an otherwise idle machine on a shared box. Chromium sets its renderers' niceness
// itself, so `nice chromium` is not enough. Recorded in the result.
const priority = arg('--priority');
function prioritise() {
  if (priority === undefined) return;
  const tids = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/lib/chromium/chromium')) continue;
      tids.push(...readdirSync(`/proc/${pid}/task`));
    } catch {
      /* exited */
    }
  }
  if (tids.length) spawnSync('renice', ['-n', String(Number(priority)), '-p', ...tids], { stdio: 'ignore' });
}
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-webgpu',
    // Pages that are not in front must not be throttled: all thread-count pages take turns.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  ],
});
const chromiumVersion = browser.version();
async function openPage(query) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}${query}`);
  await page.waitForFunction(() => 'bench' in window);
  return { page, errors };
}
const call = (p, fn, ...args) => p.page.evaluate(([f, a]) => window.bench[f](...a), [fn, args]);

const figures = [];
const details = { threads: [], webgpu: [] };
const failed = [];
const loads = [loadavg()[0]];
const log = (s) => console.error(`[browser-models] ${s}`);
try {
  if (!argv.includes('--only-webgpu')) {
    // hardwareConcurrency as the page sees it decides the third setting (deduplicated).
    const probe = await openPage('');
    const env = await call(probe, 'env');
    await probe.page.close();
    if (!env.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated: wasm threads cannot be measured');
    const counts = [...new Set([1, 2, env.hardwareConcurrency])];
    details.env = env;
    // Quick mode leaves out the models whose preprocessing conforms to a 256^3 grid (brainchop's:
    // 10-20 s per wasm run in the page); the full run times every bundled model.
    const conforms = (m) => m.preprocess.some((s) => s.op === 'conform');
    for (const m of quick && !only ? models.filter((x) => !conforms(x)) : models) {
      const pages = new Map();
      try {
        for (const t of counts) {
          const p = await openPage(`?threads=${t}`);
          const info = await call(p, 'prepare', m.id, 'wasm');
          pages.set(t, { ...p, info });
        }
        const times = Object.fromEntries(counts.map((t) => [t, { sdk: [], bare: [] }]));
        for (const p of pages.values()) await call(p, 'time', m.id, 'wasm', 'bare'); // pthread workers exist now
        prioritise();
        for (let r = 0; r < ROUNDS; r++) {
          const order = counts.map((_, i) => counts[(i + r) % counts.length]);
          for (const t of order) {
            const p = pages.get(t);
            // Inside a turn the two sides swap order every round too.
            for (const side of r % 2 ? ['bare', 'sdk'] : ['sdk', 'bare']) times[t][side].push(await call(p, 'time', m.id, 'wasm', side));
          }
          loads.push(loadavg()[0]);
        }
        const info = pages.get(1).info;
        const reported = Object.fromEntries(counts.map((t) => [t, pages.get(t).info.provider?.wasm]));
        for (const p of pages.values()) {
          if (p.errors.length) log(`${m.id}: page errors ${p.errors.join('; ')}`);
          await p.page.close();
        }
        const med = Object.fromEntries(counts.map((t) => [t, { sdk: median(times[t].sdk), bare: median(times[t].bare) }]));
        const d = {
          model: m.id,
          task: m.task,
          modelBytes: m.bytes,
          input: info.input,
          feedDims: info.feedDims,
          calls: info.calls,
          feedMB: round2(info.feedMB),
          rounds: ROUNDS,
          medians: med,
          times,
          reported,
        };
        details.threads.push(d);
        for (const t of counts.filter((c) => c > 1)) {
          for (const side of ['sdk', 'bare']) {
            const what = side === 'sdk' ? 'SDK pipeline end to end' : 'bare onnxruntime-web session.run';
            figures.push({
              name: `${m.id} (${info.input}): wasm ${t} threads vs 1, ${what}`,
              unit: 'ms',
              median: round2(med[t][side]),
              baseline: `wasm 1 thread, ${what}`,
              baselineMedian: round2(med[1][side]),
              ratio: round2(med[t][side] / med[1][side]),
              runs: ROUNDS,
              // Best runs too: on a loaded box the least-preempted run says what the setting can do.
              min: round2(Math.min(...times[t][side])),
              baselineMin: round2(Math.min(...times[1][side])),
              minRatio: round2(Math.min(...times[t][side]) / Math.min(...times[1][side])),
              note: `${info.calls} session.run per pipeline run, model ${(m.bytes / 1024).toFixed(0)} KiB`,
            });
          }
        }
        log(`${m.id}: ${counts.map((t) => `${t}T sdk ${med[t].sdk.toFixed(1)} bare ${med[t].bare.toFixed(1)} ms`).join(' | ')}`);
      } catch (error) {
        // A model the page cannot run (e.g. wasm memory exhausted) is named in `failed`, the rest go on.
        const reason = error.message.split('\n')[0];
        log(`${m.id} wasm threads failed: ${reason}`);
        failed.push({ figure: `${m.id}: wasm threads vs 1`, reason });
        for (const p of pages.values()) await p.page.close().catch(() => undefined);
      }
    }
  }
  if (!argv.includes('--only-threads')) {
    // SwiftShader runs 3D models for minutes: a model whose first (warm-up) run exceeds the limit is
    // recorded as not measured, and its page replaced.
    const limitMs = Number(arg('--gpu-timeout-s') ?? 150) * 1000;
    const within = (promise, what) =>
      Promise.race([promise, new Promise((_, fail) => setTimeout(() => fail(new Error(`${what} took over ${limitMs / 1000} s on SwiftShader`)), limitMs))]);
    let p = await openPage('?threads=1');
    // Quick mode: SwiftShader takes 15-55 s per run of the 3D models, so only 2D and text ones.
    for (const m of quick && !only ? models.filter((x) => x.dimensionality !== 3) : models) {
      try {
        const info = await within(call(p, 'prepare', m.id, 'webgpu'), 'session creation and one pipeline run');
        await call(p, 'time', m.id, 'webgpu', 'bare');
        prioritise();
        const times = { sdk: [], session: [], bare: [] };
        const sides = Object.keys(times);
        for (let r = 0; r < GPU_ROUNDS; r++) {
          for (let i = 0; i < sides.length; i++) {
            const side = sides[(i + r) % sides.length];
            times[side].push(await call(p, 'time', m.id, 'webgpu', side));
          }
          loads.push(loadavg()[0]);
        }
        const med = { sdk: median(times.sdk), session: median(times.session), bare: median(times.bare) };
        // Session reuse: the pipeline must not have created a session per run.
        const sessionsCreated = await call(p, 'sessionsCreated', m.id, 'webgpu');
        details.webgpu.push({
          model: m.id,
          input: info.input,
          calls: info.calls,
          feedMB: round2(info.feedMB),
          rounds: GPU_ROUNDS,
          medians: med,
          times,
          sessionsCreated,
          pipelineRuns: 1 + GPU_ROUNDS,
          used: info.provider?.used,
          dropped: info.provider?.dropped,
        });
        figures.push({
          name: `${m.id} (${info.input}): WebGPU (SwiftShader) SDK ModelSession.run vs onnxruntime-web direct, same feeds`,
          unit: 'ms',
          median: round2(med.session),
          baseline: 'onnxruntime-web InferenceSession.run, session created once, CPU outputs',
          baselineMedian: round2(med.bare),
          ratio: round2(med.session / med.bare),
          runs: GPU_ROUNDS,
          note:
            `${info.calls} session.run per pipeline run; ${sessionsCreated} session(s) created over ${1 + GPU_ROUNDS} pipeline runs; SwiftShader is a ` +
            `CPU emulation: times say nothing about GPUs`,
        });
        figures.push({
          name: `${m.id} (${info.input}): WebGPU (SwiftShader) SDK pipeline end to end vs onnxruntime-web direct`,
          unit: 'ms',
          median: round2(med.sdk),
          baseline: 'onnxruntime-web InferenceSession.run over the same feeds',
          baselineMedian: round2(med.bare),
          ratio: round2(med.sdk / med.bare),
          runs: GPU_ROUNDS,
          note: 'the difference is pre/postprocessing plus the SDK wrapper',
        });
        log(`${m.id} webgpu: sdk ${med.sdk.toFixed(1)} session ${med.session.toFixed(1)} bare ${med.bare.toFixed(1)} ms`);
      } catch (error) {
        log(`${m.id} webgpu failed: ${error.message.split('\n')[0]}`);
        details.webgpu.push({ model: m.id, error: error.message.split('\n')[0] });
        await p.page.close().catch(() => undefined);
        p = await openPage('?threads=1');
      }
    }
    await p.page.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
const cpu = (() => {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
})();
const result = {
  area: 'browser-models',
  date: new Date().toISOString(),
  quick,
  note:
    `headless Chromium ${chromiumVersion} (Debian), ${cpu} CPUs shared with other ` +
    `work${priority !== undefined ? ` (Chromium at nice ${priority})` : ''}; 1-minute load average ` +
    `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during the run`,
  chromium: chromiumVersion,
  ...(priority !== undefined ? { nice: Number(priority) } : {}),
  loadAverage: { min: round2(Math.min(...loads)), max: round2(Math.max(...loads)) },
  figures,
  failed,
  details,
};
console.log(`wrote ${writeAreaResult('browser-models', result)}`);
for (const f of figures) console.log(`${f.name}: ${f.median} vs ${f.baselineMedian} ms, ratio ${f.ratio}`);
if (failed.length) {
  console.error(`browser-models: ${failed.length} figure(s) could not be measured: ${failed.map((f) => `${f.figure} (${f.reason})`).join('; ')}`);
  process.exit(1);
}
