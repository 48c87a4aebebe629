/**
 * Checks the dcm2niix-QA fixture and its judge, independently of medinfer's DICOM reader: for every
 * case in test/fixtures/dcm-qa/cases.json, the installed dcm2niix (batch.sh options: -b n -z n)
 * converts the case folder, and every stored reference must agree, by test/helpers/nifti-compare.ts,
 * with exactly one of dcm2niix's outputs, every output matching a reference. So cases.json maps
 * each folder to its references, the folder holds the whole series and nothing else, and the
 * judge accepts dcm2niix's own output (and tells apart the echoes / phase parts of a series).
 * Cases this dcm2niix build cannot decode (JPEG-LS without CharLS, as in Debian's package) write
 * nothing and are reported as skipped. Runs wherever dcm2niix is on PATH (CI installs it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readNifti } from '../../../src/io/nifti/read-nifti.js';
import { compareNiftiVolumes } from '../../helpers/nifti-compare.js';

const ROOT = fileURLToPath(new URL('../../fixtures/dcm-qa/', import.meta.url));
const hasDcm2niix = spawnSync('dcm2niix', ['-v'], { encoding: 'utf8' }).error === undefined;

interface Case {
  id: string;
  input: string;
  refs: { file: string; part: string }[];
}
const cases = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as Case[];
const read = async (path: string) => readNifti(readFileSync(path), { name: path, gunzip: (b) => gunzipSync(b) });

describe.skipIf(!hasDcm2niix)('dcm2niix QA fixture: dcm2niix itself agrees with the stored references', () => {
  const work = mkdtempSync(join(tmpdir(), 'medinfer-dcmqa-ref-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const skipped: string[] = [];

  for (const c of cases) {
    it(c.id, async () => {
      const dir = mkdtempSync(join(work, `${c.id}-`));
      const run = spawnSync('dcm2niix', ['-b', 'n', '-z', 'n', '-f', '%s_%p', '-o', dir, join(ROOT, c.input)], { encoding: 'utf8', timeout: 60_000 });
      expect(run.error).toBeUndefined();
      const outputs = readdirSync(dir)
        .filter((f) => f.endsWith('.nii'))
        .sort();
      if (outputs.length === 0 && /JPEG-LS|CharLS|1\.2\.840\.10008\.1\.2\.4\.8[01]/i.test(run.stdout + run.stderr)) {
        skipped.push(c.id);
        return;
      }
      const volumes = await Promise.all(outputs.map((o) => read(join(dir, o))));
      const matchedOutputs = new Set<string>();
      for (const ref of c.refs) {
        const refVolume = await read(join(ROOT, ref.file));
        const matches = outputs.filter((_, n) => compareNiftiVolumes(refVolume, volumes[n]!).ok);
        expect(matches, `${ref.file}: dcm2niix outputs ${outputs.join(', ')}`).toHaveLength(1);
        matchedOutputs.add(matches[0]!);
      }
      expect(
        outputs.filter((o) => !matchedOutputs.has(o)),
        'dcm2niix outputs with no reference',
      ).toEqual([]);
    });
  }

  it('says which cases this dcm2niix build could not decode', () => {
    if (skipped.length > 0) console.log(`dcm2niix wrote nothing (no JPEG-LS decoder in this build) for: ${skipped.join(', ')}`);
    expect(skipped.length).toBeLessThanOrEqual(2);
  });
});
