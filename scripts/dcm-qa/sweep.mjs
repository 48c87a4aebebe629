#!/usr/bin/env node
/**
 * Development-time robustness sweep of `medinfer convert` against dcm2niix (issue 21) on EVERY
 * series of the mirrored dcm2niix QA repositories, not only the committed acceptance subset.
 * Needs: dcm2niix on PATH, the bare mirrors at /work/.mirror/neurolabusc+<repo>/repo, a built
 * dist/ (`npx tsc -p tsconfig.json`; the CLI runs as `node bin/medinfer.js`). Not run in CI.
 *
 *   node scripts/dcm-qa/sweep.mjs [--work /tmp/sweep] [--only REGEX] [--repos a,b] [--fresh-ref] [--file-input] [--extra DIR] [--variants]
 *
 * Steps:
 *  1. Extract In/ and Ref/ of each repo blob by blob (`git ls-tree` + `git cat-file --batch`): files the
 *     snapshot lacks (>= 4 MiB), symlinks (git-annex) and LFS pointers are skipped and counted;
 *     *.gz files are gunzipped (dcm_qa_philips_enh's batch.sh does the same).
 *  2. Every folder holding files is one input; its files are split by SeriesInstanceUID (the SDK's
 *     own parser, head only) into hard-linked series folders, so both tools see one series.
 *  3. Per series: `node bin/medinfer.js convert <series> <ours>/out.nii.gz` and
 *     `dcm2niix -z y -b n -f out -o <ref> <series>` (cached: dcm2niix runs once per work folder
 *     unless --fresh-ref). dcm2niix's outputs are mapped to ours by suffix; its part suffixes
 *     (_e<N>, _i<N>: stacks of other orientations in one series, _ph, _real, _imaginary,
 *     _fieldmaphz, _ADC: Philips trace volume) must be matched by ours, anything else it writes
 *     (_Eq_1, _ROI1, collision letters ...) is listed as "extra dcm2niix output", not a failure.
 *  4. Each pair is judged by compareNiftiVolumes (test/helpers/nifti-compare.ts, bundled here on
 *     the fly with esbuild so the judge is the acceptance test's, not a copy).
 * Outcomes per series: agree | near (values equal, grids within NEAR_MM but beyond the judge's
 * 1e-3 mm: e.g. dcm2niix takes the slice spacing from the first two slices, medinfer from the
 * first and last, and Philips positions carry ~1e-5 mm jitter; NEAR_MM 0.02: a 96-slice Siemens XA
 * stack whose first position has one decimal less puts dcm2niix's spacing 0.01 mm off at the far end;
 * shown with the distance) | refused
 * (typed E_ code; the detail says whether dcm2niix wrote part files) | both-none (neither wrote an
 * image) | ref-off (grids differ, and positions-check.py finds ours holding every sampled DICOM pixel
 * at its DICOM position and value while dcm2niix's file does not: its plain file of a gantry-tilted
 * CT) | WRONG (judge's detail, missing / extra part files, untyped failure, or dcm2niix wrote
 * only derived files and ours an image) | ours-only (dcm2niix wrote nothing, e.g. a transfer
 * syntax its build lacks). The table goes to stdout and <work>/sweep.md, rows to sweep.json.
 * --extra DIR: also sweep every subfolder of DIR as one series (hand-made variants: a file
 * removed, duplicated ...), ids extra/<name>.
 * --sources a,b | all: also sweep public DICOM beyond the QA repositories (sweep-sources.mjs
 *   MORE_SOURCES: nibabel, heudiconv, pydicom, pydicom-data, dwv, dicomParser, fo-dicom,
 *   dicom2nifti, dcmstack, dicom-test-files, highdicom; mirrors brought with the fetch tool), grouped into series there; ids
 *   <source>/<path>. dicom2nifti's own ground-truth NIfTI count as the repository's reference
 *   (agree-Ref). Two more outcomes (sweep-judging.mjs): vol-order (same grid, the same volumes in
 *   another order: Philips enhanced DWI, dcm2niix puts b0 last, ours and dicom2nifti keep the
 *   file's dimension-index order) and unplaced (no patient position: dcm2niix centres, flips and
 *   stacks frames as slices, ours keeps the pixel grid and warns; the same values either way).
 *   `--repos ''` sweeps only what --extra / --sources add.
 * --variants: also sweep hand-made variants of QA series that real exports produce (a file
 *   missing at the end / middle / start, one file copied under a second name), built under
 *   <work>/variants from the extracted series (ids variant/<name>).
 * --file-input: a series of one file is given to convert as that file, not its folder (the
 * single-file path of convert; dcm2niix still gets the folder).
 * agree-Ref: ours disagrees with the installed dcm2niix but equals a file of the repository's own
 * Ref/ (the dcm2niix version the QA suite pins): Debian's v1.0.20220720 orders the Philips
 * enhanced 3DpCASL label / control volumes as in the classic export, the repo's newer Ref/ _enh
 * file (and medinfer) in the enhanced file's dimension-index order.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { sameValues, unplacedWarning, volumeOrder } from './sweep-judging.mjs';
import { buildVariants } from './sweep-variants.mjs';
import { gatherSources, listBlobs, MORE_SOURCES } from './sweep-sources.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ALL_REPOS = ['dcm_qa', 'dcm_qa_ts', 'dcm_qa_enh', 'dcm_qa_philips_enh', 'dcm_qa_ge', 'dcm_qa_nih', 'dcm_qa_mosaic', 'dcm_qa_stc'];
// More public dcm2niix QA repositories (BSD-2 / CC0), swept as stand-ins for held-out exports: `--repos more`.
const MORE_REPOS = ['agfa', 'canon_61', 'toshiba', 'philips', 'philips_asl', 'philips_dwi', 'xa30', 'xa30i', 'xa60', 'sag', 'polar', 'decubitus']
  .concat(['decubitus_ge', '12bit', 'frag', 'fmap', 'mprage', 'table', 'trt', 'cs_dl', 'deident', 'spec', 'ct', 'uih'])
  .map((r) => `dcm_qa_${r}`);
const NEAR_MM = 0.02;
const PART = /^(_e\d+)?(_i\d{5,})?(_ph|_real|_imaginary|_fieldmaphz)?(_ADC)?$/;

function parseArgs(argv) {
  const o = { work: '/tmp/sweep', only: undefined, repos: ALL_REPOS, freshRef: false, timeout: 300, fileInput: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--work') o.work = argv[++i];
    else if (a === '--only') o.only = new RegExp(argv[++i]);
    else if (a === '--repos')
      o.repos = argv[++i]
        .split(',')
        .filter(Boolean)
        .flatMap((r) => (r === 'more' ? MORE_REPOS : r === 'all' ? ALL_REPOS : [r]));
    else if (a === '--fresh-ref') o.freshRef = true;
    else if (a === '--file-input') o.fileInput = true;
    else if (a === '--extra') o.extra = argv[++i];
    else if (a === '--sources') o.sources = argv[++i].split(',').flatMap((n) => (n === 'all' ? Object.keys(MORE_SOURCES) : [n]));
    else if (a === '--variants') o.variants = true;
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

/** Step 1: In/ of one bare mirror, blob by blob; returns { commit, written, skipped[] }. */
function extractRepo(repo, dest) {
  const gitDir = `/work/.mirror/neurolabusc+${repo}/repo`;
  const commit = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const marker = join(dest, '.extracted-in-ref');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
  const list = (...paths) => listBlobs(gitDir, paths);
  let entries = list('In', 'Ref');
  // A few QA repos (dcm_qa_agfa) keep their DICOM in top-level folders with no In/: every file in a
  // subfolder other than Ref/ is then taken as input, under In/<folder>.
  if (!entries.some((e) => e.path.startsWith('In/')))
    entries = list()
      .filter((e) => e.path.includes('/'))
      .map((e) => (e.path.startsWith('Ref/') ? e : { ...e, path: `In/${e.path}` }));
  const skipped = [];
  for (const e of entries) if (e.mode === '120000') skipped.push(`${e.path} (symlink / annex)`);
  const blobs = entries.filter((e) => e.mode !== '120000');
  // cat-file --batch in chunks of 50 blobs (each < 4 MiB in these snapshots); a missing object answers "<sha> missing".
  let written = 0;
  for (let c = 0; c < blobs.length; c += 50) {
    const chunk = blobs.slice(c, c + 50);
    const buf = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], { input: chunk.map((e) => e.sha).join('\n') + '\n', maxBuffer: 2 ** 30 }).stdout;
    let pos = 0;
    for (const e of chunk) {
      const nl = buf.indexOf(10, pos);
      const header = buf.subarray(pos, nl).toString('latin1');
      pos = nl + 1;
      if (header.endsWith(' missing')) {
        skipped.push(`${e.path} (absent from snapshot)`);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      const body = buf.subarray(pos, pos + size);
      pos += size + 1;
      if (size < 1024 && body.subarray(0, 40).toString('latin1').startsWith('version https://git-lfs')) {
        skipped.push(`${e.path} (LFS pointer)`);
        continue;
      }
      // dcm_qa_philips_enh stores its DICOM gzipped; its batch.sh gunzips In/ first, so do we.
      const gz = e.path.endsWith('.gz');
      const file = join(dest, gz ? e.path.slice(0, -3) : e.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, gz ? gunzipSync(body) : body);
      written++;
    }
  }
  const result = { commit, written, skipped };
  mkdirSync(dest, { recursive: true });
  writeFileSync(marker, JSON.stringify(result));
  return result;
}

/** Bundles the acceptance judge + the SDK parser / NIfTI reader into one module (esbuild). */
async function loadTools(work) {
  const { build } = await import('esbuild');
  const entry = join(work, 'tools-entry.ts');
  writeFileSync(
    entry,
    [
      `export { compareNiftiVolumes } from ${JSON.stringify(join(REPO_ROOT, 'test/helpers/nifti-compare.ts'))};`,
      `export { readNifti } from ${JSON.stringify(join(REPO_ROOT, 'src/io/nifti/read-nifti.ts'))};`,
      `export { parseDicomBytes } from ${JSON.stringify(join(REPO_ROOT, 'src/io/dicom/parse-header.ts'))};`,
    ].join('\n'),
  );
  const outfile = join(work, 'tools.mjs');
  await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error', external: ['onnxruntime-node', 'sharp'] });
  return import(pathToFileURL(outfile).href);
}

function readHead(file, n = 1 << 20) {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(n, statSync(file).size));
    readSync(fd, buf, 0, buf.length, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  } finally {
    closeSync(fd);
  }
}

/** Step 2: folders with files -> series folders (hard links), split by SeriesInstanceUID. */
function seriesFolders(tools, repoDir, repo, seriesRoot) {
  const result = [];
  const walk = (dir) => {
    const names = readdirSync(dir, { withFileTypes: true }).filter((d) => !d.name.startsWith('.'));
    const files = names.filter((d) => d.isFile()).map((d) => join(dir, d.name));
    for (const d of names) if (d.isDirectory()) walk(join(dir, d.name));
    if (files.length === 0) return;
    const byUid = new Map();
    for (const f of files) {
      let uid;
      try {
        uid = tools.parseDicomBytes(readHead(f), f, { headOnly: true }).dataSet.string('x0020000e') ?? '(no series uid)';
        // dcm_qa_ts holds one image in many transfer syntaxes under one series UID: each file is its own input.
        if (repo === 'dcm_qa_ts') uid += `/${f}`;
      } catch {
        continue;
      }
      if (!byUid.has(uid)) byUid.set(uid, []);
      byUid.get(uid).push(f);
    }
    const rel = relative(repoDir, dir);
    let n = 0;
    for (const [, group] of byUid) {
      const id = `${repo}/${rel}${byUid.size > 1 ? `#${++n}` : ''}`;
      const target = join(seriesRoot, id.replace(/#/g, '__s'));
      if (!existsSync(target)) {
        mkdirSync(target, { recursive: true });
        for (const f of group) linkSync(f, join(target, f.split('/').pop()));
      }
      result.push({ id, dir: target, files: group.length, refRoot: join(repoDir, '..', 'Ref') });
    }
  };
  if (existsSync(repoDir)) walk(repoDir);
  return result;
}

function run(cmd, args, timeoutS) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 124 : 1), out, err });
    });
  });
}

const niftis = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.nii(\.gz)?$/.test(f))
        .sort()
    : [];
const suffixOf = (f) => f.replace(/^out/, '').replace(/\.nii(\.gz)?$/, '');

/**
 * When ours disagrees with the installed dcm2niix: does it agree with one of the repository's own
 * reference files (Ref/, written by the dcm2niix version the QA suite pins)? Only files of the
 * same 4D shape are judged. Returns the agreeing file and the judge's detail, or undefined.
 */
async function agreeingQaRef(tools, read, refRoot, ourVol) {
  if (!existsSync(refRoot)) return undefined;
  const want = [...ourVol.geometry.size].sort((a, b) => a - b).join('x') + `x${ourVol.frames}`;
  for (const f of readdirSync(refRoot)
    .filter((n) => /\.nii(\.gz)?$/.test(n))
    .sort()) {
    let ref;
    try {
      ref = await read(join(refRoot, f));
    } catch {
      continue;
    }
    if ([...ref.geometry.size].sort((a, b) => a - b).join('x') + `x${ref.frames}` !== want) continue;
    const v = tools.compareNiftiVolumes(ref, ourVol);
    if (v.ok) return { file: f, detail: v.detail };
  }
  return undefined;
}

async function sweepSeries(tools, s, work, opts) {
  const key = s.id.replace(/[/#]/g, '__');
  const oursDir = join(work, 'ours', key);
  const refDir = join(work, 'ref', key);
  rmSync(oursDir, { recursive: true, force: true });
  mkdirSync(oursDir, { recursive: true });
  if (opts.freshRef || !existsSync(join(refDir, '.done'))) {
    rmSync(refDir, { recursive: true, force: true });
    mkdirSync(refDir, { recursive: true });
    const r = await run('dcm2niix', ['-z', 'y', '-b', 'n', '-f', 'out', '-o', refDir, s.dir], opts.timeout);
    writeFileSync(join(refDir, '.done'), String(r.code));
  }
  const t0 = Date.now();
  const input = opts.fileInput && s.files === 1 ? join(s.dir, readdirSync(s.dir)[0]) : s.dir;
  const ours = await run(process.execPath, [join(REPO_ROOT, 'bin/medinfer.js'), 'convert', input, join(oursDir, 'out.nii.gz')], opts.timeout);
  const seconds = (Date.now() - t0) / 1000;
  const refFiles = niftis(refDir);
  const refParts = refFiles.filter((f) => PART.test(suffixOf(f)));
  const refExtra = refFiles.filter((f) => !PART.test(suffixOf(f)));
  const ourFiles = niftis(oursDir);
  const row = { id: s.id, files: s.files, seconds, outcome: '', detail: '', refExtra: refExtra.map(suffixOf) };
  const firstLine = ours.err.trim().split('\n')[0] ?? '';
  if (ours.code !== 0) {
    const code = /\bE_[A-Z_]+\b/.exec(ours.err)?.[0];
    const msg = firstLine
      .replace(/^medinfer convert: /, '')
      .split(s.dir)
      .join('<series>')
      .slice(0, 220);
    if (!code) return { ...row, outcome: 'WRONG', detail: `untyped failure, exit ${ours.code}: ${msg}` };
    if (refParts.length === 0) return { ...row, outcome: refExtra.length ? 'refused' : 'both-none', code, detail: msg };
    return { ...row, outcome: 'refused', code, detail: `${refParts.length} dcm2niix part file(s): ${msg}` };
  }
  if (refFiles.length === 0) return { ...row, outcome: 'ours-only', detail: `ours ${ourFiles.join(', ')}` };
  if (refParts.length === 0) {
    const detail = `dcm2niix wrote only derived/split files (${refExtra.join(', ')}); ours ${ourFiles.join(', ')}`;
    // dcm2niix's _Raw (its name for an image it takes for raw data) of a file without patient position.
    if (refExtra.length === 1 && ourFiles.length === 1 && unplacedWarning(ours.err)) {
      const read = async (p) => tools.readNifti(readFileSync(p), { name: p, gunzip: (b) => gunzipSync(b) });
      if (sameValues(await read(join(refDir, refExtra[0])), await read(join(oursDir, ourFiles[0]))))
        return { ...row, outcome: 'unplaced', detail: `same values; ${detail}` };
    }
    return { ...row, outcome: 'WRONG', detail };
  }
  const details = [];
  let ok = true;
  let near = 0;
  let qaRef = false;
  let refOff = false;
  let unplaced = false;
  let reordered = false;
  const missing = refParts.filter((f) => !ourFiles.includes(f));
  const extra = ourFiles.filter((f) => !refParts.includes(f));
  if (missing.length) {
    ok = false;
    details.push(`missing ${missing.join(', ')}`);
  }
  const read = async (p) => tools.readNifti(readFileSync(p), { name: p, gunzip: (b) => gunzipSync(b) });
  // A part of ours with no dcm2niix part of its name (e.g. _rev: GE epi_pepolar reversed volumes, which
  // dcm2niix writes as another series, `outa`) is fine when it equals one of dcm2niix's files.
  const unmatched = [];
  for (const f of extra) {
    let twin;
    for (const r of refFiles.filter((r) => !(ourFiles.length === 1 && r === refParts[0]))) {
      try {
        if (tools.compareNiftiVolumes(await read(join(refDir, r)), await read(join(oursDir, f))).ok) twin = r;
      } catch {}
      if (twin !== undefined) break;
    }
    if (twin === undefined) unmatched.push(f);
    else details.push(`ours ${f} = dcm2niix ${twin}`);
  }
  if (unmatched.length) {
    ok = false;
    details.push(`extra ${unmatched.join(', ')}`);
  }
  for (const f of refParts) {
    let target = f;
    if (!ourFiles.includes(f)) {
      if (ourFiles.length !== 1 || f !== refParts[0]) continue;
      target = ourFiles[0];
    }
    try {
      const refVol = await read(join(refDir, f));
      const ourVol = await read(join(oursDir, target));
      let v = tools.compareNiftiVolumes(refVol, ourVol);
      const apart = /voxel centres up to ([0-9.e+-]+) mm apart/.exec(v.detail);
      if (!v.ok && apart && Number(apart[1]) < NEAR_MM) {
        // Judge again at NEAR_MM: equal values on a grid a few micrometres off is "near", not agree.
        const again = tools.compareNiftiVolumes(refVol, ourVol, { toleranceMm: NEAR_MM });
        if (again.ok) {
          near = Math.max(near, Number(apart[1]));
          v = { ...again, detail: `grid within ${apart[1]} mm: ${again.detail}; at 1e-3 mm: ${v.detail}` };
        }
      }
      if (!v.ok) {
        const qa = await agreeingQaRef(tools, read, s.refRoot, ourVol);
        if (qa !== undefined) {
          qaRef = true;
          v = { ok: true, detail: `agrees with the repo's own reference ${qa.file} (${qa.detail}); installed dcm2niix differs: ${v.detail}` };
        }
      }
      if (!v.ok && /grids differ/.test(v.detail)) {
        // Judged against the DICOM itself (positions-check.py: pydicom + nibabel, not our reader):
        // ours exact and dcm2niix's not (e.g. its plain file of a gantry-tilted CT) is "ref-off".
        const pos = positionsCheck(s.dir, [join(oursDir, target), join(refDir, f)]);
        if (pos !== undefined) {
          const [o, r] = pos;
          const exact = (x) => x.maxMm <= 1e-3 && x.sampled > 0 && x.matched === x.sampled;
          if (exact(o) && !exact(r)) refOff = true;
          const against = `ours ${o.maxMm} mm, ${o.matched}/${o.sampled} values; dcm2niix ${r.maxMm} mm, ${r.matched}/${r.sampled}`;
          v = { ...v, detail: `${v.detail}; against the DICOM positions: ${against}` };
        }
      }
      const order = v.ok ? undefined : volumeOrder(refVol, ourVol);
      if (order !== undefined && /values differ/.test(v.detail)) {
        reordered = true;
        v = { ...v, detail: `same grid, same volumes in another order (ours volume n = dcm2niix volume [${order.join(', ')}][n]): ${v.detail}` };
      }
      if (!v.ok && unplacedWarning(ours.err) && sameValues(refVol, ourVol)) {
        unplaced = true;
        v = { ...v, detail: `no patient position (ours: ${unplacedWarning(ours.err)}); same values, other grid: ${v.detail}` };
      }
      if (!v.ok) ok = false;
      details.push(`${refParts.length > 1 || target !== f ? `${target} vs ${f}: ` : ''}${v.detail}`);
    } catch (error) {
      ok = false;
      details.push(`${f}: judge failed: ${error.message.split('\n')[0]}`);
    }
  }
  const clean = missing.length === 0 && unmatched.length === 0;
  const wrongOr = (label) => (label && clean ? label : 'WRONG');
  const outcome = ok
    ? qaRef
      ? 'agree-Ref'
      : near > 0
        ? 'near'
        : 'agree'
    : refOff
      ? wrongOr('ref-off')
      : wrongOr((unplaced && 'unplaced') || (reordered && 'vol-order'));
  return { ...row, outcome, detail: details.join(' | ') };
}

/** positions-check.py's verdict on each NIfTI, or undefined when Debian's python3 with pydicom and nibabel is not there. */
function positionsCheck(seriesDir, files) {
  const r = spawnSync('/usr/bin/python3', [join(REPO_ROOT, 'scripts/dcm-qa/positions-check.py'), seriesDir, ...files], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const lines = r.stdout.trim().split('\n');
  return lines.length === files.length ? lines.map((l) => JSON.parse(l)) : undefined;
}

function table(rows, extraction) {
  const count = (o) => rows.filter((r) => r.outcome === o).length;
  const outcomes = ['agree', 'agree-Ref', 'near', 'ref-off', 'vol-order', 'unplaced', 'refused', 'both-none', 'WRONG', 'ours-only'];
  const lines = [
    `dcm2niix sweep: ${rows.length} series; ${outcomes.map((o) => `${count(o)} ${o}`).join(', ')}`,
    '',
    '| series | files | outcome | detail | extra dcm2niix output |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.id} | ${r.files} | ${r.outcome}${r.code ? ` ${r.code}` : ''} | ${r.detail.replace(/\|/g, '/').slice(0, 400)} | ${r.refExtra.join(' ')} |`,
    ),
    '',
    'Extraction (files the snapshots lack are skipped):',
    ...extraction.map((e) => `- ${e.repo}@${e.commit}: ${e.written} files, ${e.skipped.length} skipped${e.skipped.length ? ` (${e.skipped.join('; ')})` : ''}`),
  ];
  return lines.join('\n');
}

async function mainSweep() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(opts.work, { recursive: true });
  const tools = await loadTools(opts.work);
  const extraction = [];
  const series = [];
  for (const repo of opts.repos) {
    const dest = join(opts.work, 'src', repo);
    const e = extractRepo(repo, dest);
    extraction.push({ repo, ...e });
    series.push(...seriesFolders(tools, join(dest, 'In'), repo, join(opts.work, 'series')));
  }
  if (opts.sources) {
    const more = gatherSources(opts.sources, opts.work, readHead, (bytes, name) => tools.parseDicomBytes(bytes, name, { headOnly: true }));
    series.push(...more.series);
    extraction.push(...more.extraction);
  }
  if (opts.variants) series.push(...buildVariants(series, join(opts.work, 'variants')));
  if (opts.extra) {
    for (const name of readdirSync(opts.extra).sort()) {
      const dir = join(opts.extra, name);
      if (statSync(dir).isDirectory()) series.push({ id: `extra/${name}`, dir, files: readdirSync(dir).length, refRoot: '' });
    }
  }
  const chosen = series.filter((s) => !opts.only || opts.only.test(s.id));
  const rows = [];
  for (const s of chosen) {
    const r = await sweepSeries(tools, s, opts.work, opts);
    rows.push(r);
    process.stderr.write(`${rows.length}/${chosen.length} ${r.outcome.padEnd(9)} ${r.id} (${r.seconds.toFixed(1)} s)\n`);
  }
  const text = table(rows, extraction);
  writeFileSync(join(opts.work, 'sweep.md'), text + '\n');
  writeFileSync(join(opts.work, 'sweep.json'), JSON.stringify(rows, null, 1));
  console.log(text);
}

await mainSweep();
