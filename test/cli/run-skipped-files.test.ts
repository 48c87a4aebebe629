/**
 * Nothing in an input folder is left out silently: dangling symlinks, links to folders, hidden
 * entries, side files, FIFOs are listed in run's summary (--json `skippedFiles`) with a reason,
 * while a symlink to an image counts as that image.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, makeWorkDir, runCli, writeTestManifest, writeTestPng } from '../fixtures/cli/cli-harness.js';

let work: string;
let manifest: string;
let input: string;
let fifo = false;
beforeAll(async () => {
  assertBuilt();
  work = makeWorkDir('medinfer-skipped-');
  manifest = writeTestManifest(work);
  input = join(work, 'in');
  mkdirSync(join(input, 'sub'), { recursive: true });
  mkdirSync(join(input, '.cache'));
  await writeTestPng(join(input, 'a.png'), 1);
  await writeTestPng(join(work, 'elsewhere.png'), 2);
  await writeTestPng(join(input, '.cache', 'hidden-inside.png'), 3);
  symlinkSync(join(work, 'elsewhere.png'), join(input, 'linked.png'));
  symlinkSync(join(work, 'nowhere.png'), join(input, 'gone.png'));
  symlinkSync(join(work, 'other-folder'), join(input, 'sub', 'gone-folder'));
  mkdirSync(join(work, 'other-folder'));
  writeFileSync(join(input, '.DS_Store'), 'x');
  writeFileSync(join(input, 'notes.csv'), 'a,b\n');
  fifo = spawnSync('mkfifo', [join(input, 'sub', 'pipe.png')]).status === 0;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('medinfer run: entries of input folders that are not inputs', () => {
  it('lists each with its reason in the summary; a link to an image is an input', async () => {
    const out = join(work, 'out');
    const r = await runCli(['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', input, '--output', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { total: number; skippedFiles: { path: string; reason: string }[] };
    expect(summary.total).toBe(2);
    const why = Object.fromEntries(summary.skippedFiles.map((f) => [f.path.slice(input.length + 1), f.reason]));
    expect(why['gone.png']).toMatch(/dangling symlink/);
    expect(why['sub/gone-folder']).toMatch(/symlink to a folder/);
    expect(why['.DS_Store']).toMatch(/hidden file/);
    expect(why['.cache']).toMatch(/hidden folder/);
    expect(why['.cache/hidden-inside.png']).toBeUndefined();
    expect(why['notes.csv']).toMatch(/not an input file type.*\.csv/);
    if (fifo) expect(why['sub/pipe.png']).toMatch(/not a regular file/);
    expect(Object.keys(why)).toHaveLength(fifo ? 6 : 5);
    expect(r.stderr).toMatch(/skipped .*gone\.png: dangling symlink/);
  });
});
