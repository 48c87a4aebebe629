/**
 * Progress of long CLI steps on stderr (issue 25, requirement 7): `convert` on a folder (files
 * read / total, MB) and `run` on a 3D sliding-window model (windows done / total per input), as
 * plain lines when stderr is not a terminal, one redrawn line on a terminal, nothing with --quiet.
 */
import { readFileSync, rmSync, statSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli-main.js';
import { createStepProgress } from '../../src/cli/progress-line.js';
import { createProgress } from '../../src/cli/batch/progress.js';
import { chestDxInstances, MULTIPART_TYPE, multipartOf, startHostileDicomWeb } from '../helpers/hostile-dicomweb.js';
import { assertBuilt, makeWorkDir, ROOT, runCli, testVolume, writeTestManifest, writeTestNifti } from '../fixtures/cli/cli-harness.js';

const NOW = { MEDINFER_PROGRESS_DELAY_MS: '0', MEDINFER_PROGRESS_INTERVAL_MS: '60000' };

const cli = (argv: string[], env: Record<string, string>, isTTY = false) => runMain(argv, { env, isTTY });

let work: string;
beforeAll(() => {
  work = makeWorkDir();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('convert: files read / total and MB', () => {
  const SERIES = join(ROOT, 'test/fixtures/dicom/series-oblique');
  const files = readdirSync(SERIES).filter((f) => f.endsWith('.dcm'));
  const bytes = files.reduce((sum, f) => sum + statSync(join(SERIES, f)).size, 0);

  it('plain lines (not a terminal): one per 10% of the files, the last one complete with the folder size', async () => {
    const r = await cli(['convert', SERIES, join(work, 'a.nii.gz')], NOW);
    expect(r.code, r.err).toBe(0);
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines.every((l) => /^progress convert: files \d+\/\d+ \(\d+%\), \d+\.\d MB$/.test(l))).toBe(true);
    expect(r.err).not.toMatch(/\r|\x1b/);
    expect(lines.at(-1)).toBe(`progress convert: files ${files.length}/${files.length} (100%), ${(bytes / 1e6).toFixed(1)} MB`);
    // Counts only grow; with 12 files, 10% steps print at most 11 lines (0% .. 100%).
    const counts = lines.map((l) => Number(/files (\d+)\//.exec(l)![1]));
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.length).toBeGreaterThanOrEqual(2);
  });

  it('one line redrawn on a terminal; --quiet and quick steps (default 1 s delay) print nothing', async () => {
    const tty = await cli(['convert', SERIES, join(work, 'b.nii.gz')], NOW, true);
    expect(tty.code).toBe(0);
    expect(tty.err.startsWith('\r')).toBe(true);
    expect(tty.err.endsWith(`convert: files ${files.length}/${files.length} (100%), ${(bytes / 1e6).toFixed(1)} MB\x1b[K\n`)).toBe(true);
    expect(tty.err.split('\n')).toHaveLength(2);
    const quiet = await cli(['convert', SERIES, join(work, 'c.nii.gz'), '--quiet'], NOW);
    expect(quiet).toMatchObject({ code: 0, err: '' });
    const quick = await cli(['convert', SERIES, join(work, 'd.nii.gz')], {});
    expect(quick).toMatchObject({ code: 0, err: '' });
  });
});

describe('createStepProgress', () => {
  it('plain: deciles and the final line once; unknown totals print counts', () => {
    let text = '';
    const p = createStepProgress({ label: 'x', isTTY: false, quiet: false, write: (t) => (text += t), intervalMs: 1e9 });
    for (let i = 1; i <= 20; i++) p.update(i, 20, `${i} MB`);
    p.finish();
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('progress x 1/20 (5%), 1 MB');
    expect(lines.at(-1)).toBe('progress x 20/20 (100%), 20 MB');
    expect(lines).toHaveLength(11);
    text = '';
    const open = createStepProgress({ label: 'y', isTTY: false, quiet: false, write: (t) => (text += t), intervalMs: 0 });
    open.update(3, undefined);
    expect(text).toBe('progress y 3\n');
  });

  it('batch bar carries a note (windows of the current input) on a terminal only', async () => {
    let text = '';
    const bar = createProgress({ total: 2, isTTY: true, quiet: false, write: (t) => (text += t) });
    await new Promise((r) => setTimeout(r, 120)); // redraws are at most 10 per second
    bar.note('case01: windows 3/8');
    bar.finish();
    expect(text).toMatch(/ETA \S+ {2}case01: windows 3\/8\x1b\[K/);
    expect(text.endsWith('ETA 0s\x1b[K\n')).toBe(true);
  });
});

describe('run: sliding windows per input', () => {
  let manifest: string;
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    manifest = writeTestManifest(work);
    // The 'seg' fixture model as a sliding-window model: 8^3 windows on a 12x10x9 grid = 2x2x2 windows.
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { models: { seg: { inference: unknown } } };
    m.models.seg.inference = { mode: 'slidingWindow', roi: [8, 8, 8], overlap: 0, placement: 'monai' };
    writeFileSync(manifest, JSON.stringify(m));
    dir = join(work, 'mri');
    mkdirSync(dir);
    writeTestNifti(join(dir, 'case01_t1.nii.gz'), testVolume(1));
    writeTestNifti(join(dir, 'case01_flair.nii.gz'), testVolume(2));
  });

  it('plain lines name the input and count its windows; --quiet prints nothing', async () => {
    const r = await runCli(['run', '--manifest', manifest, '--provider', 'cpu', '--model', 'seg', '--input', dir, '--output', join(work, 'seg-out')], {
      env: NOW,
    });
    expect(r.code, r.stderr).toBe(0);
    const windows = r.stderr.split('\n').filter((l) => l.startsWith('progress run:'));
    expect(windows.at(-1)).toBe('progress run: case01 windows 8/8 (100%)');
    expect(windows.length).toBeGreaterThanOrEqual(2);
    for (const l of windows) expect(l).toMatch(/^progress run: case01 windows [1-8]\/8 \(\d+%\)$/);
    expect(r.stderr).toMatch(/on cpu/);
    const quiet = await runCli(
      ['run', '--manifest', manifest, '--provider', 'cpu', '--model', 'seg', '--input', dir, '--output', join(work, 'seg-quiet'), '--quiet'],
      { env: NOW },
    );
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/progress/);
  });
});

describe('dicomweb run: retrieval progress', () => {
  const STUDY = '1.2.826.0.1.3680043.10.1234.725.1';
  const SERIES = `${STUDY}.1`;

  it('on a terminal, one redrawn line per counted step (instances, MiB) ended by a newline', async () => {
    const dx = chestDxInstances(STUDY, SERIES);
    const server = await startHostileDicomWeb({
      study: STUDY,
      series: SERIES,
      retrieve: (_req, res) => res.writeHead(200, { 'content-type': MULTIPART_TYPE }).end(multipartOf(dx)),
    });
    try {
      const r = await cli(
        ['dicomweb', 'run', '--url', server.url, '--study', STUDY, '--model', 'medinfer-cxr-densenet-phantom', '--provider', 'cpu'],
        NOW,
        true,
      );
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/\rmedinfer dicomweb: retrieving series 1: instances 1(\/1 \(100%\))?, \d+\.\d MiB\x1b\[K\n/);
      // The plain per-second retrieval lines are not printed on a terminal.
      expect(r.err).not.toMatch(/(^|\n)medinfer dicomweb: retrieving/);
      expect(r.err).toMatch(/medinfer dicomweb: retrieved 1 instances/);
    } finally {
      await server.close();
    }
  }, 60_000);
});
