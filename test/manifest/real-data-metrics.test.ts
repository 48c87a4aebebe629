/**
 * Figures measured on real data (scripts/eval/*.mjs -> scripts/eval/results/<model>.json) are
 * in the manifest exactly as measured, only for the model file they were measured on, and the
 * README quotes them: no claim about real data that was not measured, none left stale.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getModelEntry } from '../../src/index.js';
import { readManifestFile } from '../../src/node.js';

const RESULTS = fileURLToPath(new URL('../../scripts/eval/results/', import.meta.url));
const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

interface Metric {
  value: number;
  measuredOn?: Record<string, unknown>;
}
interface Results {
  model: string;
  modelSha256: string;
  evaluations: Record<string, { metrics: Record<string, Metric> }>;
}

const files = readdirSync(RESULTS).filter((f) => f.endsWith('.json'));

describe('real-data metrics', () => {
  it('cover the four bundled models of issue 23', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual([
      'medinfer-cxr-densenet-phantom',
      'medinfer-lung-voxelmorph-phantom',
      'medinfer-nodule-det3d-phantom',
      'medinfer-report-textcnn-phantom',
    ]);
  });
  for (const f of files) {
    it(`${f}: measured on the manifest's model file, merged unchanged, quoted in the README`, async () => {
      const r = JSON.parse(readFileSync(RESULTS + f, 'utf8')) as Results;
      const entry = getModelEntry(await readManifestFile(), r.model);
      expect(entry.files.find((x) => x.role === 'model')!.sha256).toBe(r.modelSha256);
      for (const ev of Object.values(r.evaluations)) {
        for (const [name, m] of Object.entries(ev.metrics)) {
          expect(entry.metrics?.[name], name).toEqual(m);
          const on = m.measuredOn!;
          for (const field of ['date', 'medinferCommit', 'script']) expect(on[field], `${name}.measuredOn.${field}`).toBeTypeOf('string');
          if (Number.isInteger(m.value)) continue;
          // 3 decimals (2 for mm figures >= 1); a half-way value (0.5115) may be rounded either way.
          const digits = Math.abs(m.value) >= 1 ? 2 : 3;
          const quoted = [m.value + 1e-9, m.value - 1e-9].map((v) => v.toFixed(digits));
          expect(
            quoted.some((q) => README.includes(q)),
            `README quotes ${name} = ${m.value}`,
          ).toBe(true);
        }
      }
    });
  }
});
