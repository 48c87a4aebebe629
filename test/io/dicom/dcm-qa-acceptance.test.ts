/**
 * Acceptance test of issue 21 (requirement 5): medinfer's DICOM reading is "dcm2niix-grade" on
 * the dcm2niix QA subset in test/fixtures/dcm-qa/ (cases.json, SOURCES.md).
 *
 * For every case the real CLI runs in-process, `medinfer convert <case folder> <tmp>/out.nii.gz`,
 * and each output is judged against dcm2niix's reference NIfTI by test/helpers/nifti-compare.ts
 * (same grid at the same world positions within 1e-3 mm, same volumes in the same order, values
 * equal after each side's scl_slope/scl_inter). A series that splits (echoes, phase, real /
 * imaginary) must give exactly the files `out<part>.nii.gz` that cases.json names.
 * Outcomes:
 *   agree    exit 0, every expected output present and equal, nothing extra;
 *   refused  exit != 0 with a typed error (E_...): allowed only where cases.json gives
 *            `refusalOk` (why dcm2niix itself gives no single answer);
 *   WRONG    exit 0 with a disagreeing, missing or extra output - or a failure without a typed
 *            error.
 * The table (case, kind, outcome, detail) is printed, not written: the suite must not dirty the tree.
 *
 * Runs in every suite run; the table is printed (npx vitest run test/io/dicom/dcm-qa-acceptance.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { runMain } from '../../helpers/cli-main.js';
import { readNifti } from '../../../src/io/nifti/read-nifti.js';
import { compareNiftiVolumes } from '../../helpers/nifti-compare.js';

const ROOT = fileURLToPath(new URL('../../fixtures/dcm-qa/', import.meta.url));

interface Case {
  id: string;
  repo: string;
  input: string;
  refs: { file: string; part: string }[];
  kind: string;
  note?: string;
  refusalOk?: string;
}
type Outcome = 'agree' | 'refused' | 'WRONG';
interface Row {
  id: string;
  kind: string;
  outcome: Outcome;
  detail: string;
  refusalOk?: string;
}

const cases = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as Case[];
const rows = new Map<string, Row>();

const cli = (argv: string[]) => runMain(argv);

const readVolume = async (path: string) => readNifti(readFileSync(path), { name: path, gunzip: (b) => gunzipSync(b) });

async function judge(c: Case, work: string): Promise<Row> {
  const dir = mkdtempSync(join(work, `${c.id}-`));
  const row = (outcome: Outcome, detail: string): Row => ({ id: c.id, kind: c.kind, outcome, detail, ...(c.refusalOk ? { refusalOk: c.refusalOk } : {}) });
  let result: { code: number; err: string };
  try {
    result = await cli(['convert', join(ROOT, c.input), join(dir, 'out.nii.gz')]);
  } catch (error) {
    return row('WRONG', `threw without a typed error: ${(error as Error).message.split('\n')[0]}`);
  }
  const firstLine = result.err.trim().split('\n')[0] ?? '';
  if (result.code !== 0) {
    const typed = /\bE_[A-Z_]+\b/.test(result.err);
    return row(
      typed ? 'refused' : 'WRONG',
      `${typed ? '' : 'untyped failure: '}exit ${result.code}: ${firstLine
        .replace(/^medinfer convert: /, '')
        .replace(join(ROOT, c.input), '<case>')
        .slice(0, 160)}`,
    );
  }
  const written = readdirSync(dir)
    .filter((f) => /\.nii(\.gz)?$/.test(f))
    .sort();
  const expected = c.refs.map((r) => `out${r.part}.nii.gz`);
  const details: string[] = [];
  let ok = true;
  const missing = expected.filter((f) => !written.includes(f));
  const extra = written.filter((f) => !expected.includes(f));
  if (missing.length > 0) {
    ok = false;
    details.push(`missing ${missing.join(', ')}`);
  }
  if (extra.length > 0) {
    ok = false;
    details.push(`extra ${extra.join(', ')}`);
  }
  for (const ref of c.refs) {
    const name = `out${ref.part}.nii.gz`;
    let target = name;
    // One output where several were expected: still judge it against the first reference, to say what it holds.
    if (!written.includes(name)) {
      if (written.length !== 1 || ref !== c.refs[0]) continue;
      target = written[0]!;
    }
    const verdict = compareNiftiVolumes(await readVolume(join(ROOT, ref.file)), await readVolume(join(dir, target)));
    if (!verdict.ok || target !== name) ok = false;
    details.push(`${c.refs.length > 1 || target !== name ? `${target} vs ${ref.file.split('/').pop()}: ` : ''}${verdict.detail}`);
  }
  return row(ok ? 'agree' : 'WRONG', details.join(' | '));
}

function renderTable(all: Row[]): string {
  const count = (o: Outcome): number => all.filter((r) => r.outcome === o).length;
  const lines = [
    `dcm2niix QA acceptance: ${all.length} cases, ${count('agree')} agree, ${count('refused')} refused, ${count('WRONG')} WRONG`,
    '',
    '| case | kind | outcome | detail |',
    '|---|---|---|---|',
    ...all.map((r) => `| ${r.id} | ${r.kind} | ${r.outcome} | ${r.detail.replace(/\|/g, '/')} |`),
  ];
  return lines.join('\n');
}

describe('dcm2niix QA acceptance (issue 21)', () => {
  const work = mkdtempSync(join(tmpdir(), 'medinfer-dcmqa-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has a well-formed case list', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.refs.length).toBeGreaterThan(0);
      expect(readdirSync(join(ROOT, c.input)).length).toBeGreaterThan(0);
      // The part convention (dcm2niix's names): _e<N> (every echo when several) then _ph | _real | _imaginary | _fieldmaphz.
      for (const r of c.refs) expect(r.part).toMatch(/^(_e\d+)?(_ph|_real|_imaginary|_fieldmaphz)?$/);
    }
  });

  for (const c of cases) {
    it(`${c.id}: ${c.kind}`, async () => {
      const row = await judge(c, work);
      rows.set(c.id, row);
      expect(row.outcome, row.detail).not.toBe('WRONG');
      if (row.outcome === 'refused') expect(c.refusalOk, `refused without refusalOk: ${row.detail}`).toBeDefined();
    });
  }

  it('summary: no case WRONG, at least 95 % agree', () => {
    const all = cases.map((c) => rows.get(c.id) ?? { id: c.id, kind: c.kind, outcome: 'WRONG' as const, detail: 'not run' });
    console.log(renderTable(all));
    expect(all.filter((r) => r.outcome === 'WRONG').map((r) => r.id)).toEqual([]);
    expect(all.filter((r) => r.outcome === 'agree').length / all.length).toBeGreaterThanOrEqual(0.95);
  });
});
