#!/usr/bin/env node
/**
 * Writes test/fixtures/dcm-qa/sidecar-ref.json: for every case and part of the committed QA subset
 * (cases.json, keyed `<id><part>`), the values of dcm2niix's own Ref/<name>.json (and .bval / .bvec) for the
 * fields medinfer's sidecar writes (test/helpers/sidecar-judge.ts SIDECAR_FIELDS) - nothing else,
 * so no institution, station, time or free-text field of those files is copied. Each entry names
 * its source (repository, commit, path, sha256 of the file as committed there). Reads the bare
 * mirrors (/work/.mirror/neurolabusc+<repo>/repo) at the commits SOURCES.md records; writes the
 * provenance table SOURCES-sidecar.md beside it.
 *
 *   node scripts/dcm-qa/build-sidecar-ref.mjs   (byte-identical output for the same mirrors)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../test/fixtures/dcm-qa/', import.meta.url));
const FIELDS = readFileSync(fileURLToPath(new URL('../../test/helpers/sidecar-judge.ts', import.meta.url)), 'utf8')
  .split('export const SIDECAR_FIELDS = [')[1]
  .split('] as const')[0]
  .match(/'([A-Za-z]+)'/g)
  .map((s) => s.slice(1, -1));

/** Commit of each repository as SOURCES.md records it. */
function commits() {
  const out = {};
  let repo;
  for (const line of readFileSync(`${ROOT}SOURCES.md`, 'utf8').split('\n')) {
    const heading = /^## (dcm_qa\w*)/.exec(line);
    if (heading) repo = heading[1];
    const commit = /^- commit: ([0-9a-f]{40})/.exec(line);
    if (commit && repo) out[repo] = commit[1];
  }
  return out;
}

const show = (repo, commit, path) => {
  try {
    return execFileSync('git', [`--git-dir=/work/.mirror/neurolabusc+${repo}/repo`, 'show', `${commit}:${path}`], {
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
};

const cases = JSON.parse(readFileSync(`${ROOT}cases.json`, 'utf8'));
const at = commits();
const out = {};
for (const c of cases)
  for (const ref of c.refs) {
    // dcm_qa_ts: the nine Ref NIfTIs are byte-identical (only Ref/1 is stored), their JSONs are not.
    const stem =
      c.repo === 'dcm_qa_ts'
        ? c.id.slice(2)
        : ref.file
            .split('/')
            .pop()
            .replace(/\.nii\.gz$/, '');
    const sources = [];
    const text = (ext) => {
      const bytes = show(c.repo, at[c.repo], `Ref/${stem}${ext}`);
      if (bytes === undefined) return undefined;
      sources.push({ path: `Ref/${stem}${ext}`, sha256: createHash('sha256').update(bytes).digest('hex') });
      return bytes.toString('utf8');
    };
    const json = text('.json');
    if (json === undefined) throw new Error(`${c.repo}@${at[c.repo]}: Ref/${stem}.json missing`);
    const full = JSON.parse(json);
    const values = Object.fromEntries(FIELDS.filter((f) => full[f] !== undefined).map((f) => [f, full[f]]));
    const numbers = (t) => t.trim().split(/\s+/).map(Number);
    const bval = text('.bval');
    const bvec = text('.bvec');
    if (bval !== undefined) values.bval = numbers(bval);
    if (bvec !== undefined) values.bvec = bvec.trim().split('\n').map(numbers);
    out[`${c.id}${ref.part}`] = { repo: c.repo, commit: at[c.repo], sources, dcm2niix: full.ConversionSoftwareVersion, values };
  }
writeFileSync(`${ROOT}sidecar-ref.json`, `${JSON.stringify(out, null, 1)}\n`);
const rows = Object.entries(out).flatMap(([key, v]) =>
  v.sources.map((f) => `| ${key} | ${v.repo}@${v.commit} | \`${f.path}\` | \`${f.sha256}\` | dcm2niix ${v.dcm2niix} |`),
);
const sources = [
  '# dcm2niix sidecar values (sidecar-ref.json): sources',
  '',
  'Built by `node scripts/dcm-qa/build-sidecar-ref.mjs` from the `Ref/` BIDS sidecars (and `.bval` / `.bvec`) of the',
  'dcm2niix QA repositories of Chris Rorden (github.com/neurolabusc), BSD 2-Clause, at the commits SOURCES.md records',
  '(the snapshots of the DICOM cases; copyright lines there). Only the values of the fields medinfer writes',
  '(test/helpers/sidecar-judge.ts SIDECAR_FIELDS) are copied: no institution, station, serial number, time or',
  'free-text field. Keys are `<case id><part>` of cases.json; sha256 of each file as committed in its repository.',
  '',
  '| key | repository@commit | path | sha256 | written by |',
  '|---|---|---|---|---|',
  ...rows,
];
writeFileSync(`${ROOT}SOURCES-sidecar.md`, `${sources.join('\n')}\n`);
console.log(`${Object.keys(out).length} references -> test/fixtures/dcm-qa/sidecar-ref.json`);
