/**
 * Runs every benchmark area and merges the results (issue 11). Not part of `npm test`.
 *   npm run build && node bench/run.mjs [--quick] [--only a,b] [--skip a,b] [--out-dir DIR] [--md FILE] [--restore]
 *     [--append-run earlier-merged.json,...]   (rendered after this run's tables in the --md file)
 *   node bench/run.mjs --render merged.json [--append-run ...] [--md FILE]   (re-render only)
 * - Areas: every bench/*.mjs except this file (io-dicom, io-nifti, preprocess, postprocess,
 *   cli-run, ..., pipelines, scaling). Each runs as its own child process (with --quick when
 *   quick) and writes <area>.json ({ area, date, figures: [{ name, unit, median, baseline,
 *   baselineMedian, ratio }] }) into bench/results/ (or $MEDINFER_BENCH_RESULTS_DIR when it
 *   honours it, as pipelines.mjs and scaling.mjs do). A failing or crashing area is reported in
 *   the table with its error; the suite goes on.
 * - Writes <out-dir>/<date>.json (all figures merged, each tagged with its area; default
 *   bench/results/) and a readable table to --md (default BENCHMARKS.md at the repo root).
 * - --restore: right after each area, put back the result file it overwrote in bench/results/
 *   (dev runs in a checkout shared with the areas' owners); files that did not exist are kept.
 * Exit status 1 (after writing both files) when any area failed or listed figures it could not
 * measure (`failed` in its result file), each named on stderr: nothing is silently skipped.
 * Environment: MEDINFER_BENCH_TIMEOUT_S per area (default 3600 s; quick 600 s).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killGroup } from './lib/child.mjs';
import { machineNote } from './lib/stats.mjs';
import { checkResultShape, renderMarkdown } from './lib/report.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const list = (name) =>
  (option(name, '') || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const quick = flag('--quick');
const only = list('--only');
const skip = list('--skip');
const outDir = resolve(option('--out-dir', join(HERE, 'results')));
const mdPath = resolve(option('--md', join(REPO, 'BENCHMARKS.md')));
const restore = flag('--restore');
// Quick mode bounds every area (a timed-out area is a failed row). 600 s: the browser areas start
// Chromium and run 3D models on wasm (and WebGPU on SwiftShader), several minutes on 2 shared cores.
const timeoutMs = Number(process.env.MEDINFER_BENCH_TIMEOUT_S ?? (quick ? 600 : 3600)) * 1000;
const defaultResults = join(HERE, 'results');

// --render merged.json: only re-render the --md file from an earlier merged run (plus --append-run).
if (option('--render')) {
  const base = JSON.parse(readFileSync(resolve(option('--render')), 'utf8'));
  writeFileSync(
    mdPath,
    renderMarkdown(
      base,
      list('--append-run').map((f) => JSON.parse(readFileSync(resolve(f), 'utf8'))),
    ),
  );
  console.log(`wrote ${mdPath}`);
  process.exit(0);
}

if (!existsSync(join(REPO, 'dist', 'index.js'))) {
  console.error('dist/ missing: run `npx tsc -p .` (or npm run build) first');
  process.exit(2);
}

// Areas in a stable order: other engineers' areas first (alphabetical), then the SDK-level ones.
const LAST = ['pipelines', 'scaling'];
// Development tools in bench/ that are not areas: classification-own-work times the pieces of one
// classification against another build (--base) and prints JSON; the figures it serves are the
// pipeline-overhead area's.
const NOT_AREAS = ['run.mjs', 'classification-own-work.mjs'];
const areas = readdirSync(HERE)
  .filter((f) => f.endsWith('.mjs') && !NOT_AREAS.includes(f))
  .map((f) => basename(f, '.mjs'))
  .filter((a) => (!only.length || only.includes(a)) && !skip.includes(a))
  .sort((a, b) => LAST.indexOf(a) - LAST.indexOf(b) || a.localeCompare(b));
for (const a of only) if (!areas.includes(a)) console.error(`warning: --only ${a}: no bench/${a}.mjs`);

function runArea(area) {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(HERE, `${area}.mjs`), ...(quick ? ['--quick'] : [])], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MEDINFER_BENCH_RESULTS_DIR: outDir },
      detached: true, // own process group, so a timeout also ends the area's own children
    });
    let tail = '';
    const keep = (d) => {
      process.stderr.write(`  [${area}] ${String(d).replace(/\n(?=.)/g, `\n  [${area}] `)}`);
      tail = (tail + d).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, wallMs: Date.now() - t0, tail });
    });
  });
}

/** The area's result file written during this run (own dir first, then bench/results/). */
function readAreaResult(area, since) {
  for (const dir of [outDir, defaultResults]) {
    const path = join(dir, `${area}.json`);
    if (existsSync(path) && statSync(path).mtimeMs >= since) return { path, result: JSON.parse(readFileSync(path, 'utf8')) };
  }
  return undefined;
}

mkdirSync(outDir, { recursive: true });
const started = new Date();
const merged = { date: started.toISOString(), quick, machine: machineNote(), areas: [], figures: [] };
for (const area of areas) {
  const path = join(defaultResults, `${area}.json`);
  const before = restore && existsSync(path) ? readFileSync(path) : undefined;
  console.error(`== ${area}${quick ? ' (quick)' : ''}`);
  const since = Date.now() - 1000;
  const run = await runArea(area);
  const entry = { area, status: 'ok', wallMs: run.wallMs };
  let found;
  try {
    found = readAreaResult(area, since);
  } catch (e) {
    entry.status = 'failed';
    entry.error = `result file unreadable: ${e.message}`;
  }
  if (run.code !== 0) {
    entry.status = 'failed';
    entry.error = `exit ${run.code ?? run.signal}${run.signal === 'SIGKILL' ? ' (timeout)' : ''}: ${run.tail.trim().split('\n').slice(-3).join(' | ')}`.slice(
      0,
      500,
    );
  } else if (!found && entry.status === 'ok') {
    entry.status = 'failed';
    entry.error = `no ${area}.json written`;
  }
  if (found) {
    const problems = checkResultShape(found.result);
    if (problems.length) {
      entry.status = entry.status === 'ok' ? 'malformed' : entry.status;
      entry.error = [entry.error, `result file: ${problems.slice(0, 3).join('; ')}`].filter(Boolean).join('; ');
    }
    entry.file = found.path;
    entry.description = found.result.description ?? found.result.data;
    entry.skipped = found.result.skipped;
    if (Array.isArray(found.result.failed) && found.result.failed.length) entry.failed = found.result.failed;
    const figures = Array.isArray(found.result.figures) ? found.result.figures : [];
    entry.figureCount = figures.length;
    for (const f of figures) merged.figures.push({ area, ...f });
  }
  merged.areas.push(entry);
  // --restore: undo this area's write right away (not at the end of the suite: an owner who
  // rewrites or commits the file in the meantime must keep theirs).
  if (restore && found?.path === path) {
    if (before) writeFileSync(path, before);
  }
  console.error(`== ${area}: ${entry.status} in ${(run.wallMs / 1000).toFixed(1)} s${entry.error ? ` (${entry.error})` : ''}`);
}

merged.wallMs = Date.now() - started.getTime();
merged.machine = machineNote();
const stamp = started
  .toISOString()
  .replace(/:/g, '-')
  .replace(/\.\d+Z$/, 'Z');
const mergedPath = join(outDir, `${stamp}.json`);
writeFileSync(mergedPath, JSON.stringify(merged, null, 2) + '\n');
// --append-run FILE[,FILE]: also render earlier merged runs (e.g. a full-size run of some areas).
const extra = list('--append-run').map((f) => JSON.parse(readFileSync(resolve(f), 'utf8')));
writeFileSync(mdPath, renderMarkdown(merged, extra));
console.log(
  `wrote ${mergedPath} and ${mdPath} (${merged.figures.length} figures, ${merged.areas.filter((a) => a.status !== 'ok').length} failed areas, ` +
    `${(merged.wallMs / 1000).toFixed(0)} s)`,
);
// Loud failure (issue 26): every figure that could not be measured is named and the suite exits 1
// (after writing what it measured), instead of a table quietly missing rows.
const missing = merged.areas.flatMap((a) => [
  ...(a.status !== 'ok' ? [`${a.area}: ${a.status}${a.error ? ` (${a.error.slice(0, 200)})` : ''}`] : []),
  ...(a.failed ?? []).map((f) => `${a.area} / ${f.figure}: ${String(f.error ?? '').slice(0, 200)}`),
]);
if (missing.length) {
  console.error(`NOT MEASURED (${missing.length}):\n  ${missing.join('\n  ')}\nInstall what is missing with \`bash bench/setup.sh\` (as root), then rerun.`);
  process.exit(1);
}
