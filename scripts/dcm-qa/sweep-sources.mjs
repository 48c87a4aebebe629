/**
 * Public DICOM beyond the dcm2niix QA repositories, for sweep.mjs `--sources` (development only:
 * nothing here is committed data). Each source is a bare mirror brought by the session's `fetch`
 * tool to /work/.mirror/<owner>+<name>/repo; files the snapshot lacks (>= 4 MiB), symlinks
 * (git-annex) and LFS pointers are skipped and counted, *.gz files are gunzipped, *.zst files
 * decompressed with the zstd command.
 *
 * Grouping (these repositories are test-file collections, not exports): files of one folder with
 * one SeriesInstanceUID are one series when their SOPInstanceUIDs are distinct and they share a
 * transfer syntax and Rows; otherwise (one image in several encodings under one UID, as pydicom's
 * MR_small*.dcm) each file is its own series. Files the SDK parser cannot read are their own
 * series when they look like DICOM (a .dcm name or 'DICM' at byte 128): a corrupt file must be
 * refused typed, never skipped here.
 *
 * `refs`: folders of the repository's own reference NIfTI (dicom2nifti's <case>_ground_truth.nii.gz
 * next to each case folder); sweep.mjs judges ours against them when dcm2niix disagrees (agree-Ref).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** name -> { repo, prefixes, licence, refs? }. Licences as the repositories state them (data files may differ: see each repo). */
export const MORE_SOURCES = {
  nibabel: { repo: 'nipy/nibabel', prefixes: ['nibabel/nicom/tests/data/'], licence: 'MIT' },
  heudiconv: { repo: 'nipy/heudiconv', prefixes: ['heudiconv/tests/data/'], licence: 'Apache-2.0' },
  pydicom: { repo: 'pydicom/pydicom', prefixes: ['src/pydicom/data/test_files/'], licence: 'MIT (test files: see its README)' },
  'pydicom-data': { repo: 'pydicom/pydicom-data', prefixes: ['data_store/data/'], licence: 'MIT (per-file notes)' },
  dwv: { repo: 'ivmartel/dwv', prefixes: ['tests/data/', 'tests/annotation/'], licence: 'GPL-3.0 (code); data of several origins: development only' },
  dicomParser: { repo: 'cornerstonejs/dicomParser', prefixes: ['testImages/', 'examples/nodejs/'], licence: 'MIT' },
  'fo-dicom': { repo: 'fo-dicom/fo-dicom', prefixes: ['Tests/FO-DICOM.Tests/Test Data/', 'Tests/FO-DICOM.Benchmark/Data/'], licence: 'MS-PL' },
  dicom2nifti: { repo: 'icometrix/dicom2nifti', prefixes: ['tests/data/'], licence: 'MIT', refs: true },
  dcmstack: { repo: 'moloney/dcmstack', prefixes: ['test/data/'], licence: 'MIT' },
  // CT, DX, slide-microscopy tiles (TILED_FULL, JPEG-LS), SEG and SR objects.
  highdicom: { repo: 'ImagingDataCommons/highdicom', prefixes: ['data/test_files/'], licence: 'MIT' },
  // NEMA WG04 compression set (CT, MR, NM, US, XA ... each uncompressed and in 7 syntaxes) and dcmqi's CT / ADC series, *.zst.
  'dicom-test-files': { repo: 'robyoung/dicom-test-files', prefixes: ['data/WG04/', 'data/dcmqi/'], licence: 'MIT / Apache-2.0 (dcmqi: BSD-3)' },
};

/** Not DICOM: documentation, tables, reference outputs (kept apart when the source has refs). */
const NOT_DICOM = /\.(json|dump|txt|py|bin|pfx|xml|zip|md|bval|bvec|npy|nii|PAR|REC|rst|html|png|jpg)$/i;

/** Blobs (files, symlinks) under `paths` at HEAD of a bare mirror: [{ mode, type, sha, path }]. */
export function listBlobs(gitDir, paths) {
  return execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', 'HEAD', ...paths], { maxBuffer: 1 << 28 })
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t');
      const [mode, type, sha] = meta.split(' ');
      return { mode, type, sha, path };
    })
    .filter((e) => e.type === 'blob');
}

/** Files of `prefixes` at HEAD of a bare mirror into dest; returns { commit, written, skipped[] }. */
function extractSource(gitDir, prefixes, dest) {
  const marker = join(dest, '.extracted');
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, 'utf8'));
  const commit = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const entries = listBlobs(gitDir, prefixes);
  const skipped = [];
  let written = 0;
  for (const e of entries) {
    if (e.mode === '120000') {
      skipped.push(`${e.path} (symlink / annex)`);
      continue;
    }
    const r = spawnSync('git', ['--git-dir', gitDir, 'cat-file', 'blob', e.sha], { maxBuffer: 2 ** 30 });
    if (r.status !== 0) {
      skipped.push(`${e.path} (absent from snapshot)`);
      continue;
    }
    let body = r.stdout;
    if (body.length < 1024 && body.subarray(0, 40).toString('latin1').startsWith('version https://git-lfs')) {
      skipped.push(`${e.path} (LFS pointer)`);
      continue;
    }
    let path = e.path;
    if (path.endsWith('.zst')) {
      const z = spawnSync('zstd', ['-d', '-c', '-q'], { input: body, maxBuffer: 2 ** 30 });
      if (z.status !== 0) {
        skipped.push(`${e.path} (zstd failed or absent)`);
        continue;
      }
      body = z.stdout;
      path = path.slice(0, -4);
    } else if (path.endsWith('.gz')) {
      try {
        body = gunzipSync(body);
        path = path.slice(0, -3);
      } catch {
        skipped.push(`${e.path} (not gzip)`);
        continue;
      }
    }
    const file = join(dest, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
    written++;
  }
  const result = { commit, written, skipped };
  writeFileSync(marker, JSON.stringify(result));
  return result;
}

const looksDicom = (file, head) => /\.dcm$/i.test(file) || (head.length >= 132 && Buffer.from(head.subarray(128, 132)).toString('latin1') === 'DICM');

/**
 * Extracts each named source and groups its files into series folders (hard links) under
 * <work>/series/src/<name>/...; returns { series: [{ id, dir, files, refRoot }], extraction: [...] }.
 * `readHead(file)` gives a file's first bytes, `parse(bytes, name)` the SDK's head-only parse.
 */
export function gatherSources(names, work, readHead, parse) {
  const series = [];
  const extraction = [];
  for (const name of names) {
    const source = MORE_SOURCES[name];
    if (source === undefined) throw new Error(`unknown source ${name} (known: ${Object.keys(MORE_SOURCES).join(', ')})`);
    const gitDir = `/work/.mirror/${source.repo.replace('/', '+')}/repo`;
    if (!existsSync(gitDir)) throw new Error(`${source.repo}: no mirror at ${gitDir} (bring it with the fetch tool)`);
    const root = join(work, 'src', `more-${name}`);
    const e = extractSource(gitDir, source.prefixes, root);
    extraction.push({ repo: `${source.repo} (${source.licence})`, ...e });
    const groups = new Map();
    const walk = (dir) => {
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        if (d.name.startsWith('.')) continue;
        const file = join(dir, d.name);
        if (d.isDirectory()) {
          walk(file);
          continue;
        }
        if (NOT_DICOM.test(d.name)) continue;
        const head = readHead(file);
        let key;
        let facts;
        try {
          const parsed = parse(head, file);
          const ds = parsed.dataSet;
          facts = { sop: ds.string('x00080018'), ts: parsed.transferSyntaxUid, rows: ds.uint16('x00280010') };
          key = `${dir}\0${ds.string('x0020000e') ?? ''}`;
        } catch {
          if (!looksDicom(file, head)) continue;
          key = `${file}\0unreadable`;
        }
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push({ file, facts });
      }
    };
    walk(root);
    for (const [key, members] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const facts = members.map((m) => m.facts);
      const oneSeries =
        !key.endsWith('\0') &&
        facts.every((f) => f !== undefined && f.sop !== undefined) &&
        new Set(facts.map((f) => f.sop)).size === members.length &&
        new Set(facts.map((f) => f.ts)).size === 1 &&
        new Set(facts.map((f) => f.rows)).size === 1;
      const sets = oneSeries ? [members] : members.map((m) => [m]);
      for (const set of sets) {
        const folder = relative(root, dirname(set[0].file));
        const id = `${name}/${folder}/${basename(set[0].file)}${set.length > 1 ? ` (+${set.length - 1})` : ''}`;
        // Flat leaf folders: a series folder never holds another (convert reads folders recursively).
        const dir = join(work, 'series', 'src', id.replace(/\//g, '__').replace(/[^A-Za-z0-9._+-]/g, '_'));
        if (!existsSync(dir)) {
          mkdirSync(dir, { recursive: true });
          for (const m of set) linkSync(m.file, join(dir, basename(m.file)));
        }
        // dicom2nifti keeps <case>_ground_truth.nii(.gz) beside the <case> folder.
        series.push({ id, dir, files: set.length, refRoot: source.refs ? dirname(dirname(set[0].file)) : '' });
      }
    }
  }
  return { series, extraction };
}
