import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRaster } from '../../src/node.js';
import { assertBuilt, batchFlags, makeWorkDir, readJsonl, ROOT, runCli, writeTestManifest, writeTestPng } from '../fixtures/cli/cli-harness.js';

let work: string;
let manifest: string;
beforeAll(async () => {
  assertBuilt();
  work = makeWorkDir();
  manifest = writeTestManifest(work);
  mkdirSync(join(work, 'cxr/sub'), { recursive: true });
  for (let i = 0; i < 5; i++) await writeTestPng(join(work, 'cxr', `img${i}.png`), i);
  // Same base name in a subfolder: a distinct output stem (sub_img0).
  await writeTestPng(join(work, 'cxr/sub', 'img0.png'), 9);
  writeFileSync(join(work, 'cxr', 'notes.png'), 'this is not an image');
  copyFileSync(join(ROOT, 'test/fixtures/dicom/MR_truncated.dcm'), join(work, 'cxr', 'truncated.dcm'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('medinfer run (classification)', () => {
  it('isolates broken inputs: errors.jsonl has their codes, the others succeed, exit 1', async () => {
    const out = join(work, 'out1');
    const r = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'cxr'), output: out }),
      '--provider',
      'cpu',
      '--format',
      'csv',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const errors = readJsonl<{ id: string; code: string; message: string }>(join(out, 'errors.jsonl'));
    expect(errors.map((e) => [e.id, e.code]).sort()).toEqual([
      ['notes', 'E_DECODE'],
      ['truncated', 'E_DECODE'],
    ]);
    const results = readJsonl<{ id: string; outputs: string[]; provenance: { modelId: string } }>(join(out, 'results.jsonl'));
    expect(results.map((l) => l.id).sort()).toEqual(['img0', 'img1', 'img2', 'img3', 'img4', 'sub_img0']);
    const one = JSON.parse(readFileSync(join(out, 'img1.json'), 'utf8')) as { labels: { name: string; score: number }[] };
    expect(one.labels.map((l) => l.name)).toEqual(['a', 'b', 'c']);
    expect(results[0]!.provenance.modelId).toBe('tiny-cxr');
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(/^id,input,positive,a,b,c,outputs/);
    expect(r.stderr).toMatch(/done: 6 ok, 2 failed, 0 skipped/);
  });

  it("--models-dir: the manifest's relative model paths resolve there (a manifest kept apart from its models)", async () => {
    const apart = join(work, 'apart');
    const store = join(work, 'store');
    mkdirSync(join(store, 'models'), { recursive: true });
    mkdirSync(apart, { recursive: true });
    for (const f of readdirSync(join(work, 'models'))) copyFileSync(join(work, 'models', f), join(store, 'models', f));
    copyFileSync(manifest, join(apart, 'manifest.json'));
    const input = join(work, 'cxr', 'img0.png');
    const without = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest: join(apart, 'manifest.json'), input, output: join(work, 'out-md0') }),
      '--provider',
      'cpu',
    ]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/E_MODEL_FILE|E_INTEGRITY|not found|no such/i);
    const withDir = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest: join(apart, 'manifest.json'), input, output: join(work, 'out-md1') }),
      '--models-dir',
      store,
      '--provider',
      'cpu',
    ]);
    expect(withDir.code, withDir.stderr).toBe(0);
    expect(readJsonl<{ id: string }>(join(work, 'out-md1', 'results.jsonl')).map((l) => l.id)).toEqual(['img0']);
  });

  it('says which provider ran and why any asked for was not used', async () => {
    const r = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'cxr', 'img1.png'), output: join(work, 'out-prov') }),
      '--provider',
      'cuda,cpu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const used = (JSON.parse(r.stdout) as { provider: string }).provider;
    expect(r.stderr).toContain(`on ${used}`);
    // Without CUDA libraries (CI, this machine) CUDA is dropped, and the reason is printed.
    if (used === 'cpu') expect(r.stderr).toMatch(/provider cuda not used: .+/);
  });

  it('prints plain progress lines when stderr is not a terminal', async () => {
    const out = join(work, 'out2');
    const r = await runCli(['run', ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'cxr/img*.png'), output: out }), '--concurrency', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/\r/);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress '));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatch(/^progress 5\/5 \(100%\): 5 ok, 0 failed, [\d.]+ inputs\/s, ETA 0s$/);
  });

  it('writes occlusion overlays with --explain', async () => {
    const out = join(work, 'out3');
    const r = await runCli([
      'run',
      ...batchFlags({ model: 'tiny-cxr', manifest, input: join(work, 'cxr/img3.png'), output: out }),
      '--explain',
      '--quiet',
      '--json',
      '--provider',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      model: 'tiny-cxr',
      task: 'classification',
      total: 1,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      provider: 'cpu',
      outputDir: out,
    });
    const files = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThan(0);
    const png = await readRaster(join(out, files[0]!));
    expect(png.geometry.size).toEqual([48, 40, 1]);
    expect(png.components).toBe(3);
    expect(existsSync(join(out, 'img3.json'))).toBe(true);
  });

  it('never reads its own outputs back as inputs when the output folder is inside the input folder', async () => {
    const dir = join(work, 'nested');
    mkdirSync(dir);
    for (let i = 0; i < 2; i++) copyFileSync(join(work, 'cxr', `img${i}.png`), join(dir, `n${i}.png`));
    const args = ['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', dir, '--output', join(dir, 'out')];
    expect((await runCli(args)).code).toBe(0);
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/2 inputs \(2 already done\)|done: 0 ok, 0 failed, 2 skipped/);
  });

  it('exits 2 on usage and setup errors', async () => {
    const missing = await runCli(['run', '--model', 'tiny-cxr', '--manifest', manifest, '--input', join(work, 'missing'), '--output', join(work, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/E_USAGE: --input .*missing: no such file or folder/);
    const unknown = await runCli(['run', ...batchFlags({ model: 'nope', manifest, input: join(work, 'cxr'), output: join(work, 'x') }), '--concurrency', '2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/E_MANIFEST/);
  });
});
