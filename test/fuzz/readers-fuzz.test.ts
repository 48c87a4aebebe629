/**
 * Seeded fuzzing in every run (issue 27): mutations of real files (scripts/fuzz/sources.mjs)
 * through the DICOM reader, the NIfTI reader, the CLI's `inspect`, the DICOM SEG / SR writers
 * (a real source series with one file mutated) and the DICOMweb multipart parser (WADO-RS-like
 * bodies of real instances, pushed in random chunks, every part read as DICOM). Every case must end as a
 * well-formed result or one of the SDK's typed errors naming the input; each target's loop has a
 * time bound (no hang, no runaway allocation). Cases kept by the long campaign
 * (scripts/fuzz/campaign.mjs) in test/fixtures/fuzz-regressions/ are replayed.
 * Longer local runs: FUZZ_SCALE=10 FUZZ_SEED=7 npx vitest run test/fuzz
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createInspectRunner, createTargets, runCases } from '../../scripts/fuzz/fuzz-core.mjs';
import { dicomSources, inspectSources, MULTIPART_BOUNDARY, multipartSources, niftiSources, segSeriesSources } from '../../scripts/fuzz/sources.mjs';
import { MultipartParser } from '../../src/io/dicomweb/multipart.js';
import { readDicom, readDicomSeries } from '../../src/io/dicom/index.js';
import { parseDicomBytes } from '../../src/io/dicom/parse-header.js';
import { createDicomSeg, createDicomSr, describeDicomSource, DICOM_CODES } from '../../src/io/dicom-write/index.js';
import { createVolume } from '../../src/core/volume.js';
import { readNifti } from '../../src/io/nifti/index.js';
import { isMedinferError } from '../../src/core/errors.js';
import { main } from '../../src/cli/main.js';

const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261207);
const REGRESSIONS = join(import.meta.dirname, '..', 'fixtures', 'fuzz-regressions');
const scratch = mkdtempSync(join(tmpdir(), 'medinfer-fuzz-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const runInspect = createInspectRunner(main, scratch);

const seriesFiles = segSeriesSources();
const targets = createTargets({
  readDicom,
  readNifti,
  isMedinferError,
  runInspect,
  readDicomSeries,
  describeDicomSource,
  createDicomSeg,
  createDicomSr,
  DICOM_CODES,
  createVolume,
  parseDicomBytes,
  seriesFiles,
  MultipartParser,
  multipartBoundary: MULTIPART_BOUNDARY,
});
const plan = [
  { target: 'dicom', sources: dicomSources(), count: 1200, boundMs: 90_000 },
  { target: 'nifti', sources: niftiSources(), count: 800, boundMs: 30_000 },
  { target: 'inspect', sources: inspectSources(), count: 300, boundMs: 60_000 },
  { target: 'seg-writer', sources: seriesFiles, count: 200, boundMs: 60_000 },
  { target: 'multipart', sources: multipartSources(), count: 400, boundMs: 60_000 },
] as const;

describe('fuzz: seeded mutations end as a result or a typed error naming the input', () => {
  for (const p of plan) {
    const count = Math.round(p.count * SCALE);
    test(`${p.target}: ${count} cases (seed ${SEED})`, { timeout: p.boundMs * SCALE + 30_000 }, async () => {
      const started = performance.now();
      const { counts, failures } = await runCases({ target: targets[p.target], targetName: p.target, sources: p.sources, seed: SEED, count });
      const elapsed = performance.now() - started;
      console.log(`fuzz ${p.target}: ${count} cases in ${elapsed.toFixed(0)} ms`, counts);
      expect(failures.map((f) => `${f.name} (from ${f.source}): ${f.outcome} ${f.detail ?? ''}`)).toEqual([]);
      expect(elapsed).toBeLessThan(p.boundMs * SCALE);
      // The mutations must exercise both sides: readable results and refusals.
      expect(counts['ok'] ?? 0).toBeGreaterThan(count * 0.05);
      expect(count - (counts['ok'] ?? 0)).toBeGreaterThan(count * 0.05);
    });
  }

  test('regression cases kept by the campaign stay typed', async () => {
    const metas = readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json'));
    for (const m of metas) {
      const meta = JSON.parse(readFileSync(join(REGRESSIONS, m), 'utf8')) as { target: keyof typeof targets; name: string; ext: string };
      const bytes = new Uint8Array(readFileSync(join(REGRESSIONS, m.replace(/\.json$/, '.bin'))));
      const result = await targets[meta.target]!.run(bytes, meta.name, meta.ext);
      expect(['FOREIGN', 'BAD_RESULT'], `${m}: ${result.detail ?? ''}`).not.toContain(result.outcome);
    }
  });
});
