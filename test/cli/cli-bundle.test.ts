/**
 * The bundled convert command (scripts/build-cli.mjs, used by main.ts when newer than
 * dist/cli/main.js): it must share dist/core/errors.js with main.ts - a second MedinferError class
 * would make main's instanceof checks miss the command's usage errors - and behave as the modules.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli, ROOT } from '../fixtures/cli/cli-harness.js';

const BUNDLE = join(ROOT, 'dist', 'cli', 'bundled', 'convert.js');
const fresh = existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;

describe.skipIf(!fresh)('bundled convert command', () => {
  test('imports the shared errors module instead of holding its own error classes', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(text).toMatch(/from "\.\.\/\.\.\/core\/errors\.js"/);
    expect(text).not.toMatch(/class MedinferError/);
  });

  test('a usage error thrown inside the bundle is reported by main as E_USAGE (exit 2)', async () => {
    const r = await runCli([
      'convert',
      join(ROOT, 'test', 'fixtures', 'dicom', 'series-variants', 'two-series'),
      join(ROOT, 'tmp-never-written.nii'),
      '--quiet',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/medinfer convert: E_USAGE: .*choose one with --series/);
  });
});
