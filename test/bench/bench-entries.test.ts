/**
 * The benchmark-size entries (bench/lib/entries.mjs) are clones of manifest entries with a few
 * steps patched; when the manifest's step rules tighten (softmax now names its channel axis),
 * a patch can fall out of date and every sliding-window bench case fails at model load - which
 * no test saw, because the bench smoke test runs only the report-text figures. This runs each
 * bench entry through the same plan validation createPipeline applies, without the models.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateEntryPlans } from '../../src/manifest/load.js';
import { readManifestFile } from '../../src/node.js';

const built = existsSync(fileURLToPath(new URL('../../dist/node.js', import.meta.url)));

describe.runIf(built)('bench/lib/entries.mjs', () => {
  it('every benchmark-size entry passes the plan validation createPipeline applies', async () => {
    const { benchEntries } = (await import('../../bench/lib/entries.mjs')) as {
      benchEntries: (manifest: unknown, options?: unknown) => Record<string, Parameters<typeof validateEntryPlans>[0]>;
    };
    const manifest = await readManifestFile();
    const entries = { ...benchEntries(manifest), ...benchEntries(manifest, { roi: [128, 128, 128] }) };
    expect(Object.keys(entries).sort()).toEqual(['classification', 'registration', 'scaling', 'segmentation', 'segmentationLite']);
    for (const [role, entry] of Object.entries(entries)) {
      expect(() => validateEntryPlans(entry), role).not.toThrow();
      expect(entry.files[0]?.path, role).toMatch(/^\.cache\/bench-models\/[a-z0-9_]+\.onnx$/);
    }
  });
});
