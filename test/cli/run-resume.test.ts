import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRaster } from '../../src/node.js';
import { assertBuilt, makeWorkDir, readJsonl, runCli, writeTestManifest, writeTestPng } from '../fixtures/cli/cli-harness.js';

const COUNT = 24;
let work: string;
let manifest: string;
let input: string;
beforeAll(async () => {
  assertBuilt();
  work = makeWorkDir();
  manifest = writeTestManifest(work);
  input = join(work, 'cxr');
  mkdirSync(input);
  await writeTestPng(join(input, 'case-000.png'), 1, 96, 80);
  for (let i = 1; i < COUNT; i++) copyFileSync(join(input, 'case-000.png'), join(input, `case-${String(i).padStart(3, '0')}.png`));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every visible file in the output folder is complete: JSON parses, PNG decodes. */
async function expectComplete(out: string): Promise<void> {
  for (const name of readdirSync(out)) {
    if (name.startsWith('.')) continue;
    if (name.endsWith('.json')) expect(() => JSON.parse(readFileSync(join(out, name), 'utf8')), name).not.toThrow();
    if (name.endsWith('.png')) expect((await readRaster(join(out, name))).geometry.size, name).toEqual([96, 80, 1]);
  }
  readJsonl(join(out, 'results.jsonl'));
}

describe('medinfer run: interruption and resume', () => {
  it('survives kill -9 mid-batch with no partial outputs, then resumes skipping finished inputs', async () => {
    const out = join(work, 'out');
    const args = ['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', input, '--output', out, '--explain', '--concurrency', '1'];
    const first = await runCli(args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const lines = existsSync(join(out, 'results.jsonl')) ? readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n').length - 1 : 0;
          if (lines >= 5) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 5);
      },
    });
    expect(first.signal).toBe('SIGKILL');
    const done = readJsonl<{ id: string; outputs: string[] }>(join(out, 'results.jsonl'));
    expect(done.length).toBeGreaterThanOrEqual(5);
    expect(done.length).toBeLessThan(COUNT);
    await expectComplete(out);
    const mtimes = new Map(done.map((d) => [d.id, statSync(join(out, `${d.id}.json`)).mtimeMs]));

    const second = await runCli(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`done: ${COUNT - done.length} ok, 0 failed, ${done.length} skipped`));
    const all = readJsonl<{ id: string }>(join(out, 'results.jsonl'));
    expect(new Set(all.map((l) => l.id)).size).toBe(COUNT);
    expect(all).toHaveLength(COUNT);
    // Finished inputs were not redone; no temporary file is left behind.
    for (const [id, mtime] of mtimes) expect(statSync(join(out, `${id}.json`)).mtimeMs).toBe(mtime);
    expect(readdirSync(out).filter((n) => n.includes('medinfer-tmp'))).toEqual([]);
    await expectComplete(out);
  });

  it('re-runs only what is missing or incomplete; --overwrite redoes everything', async () => {
    const out = join(work, 'out-partial');
    const subset = join(work, 'subset');
    mkdirSync(subset);
    for (let i = 0; i < 4; i++) copyFileSync(join(input, `case-00${i}.png`), join(subset, `case-00${i}.png`));
    const args = ['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', subset, '--output', out];
    expect((await runCli(args)).code).toBe(0);
    // A torn last line and a deleted output file: both inputs are redone, the others kept.
    const log = readFileSync(join(out, 'results.jsonl'), 'utf8');
    writeFileSync(join(out, 'results.jsonl'), log + '{"id":"case-003","outp');
    rmSync(join(out, 'case-001.json'));
    writeFileSync(join(out, '.case-002.json.1234-0.medinfer-tmp'), '{"partial');
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/done: 1 ok, 0 failed, 3 skipped/);
    expect(readJsonl(join(out, 'results.jsonl'))).toHaveLength(4);
    expect(existsSync(join(out, '.case-002.json.1234-0.medinfer-tmp'))).toBe(false);
    const redo = await runCli([...args, '--overwrite']);
    expect(redo.stderr).toMatch(/done: 4 ok, 0 failed, 0 skipped/);
    expect(readJsonl(join(out, 'results.jsonl'))).toHaveLength(4);
  });

  it('stops gracefully on Ctrl-C: inputs in flight are finished, exit 130, a re-run resumes', async () => {
    const out = join(work, 'out-sigint');
    const args = ['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', input, '--output', out, '--explain', '--concurrency', '2'];
    const first = await runCli(args, {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const text = existsSync(join(out, 'results.jsonl')) ? readFileSync(join(out, 'results.jsonl'), 'utf8') : '';
          if (text.split('\n').length - 1 >= 3) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 5);
      },
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/interrupted; finishing inputs in flight/);
    expect(first.stderr).toMatch(/interrupted: \d+ inputs not started/);
    const done = readJsonl(join(out, 'results.jsonl')).length;
    expect(done).toBeLessThan(COUNT);
    expect(readdirSync(out).filter((n) => n.includes('medinfer-tmp'))).toEqual([]);
    await expectComplete(out);
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(new RegExp(`done: ${COUNT - done} ok, 0 failed, ${done} skipped`));
  });
});
