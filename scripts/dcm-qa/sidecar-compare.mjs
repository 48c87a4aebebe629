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
 * paired by part suffix (as the sweep pairs them). Every field medinfer writes is judged against
 * dcm2niix's value of the same name:
 *  - numbers: equal within 1e-5 relative (dcm2niix prints %g: six significant digits);
 *  - Manufacturer: agree when dcm2niix's own short name of ours (its first-two-letters rule,
 *    nii_dicom.cpp dcmStrManufacturer) is its value; ours is the DICOM text;
 *  - ImageType: agree when dcm2niix's list is ours, or ours plus the image component it appends
 *    (MAGNITUDE / PHASE / REAL / IMAGINARY / FIELDMAPHZ);
 *  - PhaseEncodingDirection / PhaseEncodingAxis: the voxel axis (and sign) mapped to world
 *    through each file's own sform; an axis is compared up to sign;
 *  - SliceTiming: each of our slices paired with dcm2niix's slice at the same world position
 *    (1e-3 mm along the normal), times within 1e-4 s;
 *  - .bval equal within 1e-3; .bvec: each volume's vector mapped to world through each file's
 *    sform (FSL: x negated when the determinant is positive), agree when parallel or
 *    antiparallel within 1e-3 (a gradient's sign is arbitrary; antiparallel is counted apart);
 *    b = 0 volumes' vectors are not compared (no direction).
 * Result: a table field x (agree / differ / ours-only / theirs-only) over every paired file, and
 * each "differ" listed, in <work>/sidecar-compare.md and .json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PART = /^(_e\d+)?(_i\d{5,})?(_ph|_real|_imaginary|_fieldmaphz)?(_ADC)?$/;
const FIELDS = [
  'Modality',
  'MagneticFieldStrength',
  'Manufacturer',
  'ManufacturersModelName',
  'MRAcquisitionType',
  'ImageType',
  'SeriesNumber',
  'SliceThickness',
  'SpacingBetweenSlices',
  'EchoNumber',
  'EchoTime',
  'RepetitionTime',
  'InversionTime',
  'FlipAngle',
  'EchoTrainLength',
  'PhaseEncodingDirection',
  'PhaseEncodingAxis',
  'SliceTiming',
  'bval',
  'bvec',
];

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

/** sform rows (4x3 used) and dims of an uncompressed NIfTI-1 / -2 file. */
function readSform(path) {
  const b = readFileSync(path);
  const v1 = b.readInt32LE(0) === 348;
  const dims = v1 ? [1, 2, 3, 4].map((k) => b.readInt16LE(40 + 2 * k)) : [1, 2, 3, 4].map((k) => Number(b.readBigInt64LE(16 + 8 * k)));
  const row = (r) => [0, 1, 2, 3].map((c) => (v1 ? b.readFloatLE(280 + 16 * r + 4 * c) : b.readDoubleLE(400 + 32 * r + 8 * c)));
  return { rows: [row(0), row(1), row(2)], dims };
}

const column = (s, a) => [s.rows[0][a], s.rows[1][a], s.rows[2][a]];
const norm = (v) => Math.hypot(...v);
const unit = (v) => v.map((x) => x / norm(v));
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const det3 = (s) => {
  const [a, b, c] = [column(s, 0), column(s, 1), column(s, 2)];
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
};

/** World (RAS) direction of a BIDS direction string ('j-') in a file's voxel axes. */
function peWorld(value, s) {
  const axis = { i: 0, j: 1, k: 2 }[value[0]];
  if (axis === undefined) return undefined;
  const v = unit(column(s, axis));
  return value.endsWith('-') ? v.map((x) => -x) : v;
}

/** bvec column (FSL frame) -> world unit vector through the file's sform. */
function bvecWorld(g, s) {
  if (norm(g) === 0) return [0, 0, 0];
  const flip = det3(s) > 0 ? -1 : 1;
  const v = [flip * g[0], g[1], g[2]];
  const cols = [0, 1, 2].map((a) => unit(column(s, a)));
  return unit([0, 1, 2].map((r) => cols[0][r] * v[0] + cols[1][r] * v[1] + cols[2][r] * v[2]));
}

const numbersEqual = (a, b) => typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));
const SHORT = [
  ['SI', 'Siemens'],
  ['GE', 'GE'],
  ['HI', 'Hitachi'],
  ['ME', 'Mediso'],
  ['PH', 'Philips'],
  ['TO', 'Toshiba'],
  ['CA', 'Canon'],
  ['CP', 'Siemens'],
  ['UI', 'UIH'],
  ['BR', 'Bruker'],
  ['MR', 'MRSolutions'],
  ['HY', 'Hyperfine'],
];
const COMPONENTS = ['MAGNITUDE', 'PHASE', 'REAL', 'IMAGINARY', 'FIELDMAPHZ'];

/** 'agree' | 'differ: why' for one field present in both files. */
function judge(field, ours, theirs, ctx) {
  switch (field) {
    case 'Manufacturer': {
      const short = SHORT.find(([p]) => ours.toUpperCase().startsWith(p))?.[1];
      return short === theirs || ours === theirs ? 'agree' : `differ: ${ours} vs ${theirs}`;
    }
    case 'ImageType': {
      const extra = theirs.slice(ours.length);
      const same = ours.every((v, k) => v === theirs[k]) && extra.every((v) => COMPONENTS.includes(v));
      if (same) return 'agree';
      // dcm2niix keeps ImageType '_'-joined internally and splits it at every '_' (nii_dicom_batch.cpp
      // nii_SaveBIDSX), so a value holding '_' (Siemens ECHO_00) comes out as two.
      const split = ours.flatMap((v) => v.split('_'));
      if (split.every((v, k) => v === theirs[k]) && theirs.slice(split.length).every((v) => COMPONENTS.includes(v)))
        return `explained: dcm2niix splits at '_': ${ours.join('\\')} vs ${theirs.join('\\')}`;
      return `differ: ${ours.join('\\')} vs ${theirs.join('\\')}`;
    }
    case 'PhaseEncodingDirection':
    case 'PhaseEncodingAxis': {
      const a = peWorld(ours, ctx.ours);
      const b = peWorld(theirs, ctx.theirs);
      if (!a || !b) return `differ: ${ours} vs ${theirs}`;
      const d = dot(a, b);
      const ok = field === 'PhaseEncodingAxis' ? Math.abs(d) > 0.999 : d > 0.999;
      return ok ? 'agree' : `differ: ours ${ours} vs ${theirs} (world dot ${d.toFixed(3)})`;
    }
    case 'SliceTiming': {
      if (ours.length !== theirs.length) return `differ: ${ours.length} vs ${theirs.length} slices`;
      // World position of slice k along our slice axis; dcm2niix's slice at the same position.
      const n = ours.length;
      const ko = unit(column(ctx.ours, 2));
      const pos = (s, k) => [0, 1, 2].map((r) => s.rows[r][2] * k + s.rows[r][3]);
      for (let k = 0; k < n; k++) {
        const p = dot(pos(ctx.ours, k), ko);
        const m = [...Array(n).keys()].find((j) => Math.abs(dot(pos(ctx.theirs, j), ko) - p) < 1e-3);
        if (m === undefined) return `differ: our slice ${k} has no dcm2niix slice at its position`;
        if (Math.abs(ours[k] - theirs[m]) > 1e-4) return `differ: slice ${k} ${ours[k]} s vs dcm2niix slice ${m} ${theirs[m]} s`;
      }
      return 'agree';
    }
    case 'bval': {
      if (ours.length !== theirs.length) return `differ: ${ours.length} vs ${theirs.length} volumes`;
      const bad = ours.findIndex((b, k) => Math.abs(b - theirs[k]) > 1e-3 * Math.max(1, theirs[k]));
      return bad < 0 ? 'agree' : `differ: volume ${bad + 1}: ${ours[bad]} vs ${theirs[bad]}`;
    }
    case 'bvec': {
      if (ours[0].length !== theirs[0].length) return `differ: ${ours[0].length} vs ${theirs[0].length} volumes`;
      let antiparallel = 0;
      for (let v = 0; v < ours[0].length; v++) {
        // A b = 0 volume has no direction (dcm2niix copies Philips' stated placeholder (1, 0, 0) unrotated).
        if (ctx.bval?.[v] === 0) continue;
        const a = bvecWorld(
          [0, 1, 2].map((r) => ours[r][v]),
          ctx.ours,
        );
        const b = bvecWorld(
          [0, 1, 2].map((r) => theirs[r][v]),
          ctx.theirs,
        );
        if (norm(a) === 0 || norm(b) === 0) {
          if (norm(a) !== norm(b)) return `differ: volume ${v + 1}: zero vs non-zero`;
          continue;
        }
        const d = dot(a, b);
        if (d < -0.999) antiparallel++;
        else if (d < 0.999) return `differ: volume ${v + 1}: world dot ${d.toFixed(4)}`;
      }
      return antiparallel ? `agree (${antiparallel} antiparallel)` : 'agree';
    }
    default:
      if (typeof ours === 'number') return numbersEqual(ours, theirs) ? 'agree' : `differ: ${ours} vs ${theirs}`;
      return JSON.stringify(ours) === JSON.stringify(theirs) ? 'agree' : `differ: ${JSON.stringify(ours)} vs ${JSON.stringify(theirs)}`;
  }
}

/** A file's sidecar-like record: its JSON fields plus bval / bvec when present. */
function readRecord(dir, base) {
  const json = join(dir, `${base}.json`);
  if (!existsSync(json)) return undefined;
  const rec = JSON.parse(readFileSync(json, 'utf8'));
  const numbers = (text) => text.trim().split(/\s+/).map(Number);
  if (existsSync(join(dir, `${base}.bval`))) rec.bval = numbers(readFileSync(join(dir, `${base}.bval`), 'utf8'));
  if (existsSync(join(dir, `${base}.bvec`)))
    rec.bvec = readFileSync(join(dir, `${base}.bvec`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => numbers(l));
  return rec;
}

function compareSeries(dir, id, work, fresh) {
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
  const ours = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/medinfer.js'), 'convert', dir, join(oursDir, 'out.nii'), '--quiet'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  const warnings = (ours.stderr ?? '').split('\n').filter((l) => l.includes('.bval') || l.includes('left out'));
  const bases = (d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.nii'))
      .map((f) => f.slice(0, -4));
  const pairs = [];
  for (const base of bases(oursDir)) {
    if (!PART.test(base.replace(/^out/, '')) || !existsSync(join(refDir, `${base}.nii`))) continue;
    const o = readRecord(oursDir, base);
    const t = readRecord(refDir, base);
    if (!o || !t) continue;
    const ctx = { ours: readSform(join(oursDir, `${base}.nii`)), theirs: readSform(join(refDir, `${base}.nii`)), bval: o.bval };
    const fields = {};
    for (const f of FIELDS) {
      const has = (r) => r[f] !== undefined;
      if (has(o) && has(t)) fields[f] = judge(f, o[f], t[f], ctx);
      else if (has(o)) fields[f] = 'ours-only';
      else if (has(t)) fields[f] = 'theirs-only';
    }
    pairs.push({ id: `${id}${base.slice(3)}`, fields });
  }
  return { id, pairs, warnings, exit: ours.status };
}

function table(results) {
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
  if (warned.length) lines.push('', 'no .bval / .bvec (medinfer warnings):', ...warned);
  return lines.join('\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const root = join(opts.work, 'series');
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: run the sweep's extraction first (see the header)`);
  const dirs = seriesDirs(root).filter((d) => !opts.only || opts.only.test(relative(root, d)));
  const results = [];
  for (const dir of dirs) {
    const id = relative(root, dir);
    results.push(compareSeries(dir, id, opts.work, opts.fresh));
    process.stderr.write(`${results.length}/${dirs.length} ${id}: ${results.at(-1).pairs.length} file(s)\n`);
  }
  const text = table(results);
  writeFileSync(join(opts.work, 'sidecar-compare.md'), `${text}\n`);
  writeFileSync(join(opts.work, 'sidecar-compare.json'), JSON.stringify(results, null, 1));
  console.log(text);
}

main();
