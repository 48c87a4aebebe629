/** `medinfer demo` as a user runs it: the real CLI, bundled models, a report with pictures and metrics. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/medinfer.js', import.meta.url));

describe('medinfer demo', () => {
  it('runs every task with a bundled model and writes report.html with pictures and measured metrics', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'medinfer-demo-')), 'report');
    const r = spawnSync(process.execPath, [BIN, 'demo', '--quick', '--output', out, '--provider', 'cpu'], { encoding: 'utf8', timeout: 480_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/medinfer demo: \d of 7 tasks ran/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const title of ['Chest radiograph classification', 'Brain tumour segmentation', 'Lung CT deformable registration', 'Report labelling'])
      expect(html).toContain(title);
    const demo = JSON.parse(readFileSync(join(out, 'demo.json'), 'utf8')) as {
      sections: { task: string; skipped?: string; metrics: { name: string; value: number }[]; images: { src: string }[] }[];
    };
    const ran = demo.sections.filter((s) => !s.skipped);
    expect(ran.length).toBeGreaterThanOrEqual(4);
    for (const s of ran) for (const img of s.images) expect(existsSync(join(out, img.src))).toBe(true);
    const metric = (task: string, name: string) => demo.sections.find((s) => s.task === task)!.metrics.find((m) => m.name === name)!.value;
    expect(metric('classification', 'mean AUC')).toBeGreaterThan(0.9);
    expect(metric('segmentation', 'Dice whole tumour')).toBeGreaterThan(0.85);
    expect(metric('registration', 'mean TRE (mm)')).toBeLessThan(metric('registration', 'identity TRE (mm)'));
    expect(metric('report-text', 'macro-F1')).toBeGreaterThan(0.9);
    // brainchop on the real T1 (--quick: tissue and brain mask): pictures, and agreement with the
    // reference label maps made by brainchop's own code (test/fixtures/brainchop/, 100 % measured
    // by test/models/brainchop-parity.test.ts).
    expect(html).toContain('brainchop MeshNet models on a real T1');
    const brainchop = demo.sections.find((s) => /brainchop/.test((s as { title?: string }).title ?? ''))!;
    expect(brainchop.skipped).toBeUndefined();
    expect(brainchop.images.map((i) => i.src)).toEqual([
      'images/brainchop-t1.png',
      'images/brainchop-tissue-gwm-light.png',
      'images/brainchop-brain-mask.png',
      'images/brainchop-brain-mask-masked.png',
    ]);
    for (const id of ['brainchop-tissue-gwm-light', 'brainchop-brain-mask'])
      expect(brainchop.metrics.find((m) => m.name.startsWith(id))!.value).toBeGreaterThanOrEqual(0.999);
  }, 600_000);
});
