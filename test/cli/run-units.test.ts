/** In-process checks of the batch runner's building blocks (no child process: fast). */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/cli/batch/run-batch.js';
import { acquireRunLock, LOCK_FILE } from '../../src/cli/batch/run-lock.js';
import { readJsonl, testVolume, writeTestManifest, writeTestNifti, writeTestPng } from '../fixtures/cli/cli-harness.js';
import { formatCsv, parseCsv } from '../../src/cli/batch/csv.js';
import { expandGlob } from '../../src/cli/batch/discover-paths.js';
import { assignStems, sanitizeStem } from '../../src/cli/batch/output-names.js';
import { createProgress } from '../../src/cli/batch/progress.js';

const work = mkdtempSync(join(tmpdir(), 'medinfer-units-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('output names', () => {
  it('never leave the output folder and never start with a dot', () => {
    for (const raw of ['../../etc/passwd', '..', '.hidden', 'a/../b', 'C:\\x\\y', '', '   ', 'ünïcode name.png']) {
      const s = sanitizeStem(raw);
      expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
      expect(s).not.toContain('..');
    }
    expect(sanitizeStem('../../etc/passwd')).toBe('etc_passwd');
    expect(sanitizeStem('ünïcode name')).toBe('unicode_name');
  });

  it('disambiguate collisions deterministically, whatever the input order', () => {
    const items = [
      { label: 'b/x.png', stem: 'x' },
      { label: 'a/x.png', stem: 'x' },
      { label: 'c/X.png', stem: 'X' },
    ];
    const one = assignStems(items);
    const two = assignStems([...items].reverse()).reverse();
    expect(one).toEqual(two);
    expect(one[1]).toBe('x'); // a/x.png sorts first and keeps the plain stem
    expect(new Set(one.map((s) => s.toLowerCase())).size).toBe(3);
    expect(one[0]).toMatch(/^x-[0-9a-f]{8}$/);
  });
});

describe('CSV', () => {
  it('round-trips quoted commas, quotes and newlines', () => {
    const rows = [
      { id: 'a', report: 'No effusion, "mild" edema.\nStable.' },
      { id: 'b', report: '' },
    ];
    const table = parseCsv(formatCsv(rows));
    expect(table.header).toEqual(['id', 'report']);
    expect(table.rows).toEqual([
      { id: 'a', report: 'No effusion, "mild" edema.\nStable.' },
      { id: 'b', report: '' },
    ]);
  });
});

describe('globs', () => {
  it('match within and across folders; folders match for DICOM series', async () => {
    mkdirSync(join(work, 'g/s1/deep'), { recursive: true });
    for (const f of ['g/a.png', 'g/b.nii.gz', 'g/s1/c.png', 'g/s1/deep/d.png', 'g/notes.csv', 'g/.hidden.png']) writeFileSync(join(work, f), 'x');
    symlinkSync(join(work, 'g/a.png'), join(work, 'g/link.png'));
    const rel = async (p: string) => (await expandGlob(p, work)).files.map((f) => f.relative);
    expect(await rel('g/*.png')).toEqual(['a.png', 'link.png']);
    expect(await rel('g/**/*.png')).toEqual(['a.png', 'link.png', 's1/c.png', 's1/deep/d.png']);
    expect(await rel('g/[ab].*')).toEqual(['a.png', 'b.nii.gz']);
    expect((await expandGlob('g/s*', work)).folders).toEqual(['s1']);
  });
});

describe('progress', () => {
  it('draws a bar in place on a terminal, ending with a newline', () => {
    let text = '';
    const p = createProgress({ total: 4, isTTY: true, quiet: false, write: (t) => (text += t) });
    p.tick(true);
    p.tick(false);
    p.tick(true);
    p.tick(true);
    p.finish();
    const frames = text.split('\r').filter(Boolean);
    expect(frames.at(-1)).toMatch(/^\[#+\] 4\/4 {2}ok 3 {2}failed 1 {2}[\d.]+\/s {2}ETA 0s\x1b\[K\n$/);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('is silent with quiet', () => {
    let text = '';
    const p = createProgress({ total: 2, isTTY: false, quiet: true, write: (t) => (text += t) });
    p.tick(true);
    p.tick(true);
    p.finish();
    expect(text).toBe('');
  });
});

describe('micro-batching (classification, inputs in flight run as one tensor batch)', () => {
  it('gives the same scores as one-by-one runs, and an unsuitable input still fails alone', async () => {
    const dir = join(work, 'mb');
    mkdirSync(join(dir, 'in'), { recursive: true });
    const manifest = writeTestManifest(dir);
    for (let i = 0; i < 7; i++) await writeTestPng(join(dir, 'in', `p${i}.png`), i * 1.3, 40 + 4 * i, 36);
    writeTestNifti(join(dir, 'in', 'volume.nii.gz'), testVolume(1));
    const ctx = { out: () => undefined, err: () => undefined, cwd: dir, env: {}, isTTY: false };
    const one = await runBatch(
      { model: 'tiny-cxr', manifest, inputs: [join(dir, 'in')], output: join(dir, 'o1'), provider: 'cpu', concurrency: 1, quiet: true },
      ctx,
    );
    const many = await runBatch(
      { model: 'tiny-cxr', manifest, inputs: [join(dir, 'in')], output: join(dir, 'o4'), provider: 'cpu', concurrency: 4, quiet: true },
      ctx,
    );
    for (const s of [one, many]) expect([s.succeeded, s.failed, s.failures[0]?.code]).toEqual([7, 1, 'E_INPUT']);
    type Line = { id: string; summary: Record<string, number> };
    const byId = (out: string) => new Map(readJsonl<Line>(join(dir, out, 'results.jsonl')).map((l) => [l.id, l.summary]));
    const a = byId('o1');
    const b = byId('o4');
    for (const [id, summary] of a) for (const label of ['a', 'b', 'c']) expect(b.get(id)![label]).toBeCloseTo(summary[label]!, 5);
  });
});

describe('output folder lock', () => {
  it("refuses a second writer, takes over a dead owner's lock, and releases", async () => {
    const dir = join(work, 'lock');
    mkdirSync(dir);
    const release = await acquireRunLock(dir);
    await expect(acquireRunLock(dir)).rejects.toThrow(/in use by another medinfer run \(pid \d+/);
    await release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // A lock left by a process that no longer exists (pid far above any live one).
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: 'then' }));
    const again = await acquireRunLock(dir);
    await again();
  });
});

describe('threaded backend (sessions in a worker thread; tested from dist/, where the worker script exists)', () => {
  it('returns the same outputs as the in-thread backend, reports run errors, and closes its worker', async () => {
    const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
    const { createThreadedBackend } = (await import(dist('runtime/threaded-backend.js'))) as typeof import('../../src/runtime/threaded-backend.js');
    const { createNodeBackend } = (await import(dist('runtime/ort-node.js'))) as typeof import('../../src/runtime/ort-node.js');
    const model = new Uint8Array(readFileSync(new URL('../fixtures/models/tiny-classifier.onnx', import.meta.url)));
    const threaded = createThreadedBackend()!;
    expect(threaded).toBeDefined();
    const a = await threaded.createSession(model, 'cpu', {});
    const b = await createNodeBackend().createSession(model, 'cpu', {});
    expect(a.inputNames).toEqual(b.inputNames);
    const data = Float32Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i * 0.1));
    const feeds = { image: { type: 'float32' as const, dims: [2, 1, 16, 16], data } };
    const [x, y] = await Promise.all([a.run(feeds), b.run(feeds)]);
    expect([...(x['logits']!.data as Float32Array)]).toEqual([...(y['logits']!.data as Float32Array)]);
    await expect(a.run({ wrong: feeds.image })).rejects.toThrow(/wrong|input/i);
    // A feed that is a view into a larger buffer (a window in a kernel arena) runs on its own values.
    const big = new Float32Array(4096).fill(Number.NaN);
    big.set(data, 1000);
    const view = await a.run({ image: { ...feeds.image, data: big.subarray(1000, 1000 + data.length) } });
    expect([...(view['logits']!.data as Float32Array)]).toEqual([...(y['logits']!.data as Float32Array)]);
    // The worker's sessions do not spin-wait by default; either setting gives the same outputs.
    const spinning = await createNodeBackend().createSession(model, 'cpu', { intraOpSpinning: true });
    expect([...((await spinning.run(feeds))['logits']!.data as Float32Array)]).toEqual([...(y['logits']!.data as Float32Array)]);
    await spinning.release();
    await a.release();
    await b.release();
  });

  it('a Node pipeline runs on it through { backend } with the same result as the default backend', async () => {
    const dist = (p: string) => new URL(`../../dist/${p}`, import.meta.url).href;
    const sdk = (await import(dist('node.js'))) as typeof import('../../src/node.js');
    const { generateChestRadiograph } = (await import(dist('phantoms.js'))) as typeof import('../../src/phantoms.js');
    const image = generateChestRadiograph({ seed: 4242 }).image;
    const backend = sdk.createThreadedBackend()!;
    const threaded = await sdk.createPipeline('classification', 'medinfer-cxr-densenet-phantom', { provider: 'cpu', backend });
    const plain = await sdk.createPipeline('classification', 'medinfer-cxr-densenet-phantom', { provider: 'cpu' });
    const [x, y] = await Promise.all([threaded.run(image), plain.run(image)]);
    expect(x.labels.map((l) => [l.name, l.score])).toEqual(y.labels.map((l) => [l.name, l.score]));
    await threaded.dispose();
    await plain.dispose();
    await backend.close();
  });
});

describe('registration pairs by file name', () => {
  it('pairs <case>_fixed with <case>_moving; a lone fixed image fails alone with E_INPUT', async () => {
    const dir = join(work, 'pairs');
    mkdirSync(join(dir, 'in'), { recursive: true });
    const manifest = writeTestManifest(dir);
    writeTestNifti(join(dir, 'in', 'p1_fixed.nii.gz'), testVolume(1));
    writeTestNifti(join(dir, 'in', 'p1_moving.nii.gz'), testVolume(2));
    writeTestNifti(join(dir, 'in', 'p2_fixed.nii.gz'), testVolume(3));
    const ctx = { out: () => undefined, err: () => undefined, cwd: dir, env: {}, isTTY: false };
    const s = await runBatch({ model: 'field', manifest, inputs: [join(dir, 'in')], output: join(dir, 'out'), provider: 'cpu', quiet: true }, ctx);
    expect([s.succeeded, s.failed]).toEqual([1, 1]);
    expect(s.failures[0]).toMatchObject({ id: 'p2', code: 'E_INPUT', message: 'p2: no moving image (expected a file named p2_moving.*)' });
    expect(readJsonl<{ id: string; outputs: string[] }>(join(dir, 'out', 'results.jsonl'))[0]!.outputs).toEqual([
      'p1.warped.nii.gz',
      'p1.displacement.nii.gz',
      'p1.json',
    ]);
  });
});
