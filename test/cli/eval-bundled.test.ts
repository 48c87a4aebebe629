/**
 * `medinfer eval` on a bundled model end to end: the report-text CNN over the held-out phantom
 * reports its manifest entry was measured on (generator, seed, count from the entry), written as
 * a CheXpert-style labels CSV. The CLI's macro-F1 must reproduce the stated metric.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCsv } from '../../src/cli/batch/csv.js';
import { getModelEntry, labelNames } from '../../src/index.js';
import { caseSeed, generateReportText } from '../../src/phantoms.js';
import { bundledManifestPath, readManifestFile } from '../../src/node.js';
import { assertBuilt, makeWorkDir, runCli } from '../fixtures/cli/cli-harness.js';

const MODEL = 'medinfer-report-textcnn-phantom';
const work = makeWorkDir('medinfer-eval-bundled-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const manifestHasModel = existsSync(bundledManifestPath()) && (await readManifestFile()).models[MODEL] !== undefined;

describe.runIf(manifestHasModel)('medinfer eval with the bundled report-text model', () => {
  it('reproduces the manifest macro-F1 on the held-out phantom reports', async () => {
    assertBuilt();
    const entry = getModelEntry(await readManifestFile(), MODEL);
    const metric = entry.metrics!['macroF1']!;
    const { seed, count } = metric.measuredOn as { seed: number; count: number };
    const names = labelNames(entry);
    const rows = Array.from({ length: count }, (_, i) => {
      const r = generateReportText({ seed: caseSeed(seed, i) });
      return { report: r.text, ...Object.fromEntries(names.map((n, o) => [n, r.labels[o] ?? ''])) };
    });
    writeFileSync(join(work, 'reports.csv'), formatCsv(rows));
    const r = await runCli(['eval', '--model', MODEL, '--data', join(work, 'reports.csv'), '--json', '--quiet', '--concurrency', '4', '--provider', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { evaluated: number; metrics: { summary: { macroF1: number } } };
    expect(report.evaluated).toBe(count);
    expect(Math.abs(report.metrics.summary.macroF1 - metric.value)).toBeLessThanOrEqual(0.02);
  });
});
