/**
 * File-system faults for real: a tiny tmpfs filled to the brim (ENOSPC), the same remounted
 * read-only (EROFS), an output path that is a file, a missing output folder. Every fault must be
 * a typed E_IO_* error naming the path; `run` on a full disk stops with its --json summary, leaves
 * only whole lines in results.jsonl, and a second run resumes exactly.
 * Mounting needs root (CI runs as root); without it the mount-based cases are skipped, saying why.
 * Permission denied: root ignores permissions, so the CLI runs as `nobody` (uid 65534) against a
 * folder owned by root (skipped when the test does not run as root).
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/core/errors.js';
import { isOutputFault, toIoError } from '../../src/core/io-error.js';
import { appendLine } from '../../src/cli/batch/results-log.js';
import { ensureFolder } from '../../src/core/node-atomic-write.js';
import { assertBuilt, batchFlags, makeWorkDir, readJsonl, ROOT, runCli, writeTestManifest, writeTestPng } from '../fixtures/cli/cli-harness.js';

const COUNT = 8;
let work: string;
let manifest: string;
let input: string;
const mounts: string[] = [];
let mountRefusal: string | undefined;

/** Mounts a fresh tmpfs of `size` at a new folder under work; undefined when mounting is refused. */
function mountTmpfs(name: string, size: string): string | undefined {
  const dir = join(work, name);
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    mountRefusal = `mount -t tmpfs refused (${(r.stderr || r.error?.message || '').trim()}): needs root`;
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

/** Fills the file system holding `dir` and then frees about `keepBytes`. */
function fillDisk(dir: string, keepBytes: number): string {
  const filler = join(dir, 'filler.bin');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  ftruncateSync(fd, Math.max(0, size - keepBytes));
  closeSync(fd);
  return filler;
}

beforeAll(async () => {
  assertBuilt();
  work = makeWorkDir('medinfer-io-');
  manifest = writeTestManifest(work);
  input = join(work, 'cxr');
  mkdirSync(input);
  for (let i = 0; i < COUNT; i++) await writeTestPng(join(input, `case-${i}.png`), i + 1, 48, 40);
});
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(work, { recursive: true, force: true });
});

const runArgs = (out: string, extra: string[] = []) => [
  'run',
  ...batchFlags({ model: 'tiny-cxr', manifest, input, output: out }),
  '--concurrency',
  '2',
  ...extra,
];
const byId = (rows: Record<string, any>[]) => Object.fromEntries(rows.map((r) => [r.id, { outputs: r.outputs, summary: r.summary }]));

describe('I/O fault mapping', () => {
  it('maps each errno to a declared code naming the path and the operation', () => {
    const cases: [string, string][] = [
      ['ENOSPC', 'E_IO_NO_SPACE'],
      ['EDQUOT', 'E_IO_NO_SPACE'],
      ['EROFS', 'E_IO_READ_ONLY'],
      ['EACCES', 'E_IO_PERMISSION'],
      ['EPERM', 'E_IO_PERMISSION'],
      ['ENOTDIR', 'E_IO_NOT_A_FOLDER'],
      ['EEXIST', 'E_IO_NOT_A_FOLDER'],
      ['EISDIR', 'E_IO_NOT_A_FOLDER'],
      ['ENOENT', 'E_IO_NOT_FOUND'],
      ['EIO', 'E_IO'],
    ];
    for (const [errno, code] of cases) {
      const e = toIoError(Object.assign(new Error('x'), { code: errno }), '/out/a.json', 'write');
      expect(e).toBeInstanceOf(IoError);
      expect((e as IoError).code, errno).toBe(code);
      expect((e as IoError).message).toContain('/out/a.json');
      expect((e as IoError).message).toContain(errno);
      expect((e as IoError).details).toMatchObject({ file: '/out/a.json', op: 'write', errno });
      expect(isOutputFault(e)).toBe(true);
    }
    expect(isOutputFault(toIoError(Object.assign(new Error('x'), { code: 'EACCES' }), '/in/a.png', 'read'))).toBe(false);
    const plain = new TypeError('not I/O');
    expect(toIoError(plain, '/x', 'write')).toBe(plain);
  });

  it('/dev/full: appending a line fails as E_IO_NO_SPACE', async () => {
    if (!existsSync('/dev/full')) return;
    await expect(appendLine('/dev/full', '{"a":1}')).rejects.toMatchObject({ code: 'E_IO_NO_SPACE', details: { file: '/dev/full' } });
  });

  it('ensureFolder: a file in the way is E_IO_NOT_A_FOLDER (also below it), a missing folder is created', async () => {
    const file = join(work, 'plain-file');
    writeFileSync(file, 'x');
    await expect(ensureFolder(file)).rejects.toMatchObject({ code: 'E_IO_NOT_A_FOLDER', details: { file } });
    await expect(ensureFolder(join(file, 'sub'))).rejects.toMatchObject({ code: 'E_IO_NOT_A_FOLDER' });
    await ensureFolder(join(work, 'new', 'deep'));
    expect(existsSync(join(work, 'new', 'deep'))).toBe(true);
  });
});

describe('medinfer run / convert on faulty output locations', () => {
  it('run: full disk stops with a --json summary, no torn line, and the next run resumes exactly', async (ctx) => {
    const disk = mountTmpfs('full', '512k');
    if (!disk) return ctx.skip(mountRefusal);
    const reference = join(work, 'reference');
    expect((await runCli(runArgs(reference, ['--quiet']))).code).toBe(0);

    // About 6 pages free: the lock and results.jsonl take one each, every input's JSON one.
    const filler = fillDisk(disk, 6 * 4096);
    const out = join(disk, 'out');
    const first = await runCli(runArgs(out, ['--json']));
    expect(first.code, first.stderr).toBe(2);
    const summary = JSON.parse(first.stdout);
    expect(summary.stopped).toMatchObject({ code: 'E_IO_NO_SPACE', file: expect.stringContaining(out) });
    expect(summary.stopped.message).toContain('ENOSPC');
    expect(summary.failed).toBe(0);
    expect(summary.succeeded).toBeGreaterThan(0);
    expect(summary.succeeded).toBeLessThan(COUNT);
    expect(summary.succeeded + summary.notStarted).toBe(COUNT);
    expect(first.stderr).toMatch(/stopped: E_IO_NO_SPACE/);
    // Only whole lines: the text ends at a line break and every line parses.
    const text = readFileSync(join(out, 'results.jsonl'), 'utf8');
    expect(text === '' || text.endsWith('\n')).toBe(true);
    expect(readJsonl(join(out, 'results.jsonl'))).toHaveLength(summary.succeeded);
    expect(readdirSync(out).filter((n) => n.endsWith('.medinfer-tmp'))).toEqual([]);

    unlinkSync(filler);
    const second = await runCli(runArgs(out, ['--json']));
    expect(second.code, second.stderr).toBe(0);
    const resumed = JSON.parse(second.stdout);
    expect(resumed).toMatchObject({ skipped: summary.succeeded, succeeded: COUNT - summary.succeeded, failed: 0, notStarted: 0 });
    expect(resumed.stopped).toBeUndefined();
    expect(byId(readJsonl(join(out, 'results.jsonl')))).toEqual(byId(readJsonl(join(reference, 'results.jsonl'))));
    expect(readJsonl(join(out, 'results.jsonl'))).toHaveLength(COUNT);
  });

  it('appendLine on a full disk cuts the partial line back off', async (ctx) => {
    const disk = mountTmpfs('append', '64k');
    if (!disk) return ctx.skip(mountRefusal);
    const log = join(disk, 'log.jsonl');
    writeFileSync(log, '{"id":"a"}\n');
    fillDisk(disk, 0);
    // Longer than the rest of the file's page: the write can only land in part.
    await expect(appendLine(log, JSON.stringify({ id: 'b', pad: 'x'.repeat(8000) }))).rejects.toMatchObject({ code: 'E_IO_NO_SPACE', details: { file: log } });
    expect(readFileSync(log, 'utf8')).toBe('{"id":"a"}\n');
  });

  it('read-only output: run and convert fail with E_IO_READ_ONLY naming the path', async (ctx) => {
    const disk = mountTmpfs('ro', '256k');
    if (!disk) return ctx.skip(mountRefusal);
    mkdirSync(join(disk, 'existing'));
    expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
    for (const out of [join(disk, 'existing'), join(disk, 'missing', 'deeper')]) {
      const r = await runCli(runArgs(out, ['--quiet']));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/E_IO_READ_ONLY/);
      expect(r.stderr).toContain(disk);
    }
    const png = join(input, 'case-0.png');
    const c = await runCli(['convert', png, join(disk, 'existing', 'x.nii.gz')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/E_IO_READ_ONLY: .*x\.nii\.gz/);
  });

  it('permission denied (run as nobody): run and convert fail with E_IO_PERMISSION naming the path', async (ctx) => {
    if (process.getuid?.() !== 0) return ctx.skip('needs root to run the CLI as another user');
    chmodSync(work, 0o755);
    const locked = join(work, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    const asNobody = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/medinfer.js'), ...args], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000 });
    // The CLI must be runnable by nobody: a checkout under a private folder (mktemp -d is 0700) is not.
    const probe = asNobody(['--version']);
    if (probe.status !== 0)
      return ctx.skip(
        `the checkout at ${ROOT} is not readable by user nobody (${probe.stderr.split('\n').find((l) => l.includes('Error')) ?? `exit ${probe.status}`})`,
      );
    const r = asNobody(runArgs(join(locked, 'out'), ['--quiet']));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/E_IO_PERMISSION: .*locked/);
    const c = asNobody(['convert', join(input, 'case-0.png'), join(locked, 'x.nii')]);
    expect(c.status, c.stderr).toBe(1);
    expect(c.stderr).toMatch(/E_IO_PERMISSION: .*x\.nii.*EACCES/);
  });

  it('output path is a file: E_IO_NOT_A_FOLDER; convert creates a missing output folder', async () => {
    const file = join(work, 'out-is-file');
    writeFileSync(file, 'x');
    const r = await runCli(runArgs(file, ['--quiet']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_IO_NOT_A_FOLDER/);
    expect(r.stderr).toContain(file);
    const c = await runCli(['convert', join(input, 'case-0.png'), join(file, 'x.nii')]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/E_IO_NOT_A_FOLDER/);
    const target = join(work, 'made', 'by', 'convert', 'x.nii.gz');
    const ok = await runCli(['convert', join(input, 'case-0.png'), target]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(target)).toBe(true);
  });
});
