/**
 * `medinfer run` on a DICOM carrying every PS3.15 Basic Confidentiality Profile attribute as a
 * marker string: nothing it writes (results.jsonl, per-input JSON, overlays, errors.jsonl) or
 * prints carries a marker. Needs dist/ (npx tsc -p .), as the other CLI tests.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, batchFlags, filesUnder, makeWorkDir, runCli, writeTestManifest } from '../fixtures/cli/cli-harness.js';
import { MARK, writeMarkedInputs } from '../io/dicom/phi-marked.js';

let work: string;
let manifest: string;

beforeAll(() => {
  assertBuilt();
  work = makeWorkDir('medinfer-run-phi-');
  manifest = writeTestManifest(work);
  writeMarkedInputs(join(work, 'in'));
});

afterAll(() => {
  if (process.env.KEEP_RUN_PHI === undefined) rmSync(work, { recursive: true, force: true });
  else console.log(work);
});

describe('medinfer run keeps confidentiality-profile attributes out', () => {
  it('results, per-input outputs, overlays, errors and console output carry no marker', async () => {
    const out = join(work, 'out');
    const r = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'in'), output: out }),
      '--provider',
      'cpu',
      '--explain',
      '--format',
      'csv',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(MARK);
    const files = filesUnder(out);
    expect(files.some((f) => f.endsWith('marked.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('errors.jsonl'))).toBe(true);
    for (const f of files) expect(readFileSync(f).toString('latin1'), f).not.toContain(MARK);
  }, 120_000);
});
