import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../src/index.js';
import { computeFroc } from '../../src/ops.js';
import { createPipeline, readManifestFile } from '../../src/node.js';
import { assertBuilt, makeWorkDir, runCli, testVolume, writeTestManifest, writeTestNifti, writeTestPng } from '../fixtures/cli/cli-harness.js';

let work: string;
let manifest: string;
beforeAll(() => {
  assertBuilt();
  work = makeWorkDir('medinfer-eval-');
  manifest = writeTestManifest(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const evalJson = async (...args: string[]) => {
  const r = await runCli(['eval', '--manifest', manifest, '--provider', 'cpu', '--json', '--quiet', ...args]);
  return {
    ...r,
    report: r.stdout
      ? (JSON.parse(r.stdout) as {
          cases: number;
          evaluated: number;
          failures: { code: string }[];
          metrics: { summary: Record<string, number | null>; details: Record<string, unknown> };
        })
      : undefined,
  };
};

/** AUC by counting pairs (positive above negative = 1, tie = 1/2): independent of the rank-sum code. */
function pairAuc(y: number[], s: number[]): number {
  let sum = 0;
  let pairs = 0;
  y.forEach((yi, i) =>
    y.forEach((yj, j) => {
      if (yi === 1 && yj === 0) {
        pairs++;
        sum += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }),
  );
  return sum / pairs;
}

function countDice(a: ArrayLike<number>, b: ArrayLike<number>, label: number): number {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === label) na++;
    if (b[i] === label) nb++;
    if (a[i] === label && b[i] === label) inter++;
  }
  return (2 * inter) / (na + nb);
}

describe('medinfer eval', () => {
  it('classification: AUC per label and mean from a labels CSV; a broken image is listed and left out', async () => {
    const dir = join(work, 'cls');
    mkdirSync(dir);
    const truthA = [1, 0, 1, 0, 1, 0, 0, 1];
    const truthB = [0, 0, 1, 1, 0, 1, 0, 1];
    const rows = ['path,a,b,c'];
    for (let i = 0; i < 8; i++) {
      await writeTestPng(join(dir, `x${i}.png`), i * 0.7);
      rows.push(`x${i}.png,${truthA[i]},${i === 3 ? '' : truthB[i]},0`);
    }
    writeFileSync(join(dir, 'broken.png'), 'nope');
    rows.push('broken.png,1,1,0');
    writeFileSync(join(dir, 'labels.csv'), rows.join('\n') + '\n');
    const { code, report } = await evalJson('--model', 'tiny-cxr', '--data', dir);
    expect(code).toBe(1);
    expect(report!.failures.map((f) => f.code)).toEqual(['E_DECODE']);
    // Expected: the SDK's scores for the same files, AUC counted pair by pair.
    const pipe = await createPipeline('classification', 'tiny-cxr', { manifest: await readManifestFile(manifest), provider: 'cpu' });
    const scores = await Promise.all(Array.from({ length: 8 }, async (_, i) => (await pipe.run(join(dir, `x${i}.png`))).labels));
    await pipe.dispose();
    const aucA = pairAuc(
      truthA,
      scores.map((l) => l[0]!.score),
    );
    const keep = [0, 1, 2, 4, 5, 6, 7];
    const aucB = pairAuc(
      keep.map((i) => truthB[i]!),
      keep.map((i) => scores[i]![1]!.score),
    );
    const perLabel = report!.metrics.details['perLabel'] as { label: string; auc: number | null; cases: number }[];
    expect(perLabel[0]!.auc).toBeCloseTo(aucA, 10);
    expect(perLabel[1]!.auc).toBeCloseTo(aucB, 10);
    expect(perLabel[1]!.cases).toBe(7);
    expect(perLabel[2]!.auc).toBeNull();
    expect(report!.metrics.summary['meanAuc']).toBeCloseTo((aucA + aucB) / 2, 10);
  });

  it('detection: CPM equals FROC over the candidates `medinfer run` writes', async () => {
    const dir = join(work, 'scans');
    mkdirSync(dir);
    const geometry = { size: [16, 16, 8], spacing: [0.8, 0.8, 1.5], origin: [-20, 10, 30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    writeTestNifti(join(dir, 'scanA.nii.gz'), testVolume(1, geometry));
    writeTestNifti(join(dir, 'scanB.nii.gz'), testVolume(2, geometry));
    const out = join(work, 'scans-out');
    expect((await runCli(['run', '--manifest', manifest, '--model', 'det3d', '--input', dir, '--output', out, '--quiet'])).code).toBe(0);
    const candidates = readFileSync(join(out, 'candidates.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const first = candidates.find((c) => c[0] === 'scanA')!;
    // One nodule on a candidate of scan A, one nowhere near anything in scan B.
    writeFileSync(
      join(dir, 'annotations.csv'),
      `seriesuid,coordX,coordY,coordZ,diameter_mm\nscanA,${first[1]},${first[2]},${first[3]},5\nscanB,500,500,500,6\n`,
    );
    const { code, report } = await evalJson('--model', 'det3d', '--data', dir);
    expect(code).toBe(0);
    const expected = computeFroc({
      scans: ['scanA', 'scanB'],
      annotations: [
        { scan: 'scanA', x: Number(first[1]), y: Number(first[2]), z: Number(first[3]), diameterMm: 5 },
        { scan: 'scanB', x: 500, y: 500, z: 500, diameterMm: 6 },
      ],
      candidates: candidates.map((c) => ({ scan: c[0]!, x: Number(c[1]), y: Number(c[2]), z: Number(c[3]), probability: Number(c[4]) })),
    });
    expect(report!.metrics.summary['cpm']).toBeCloseTo(expected.cpm, 10);
    expect(report!.metrics.summary).toMatchObject({ detectedNodules: 1, totalNodules: 2, scans: 2 });
  });

  it('segmentation: Dice per label against reference masks, counted independently', async () => {
    const dir = join(work, 'seg');
    mkdirSync(dir);
    for (const [c, s] of [
      ['c1', 1],
      ['c2', 3],
    ] as const) {
      writeTestNifti(join(dir, `${c}_t1.nii.gz`), testVolume(s));
      writeTestNifti(join(dir, `${c}_flair.nii.gz`), testVolume(s + 1));
    }
    const out = join(work, 'seg-out');
    expect((await runCli(['run', '--manifest', manifest, '--model', 'seg', '--input', dir, '--output', out, '--quiet'])).code).toBe(0);
    // c1's reference is its own prediction (perfect); c2's reference is c1's prediction.
    writeFileSync(
      join(dir, 'eval.csv'),
      `id,t1,flair,reference\nc1,c1_t1.nii.gz,c1_flair.nii.gz,${join(out, 'c1.seg.nii.gz')}\nc2,c2_t1.nii.gz,c2_flair.nii.gz,${join(out, 'c1.seg.nii.gz')}\n`,
    );
    const { code, report } = await evalJson('--model', 'seg', '--data', join(dir, 'eval.csv'));
    expect(code).toBe(0);
    const m1 = await readNifti(new Uint8Array(readFileSync(join(out, 'c1.seg.nii.gz'))));
    const m2 = await readNifti(new Uint8Array(readFileSync(join(out, 'c2.seg.nii.gz'))));
    const perLabel = report!.metrics.details['perLabel'] as { label: string; dice: number; hd95Mm: number }[];
    for (const [i, label] of [1, 2].entries()) expect(perLabel[i]!.dice).toBeCloseTo((1 + countDice(m2.data, m1.data, label)) / 2, 10);
    expect(report!.metrics.summary['cases']).toBe(2);
  });

  it('registration: TRE before and after and folding from a pairs CSV with landmarks', async () => {
    const dir = join(work, 'reg');
    mkdirSync(dir);
    writeTestNifti(join(dir, 'f.nii.gz'), testVolume(1));
    writeTestNifti(join(dir, 'm.nii.gz'), testVolume(2));
    writeFileSync(join(dir, 'f.txt'), '3 4 5\n6 2 7\n');
    writeFileSync(join(dir, 'm.txt'), '4 4 3\n7 2 5\n');
    writeFileSync(join(dir, 'pairs.csv'), 'id,fixed,moving,fixed_landmarks,moving_landmarks\np1,f.nii.gz,m.nii.gz,f.txt,m.txt\n');
    const { code, report } = await evalJson('--model', 'field', '--data', dir);
    expect(code).toBe(0);
    expect(report!.metrics.summary['treMeanMm']).toBeLessThan(1e-4);
    // Before registration the landmarks are 1 voxel (1.5 mm) and 2 slices (4 mm) apart.
    expect(report!.metrics.summary['treBeforeMm']).toBeCloseTo(Math.hypot(1.5, 4), 5);
    expect(report!.metrics.summary['foldingPercentMean']).toBe(0);
  });

  it('report text: macro-F1 over (observation, status) pairs; table output without --json', async () => {
    const dir = join(work, 'text');
    mkdirSync(dir);
    const reports = ['No pleural effusion.', 'Cardiomegaly is present.', 'Possible edema.', 'Mild edema, no cardiomegaly.', 'Pleural effusion.'];
    const truth = [
      [0, null, null],
      [null, 1, null],
      [null, null, -1],
      [null, 0, 1],
      [1, null, null],
    ];
    const csv = [
      'report,Pleural Effusion,Cardiomegaly,Edema',
      ...reports.map((r, i) => `"${r}",${truth[i]!.map((v) => (v === null ? '' : String(v))).join(',')}`),
    ];
    writeFileSync(join(dir, 'reports.csv'), csv.join('\n') + '\n');
    const r = await runCli(['eval', '--manifest', manifest, '--model', 'text', '--data', dir, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const pipe = await createPipeline('report-text', 'text', { manifest: await readManifestFile(manifest), provider: 'cpu' });
    const code: Record<string, number> = { positive: 1, negative: 0, uncertain: -1 };
    const predicted = (await pipe.runBatch(reports)).map((p) => p.observations.map((o) => code[o.status] ?? null));
    await pipe.dispose();
    const f1s: number[] = [];
    for (let o = 0; o < 3; o++)
      for (const c of [1, 0, -1]) {
        const t = truth.map((row) => row[o] === c);
        const p = predicted.map((row) => row[o] === c);
        const tp = t.filter((v, i) => v && p[i]).length;
        const fp = p.filter((v, i) => v && !t[i]).length;
        const fn = t.filter((v, i) => v && !p[i]).length;
        if (tp + fn > 0) f1s.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
      }
    const macro = f1s.reduce((a, b) => a + b, 0) / f1s.length;
    expect(r.stdout).toMatch(new RegExp(`macro-F1\\s+${macro.toFixed(4)}`));
    expect(r.stdout).toMatch(/observation\s+status\s+F1\s+support/);
  });

  it('exits 2 when the data lacks the columns the task needs', async () => {
    const dir = join(work, 'nolabels');
    mkdirSync(dir);
    writeFileSync(join(dir, 'labels.csv'), 'path,other\nx.png,1\n');
    const r = await runCli(['eval', '--manifest', manifest, '--model', 'tiny-cxr', '--data', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_USAGE: the labels CSV needs one 0\/1 column per label/);
  });
});
