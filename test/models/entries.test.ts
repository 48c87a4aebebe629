/**
 * The manifest entries written by scripts/models (one per shipped model, plus the phantom
 * datasets) must be mergeable into models.manifest.json as they are: valid against the
 * manifest's JSON Schema once `id` becomes the key, with steps the SDK's plan validators accept.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { MANIFEST_SCHEMA } from '../../src/manifest/schema.js';
import { validatePreprocessPlan } from '../../src/preprocess/index.js';
import { validatePostprocessPlan } from '../../src/postprocess/index.js';
import { ROOT } from './helpers.js';

const dir = join(ROOT, 'scripts', 'models', 'entries');
const datasets = Object.assign(
  {},
  ...readdirSync(dir)
    .filter((f) => f.endsWith('-datasets.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>),
) as Record<string, unknown>;
const models = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('-datasets.json'))
    .map((f) => {
      const { id, ...entry } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { id: string } & Record<string, unknown>;
      return [id, entry];
    }),
);

describe('bundled model manifest entries', () => {
  it('validate against the manifest schema as a manifest of their own', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(MANIFEST_SCHEMA);
    const ok = validate({ manifestVersion: 1, datasets, models });
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('name only datasets that have entries, and declare plans the SDK accepts', () => {
    for (const [id, entry] of Object.entries(models) as [
      string,
      { datasets: string[]; preprocess: unknown[]; postprocess: unknown[]; intendedUse: string },
    ][]) {
      for (const d of entry.datasets) expect(Object.keys(datasets), `${id} dataset ${d}`).toContain(d);
      expect(() => validatePreprocessPlan(entry.preprocess)).not.toThrow();
      expect(() => validatePostprocessPlan(entry.postprocess)).not.toThrow();
      expect(entry.intendedUse).toMatch(/not for clinical use/);
    }
  });
});
