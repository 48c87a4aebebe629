#!/usr/bin/env node
/**
 * Development-time check of `medinfer convert`'s BIDS sidecars and .bval / .bvec against
 * dcm2niix's (`-b y`) on every series of the dcm2niix QA mirrors (issue 21 req 1). Not run in CI.
 * Needs dcm2niix on PATH, a built dist/, and the series folders the sweep extracts:
 *
 *   node scripts/dcm-qa/sweep.mjs --work /tmp/sc --only '^NOTHING$' [--repos ...]   # extraction only
 *   node scripts/dcm-qa/sidecar-compare.mjs [--work /tmp/sc] [--only REGEX]
 *
 * Per series: dcm2niix -b y -z n -f out, and medinfer convert <series> <dir>/out.nii; outputs are
 * paired by part suffix (as the sweep pairs them; GE epi_pepolar: dcm2niix writes the reversed
 * volumes under SeriesNumber + 1000 as `out` or `outa`, whichever comes second, medinfer `out`
 * and `out_rev`, so those are paired by dcm2niix's SeriesNumber). Every field medinfer writes is judged against
 * dcm2niix's value of the same name by test/helpers/sidecar-judge.ts (bundled here on the fly with
 * esbuild, so the judge is the test's; its header states each rule and tolerance).
 * Result: a table field x (agree / differ: explained / differ / ours-only / theirs-only) over
 * every paired file, each difference listed, in <work>/sidecar-compare.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PART = /^(_e\d+)?(_i\d{5,})?(_ph|_real|_imaginary|_fieldmaphz)?(_ADC)?$/;

function parseArgs(argv) {
  const o = { work: '/tmp/sc', only: undefined, fresh: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--work') o.work = argv[++i];
    else if (argv[i] === '--only') o.only = new RegExp(argv[++i]);
    else if (argv[i] === '--fresh-ref') o.fresh = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

/** Leaf folders of <work>/series: one series each. */
function seriesDirs(root) {
  const out = [];
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile())) out.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

/** The shared judge (test/helpers/sidecar-judge.ts), bundled for plain node. */
async function loadJudge(work) {
  const { build } = await import('esbuild');
  const outfile = join(work, 'sidecar-judge.mjs');
  await build({ entryPoints: [join(REPO_ROOT, 'test/helpers/sidecar-judge.ts')], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error' });
  return import(pathToFileURL(outfile).href);
}

/** A file's sidecar record (JSON + bval / bvec when present), or undefined without a JSON. */
function readRecord(judge, dir, base) {
  const text = (ext) => (existsSync(join(dir, `${base}${ext}`)) ? readFileSync(join(dir, `${base}${ext}`), 'utf8') : undefined);
  const json = text('.json');
  return json === undefined ? undefined : judge.sidecarRecord(json, text('.bval'), text('.bvec'));
}

/** [ours, theirs] output names: by part suffix, GE epi_pepolar crosswise (see the header). */
function pairNames(oursDir, refDir) {
  const bases = (d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.nii'))
      .map((f) => f.slice(0, -4));
  const theirs = new Set(bases(refDir));
  const ours = bases(oursDir).filter((b) => PART.test(b.replace(/^out/, '')) || b === 'out_rev');
  const pepolar = ours.includes('out_rev') && theirs.has('outa') && theirs.has('out');
  if (!pepolar) return ours.map((b) => [b, b]).filter(([, t]) => theirs.has(t));
  // dcm2niix numbers the reversed half SeriesNumber + 1000 (nii_dicom.cpp) and letters whichever it writes second.
  const number = (b) => JSON.parse(readFileSync(join(refDir, `${b}.json`), 'utf8')).SeriesNumber ?? 0;
  const [forward, reversed] = number('out') < number('outa') ? ['out', 'outa'] : ['outa', 'out'];
  return ours.map((b) => [b, b === 'out' ? forward : b === 'out_rev' ? reversed : b]).filter(([, t]) => theirs.has(t));
}

function compareSeries(judge, dir, id, work, fresh) {
  const key = id.replace(/[/#]/g, '__');
  const oursDir = join(work, 'sc-ours', key);
  const refDir = join(work, 'sc-ref', key);
  rmSync(oursDir, { recursive: true, force: true });
  mkdirSync(oursDir, { recursive: true });
  if (fresh || !existsSync(join(refDir, '.done'))) {
    rmSync(refDir, { recursive: true, force: true });
    mkdirSync(refDir, { recursive: true });
    spawnSync('dcm2niix', ['-b', 'y', '-z', 'n', '-f', 'out', '-o', refDir, dir], { stdio: 'ignore', timeout: 300_000 });
    writeFileSync(join(refDir, '.done'), '');
  }
  const args = [join(REPO_ROOT, 'bin/medinfer.js'), 'convert', dir, join(oursDir, 'out.nii'), '--quiet'];
  const ours = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
  const warnings = (ours.stderr ?? '').split('\n').filter((l) => l.includes('.bval') || l.includes('left out'));
  const sform = (path) => judge.niftiSform(new Uint8Array(readFileSync(path).subarray(0, 540)));
  const pairs = [];
  for (const [base, ref] of pairNames(oursDir, refDir)) {
    const o = readRecord(judge, oursDir, base);
    const t = readRecord(judge, refDir, ref);
    if (!o || !t) continue;
    const ctx = { ours: sform(join(oursDir, `${base}.nii`)), theirs: sform(join(refDir, `${ref}.nii`)), bval: o.bval, reversedHalf: base === 'out_rev' };
    const fields = {};
    for (const f of judge.SIDECAR_FIELDS) {
      const has = (r) => r[f] !== undefined;
      if (has(o) && has(t)) fields[f] = judge.judgeSidecarField(f, o[f], t[f], ctx);
      else if (has(o)) fields[f] = 'ours-only';
      else if (has(t)) fields[f] = 'theirs-only';
    }
    pairs.push({ id: `${id}${base.slice(3)}`, fields });
  }
  return { id, pairs, warnings, exit: ours.status };
}

function table(results, FIELDS) {
  const counts = Object.fromEntries(FIELDS.map((f) => [f, { agree: 0, explained: 0, differ: 0, 'ours-only': 0, 'theirs-only': 0 }]));
  const differs = [];
  const explained = [];
  const theirsOnly = {};
  let files = 0;
  for (const r of results)
    for (const p of r.pairs) {
      files++;
      for (const [f, outcome] of Object.entries(p.fields)) {
        const kind = outcome.replace(/:.*$/, '').replace(/ \(.*$/, '');
        counts[f][kind]++;
        if (kind === 'differ') differs.push(`${p.id} ${f}: ${outcome.slice(8)}`);
        if (kind === 'explained') explained.push(`${p.id} ${f}: ${outcome.slice(11)}`);
        if (kind === 'theirs-only' || kind === 'ours-only') (theirsOnly[`${f} ${kind}`] ??= []).push(p.id);
      }
    }
  const lines = [
    `${results.length} series, ${files} paired files (medinfer vs dcm2niix -b y)`,
    '',
    '| field | agree | differ: explained | differ | ours-only | theirs-only |',
    '| --- | --- | --- | --- | --- | --- |',
    ...FIELDS.map((f) => {
      const c = counts[f];
      return `| ${f} | ${c.agree} | ${c.explained} | ${c.differ} | ${c['ours-only']} | ${c['theirs-only']} |`;
    }),
    '',
    `differ (${differs.length}):`,
    ...differs.map((d) => `- ${d}`),
    '',
    `differ, explained (${explained.length}):`,
    ...explained.map((d) => `- ${d}`),
    '',
    'only one side:',
    ...Object.entries(theirsOnly).map(([k, ids]) => `- ${k}: ${ids.length} (${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', ...' : ''})`),
  ];
  const warned = results.flatMap((r) => r.warnings.map((w) => `- ${r.id}: ${w.replace(/^.*?warning: /, '')}`));
  if (warned.length) lines.push('', 'medinfer warnings (values left out):', ...warned);
  return lines.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const judge = await loadJudge(opts.work);
  const root = join(opts.work, 'series');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: run the sweep's extraction first (see the header)`);
  const dirs = seriesDirs(root).filter((d) => !opts.only || opts.only.test(relative(root, d)));
  const results = [];
  for (const dir of dirs) {
    const id = relative(root, dir);
    results.push(compareSeries(judge, dir, id, opts.work, opts.fresh));
    process.stderr.write(`${results.length}/${dirs.length} ${id}: ${results.at(-1).pairs.length} file(s)\n`);
  }
  const text = table(results, judge.SIDECAR_FIELDS);
  writeFileSync(join(opts.work, 'sidecar-compare.md'), `${text}\n`);
  writeFileSync(join(opts.work, 'sidecar-compare.json'), JSON.stringify(results, null, 1));
  console.log(text);
}

await main();
