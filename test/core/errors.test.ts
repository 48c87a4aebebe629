/**
 * Error `name`s are string literals, so they survive minification: a production browser bundle
 * renamed every class and callers saw `_` instead of 'DecodeError'. Checked on the source and on
 * an esbuild --minify bundle of src/core/errors.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/core/errors.js';

const ERRORS_TS = fileURLToPath(new URL('../../src/core/errors.ts', import.meta.url));

type Module = Record<string, unknown>;

/** Every exported class that extends MedinferError, by export name. */
function errorClasses(mod: Module, base: unknown): [string, new (...args: unknown[]) => Error][] {
  return Object.entries(mod).filter(
    (e): e is [string, new (...args: unknown[]) => Error] =>
      typeof e[1] === 'function' && e[1] !== base && (e[1] as { prototype?: unknown }).prototype instanceof (base as typeof Error),
  );
}

// The classes are listed so that a new one is noticed here (and gets its literal checked).
const EXPECTED = [
  'UsageError',
  'ManifestError',
  'ModelFileError',
  'IntegrityError',
  'DecodeError',
  'UnsupportedError',
  'ProviderError',
  'ShapeError',
  'LimitError',
  'InputError',
  'IoError',
  'HttpError',
  'NetworkError',
  'MissingPackageError',
];

describe('error names', () => {
  it("each exported MedinferError subclass's name is its own literal", () => {
    const classes = errorClasses(errors as unknown as Module, errors.MedinferError);
    expect(classes.map(([n]) => n).sort()).toEqual([...EXPECTED].sort());
    for (const [exportName, Ctor] of classes) {
      const e = new Ctor('m');
      expect(e.name, exportName).toBe(exportName);
      expect(String(e).split(':')[0], exportName).toBe(exportName);
      expect((e as errors.MedinferError).toJSON().name, exportName).toBe(exportName);
    }
    // The constructors that take more than a message keep the name as well.
    expect(new errors.ProviderError('wasm', 'm').name).toBe('ProviderError');
    expect(new errors.HttpError('http://h/x', 500, 'm').name).toBe('HttpError');
    expect(new errors.IoError('E_IO', 'm', { file: 'f', op: 'read' }).name).toBe('IoError');
  });

  it('esbuild --minify renames the classes but not the names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medinfer-errors-min-'));
    try {
      const outfile = join(dir, 'errors.min.mjs');
      await build({ entryPoints: [ERRORS_TS], bundle: true, minify: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent' });
      const mod = (await import(pathToFileURL(outfile).href)) as Module;
      const classes = errorClasses(mod, mod.MedinferError);
      expect(classes.map(([n]) => n).sort()).toEqual([...EXPECTED].sort());
      // Proof the bundle was minified: the class identifiers are no longer the export names.
      expect(classes.filter(([n, Ctor]) => Ctor.name !== n).length).toBeGreaterThan(0);
      for (const [exportName, Ctor] of classes) expect(new Ctor('m').name, exportName).toBe(exportName);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
