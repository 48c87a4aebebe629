/**
 * The bundled convert command (scripts/build-cli.mjs, used by main.ts when newer than
 * dist/cli/main.js): it must share dist/core/errors.js with main.ts - a second MedinferError class
 * would make main's instanceof checks miss the command's usage errors - and behave as the modules.
 * The script form (convert.cjs, run with a V8 code cache by src/cli/code-cache.ts) likewise, and
 * its output must not depend on whether the cache was there.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli, ROOT } from '../fixtures/cli/cli-harness.js';

const BUNDLE = join(ROOT, 'dist', 'cli', 'bundled', 'convert.js');
const SCRIPT = join(ROOT, 'dist', 'cli', 'bundled', 'convert.cjs');
const newer = (file: string): boolean => existsSync(file) && statSync(file).mtimeMs >= statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;
const fresh = newer(BUNDLE);
const work = mkdtempSync(join(tmpdir(), 'medinfer-cli-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// Never the user's own cache folder.
const env = { MEDINFER_CODE_CACHE: join(work, 'code-cache') };

describe.skipIf(!fresh)('bundled convert command', () => {
  test('imports the shared errors module instead of holding its own error classes', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).toMatch(/from "\.\.\/\.\.\/core\/errors\.js"/);
    expect(text).not.toMatch(/class MedinferError/);
  });

  test('a usage error thrown inside the bundle is reported by main as E_USAGE (exit 2)', async () => {
    const r = await runCli(
      ['convert', join(ROOT, 'test', 'fixtures', 'dicom', 'series-variants', 'two-series'), join(ROOT, 'tmp-never-written.nii'), '--quiet'],
      { env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/medinfer convert: E_USAGE: .*choose one with --series/);
  });
});

describe.skipIf(!newer(SCRIPT))('convert as a script with a code cache', () => {
  test('requires the shared errors module and has no import() left (build-cli.mjs rewrote them)', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    expect(text).toMatch(/require\("medinfer:errors"\)/);
    expect(text).not.toMatch(/class MedinferError/);
    expect(text).not.toMatch(/import\(/);
    expect(text).toMatch(/__medinferImport\(/);
    // First line: the sha256 of the rest, which names the code cache (code-cache.ts).
    const [first, rest] = [text.slice(0, text.indexOf('\n')), text.slice(text.indexOf('\n') + 1)];
    expect(first).toBe(`// medinfer-content-sha256 ${createHash('sha256').update(rest).digest('hex')}`);
    // fflate (Huffman tables, worker_threads at evaluation) is evaluated on first use only.
    expect(text).toMatch(/var load = \(\) => loaded \?\?= require_\w+\(\);/);
  });

  test('the same bytes without and with the cache; the cache written once; usage errors typed either way', async () => {
    const input = join(ROOT, 'test', 'fixtures', 'dcm-qa', 'dcm_qa_ts', 'ts5');
    const outputs: Buffer[] = [];
    for (const run of [1, 2]) {
      const out = join(work, `run${run}.nii.gz`);
      const r = await runCli(['convert', input, out, '--quiet'], { env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      outputs.push(readFileSync(out));
      expect(readdirSync(env.MEDINFER_CODE_CACHE).filter((f) => f.endsWith('.code'))).toHaveLength(1);
    }
    expect(outputs[0]!.equals(outputs[1]!)).toBe(true);
    const r = await runCli(['convert', join(ROOT, 'test', 'fixtures', 'dicom', 'series-variants', 'two-series'), join(work, 'never.nii'), '--quiet'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/medinfer convert: E_USAGE: .*choose one with --series/);
  });
});
