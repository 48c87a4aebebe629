/**
 * examples/ as a user's project sees them: `medinfer samples` into a temp folder, then each
 * example copied into a temp app whose node_modules/medinfer links to this repository (the
 * package's `exports` map points at dist/, so this runs the built package as published), run with
 * node and its printed summary checked. The TypeScript examples are compiled with the repo's tsc
 * (strict, against dist/*.d.ts) and must print exactly what the JavaScript ones print; the browser
 * example is type-checked against `medinfer/browser` (Vite itself is not run). Needs dist/
 * (npx tsc -p tsconfig.json).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNodeExamples, JS_EXAMPLES } from './node-example-checks.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'medinfer-examples-'));
const samples = join(work, 'samples');
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function node(script: string, cwd: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [script, samples], { cwd, maxBuffer: 1 << 20 });
  return stdout.trim().split('\n');
}

const js: Record<string, string[]> = {};

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/node.js')) || !existsSync(join(ROOT, 'dist/browser.d.ts')))
    throw new Error('dist/ is missing: build first (npx tsc -p tsconfig.json)');
  await run(process.execPath, [join(ROOT, 'bin/medinfer.js'), 'samples', samples]);
  // A user's project: node_modules/medinfer (here a link to the package root) and @types/node.
  mkdirSync(join(app, 'node_modules/@types'), { recursive: true });
  // "type": "module": the TypeScript examples compile to ESM (top-level await) under NodeNext.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ private: true, type: 'module', dependencies: { medinfer: '*' } }));
  symlinkSync(ROOT, join(app, 'node_modules/medinfer'), 'dir');
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(app, 'node_modules/@types/node'), 'dir');
  cpSync(join(ROOT, 'examples/node-js'), join(app, 'js'), { recursive: true });
  // Sequential: each loads onnxruntime-node and uses its threads; the machine may have 2 cores.
  for (const name of JS_EXAMPLES) js[name] = await node(`${name}.mjs`, join(app, 'js'));
}, 120_000);

describe('examples/node-js', () => {
  it('has exactly the examples this test runs', () => {
    expect(
      readdirSync(join(ROOT, 'examples/node-js'))
        .filter((f) => f.endsWith('.mjs'))
        .sort(),
    ).toEqual(JS_EXAMPLES.map((n) => `${n}.mjs`).sort());
  });

  checkNodeExamples(
    () => js,
    () => samples,
  );
});

describe('examples/node-ts', () => {
  it('compiles with strict TypeScript against the published types and prints what the JavaScript examples print', async () => {
    const dir = join(app, 'ts');
    cpSync(join(ROOT, 'examples/node-ts/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/node-ts/tsconfig.json'), join(dir, 'tsconfig.json'));
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]).catch((e: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${e.stdout ?? e}`);
    });
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual(JS_EXAMPLES.map((n) => `${n}.js`).sort());
    for (const name of JS_EXAMPLES) expect(await node(join('dist', `${name}.js`), dir), name).toEqual(js[name]);
  });
});

describe('examples/browser-vite', () => {
  it('main.ts type-checks against medinfer/browser (DOM lib, bundler resolution)', async () => {
    const dir = join(app, 'web');
    cpSync(join(ROOT, 'examples/browser-vite/src'), join(dir, 'src'), { recursive: true });
    cpSync(join(ROOT, 'examples/browser-vite/tsconfig.json'), join(dir, 'tsconfig.json'));
    await run(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')]).catch((e: { stdout?: string }) => {
      throw new Error(`tsc failed:\n${e.stdout ?? e}`);
    });
    const html = readFileSync(join(ROOT, 'examples/browser-vite/index.html'), 'utf8');
    expect(html).toContain('src="/src/main.ts"');
    expect(html).toContain('id="file"');
  });
});

describe('README', () => {
  it('quotes the Node examples verbatim', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Examples\n'));
    expect(section.length, 'README has an "## Examples" section').toBeGreaterThan(20);
    const quoted = [...section.slice(0, section.indexOf('\n## ', 5) > 0 ? section.indexOf('\n## ', 5) : undefined).matchAll(/^```js\n([\s\S]*?)^```$/gm)].map(
      (m) => m[1],
    );
    expect(quoted.length).toBeGreaterThan(0);
    const files = JS_EXAMPLES.map((n) => readFileSync(join(ROOT, 'examples/node-js', `${n}.mjs`), 'utf8'));
    for (const q of quoted) expect(files, 'a ```js block of README "Examples" that is not an examples/node-js file').toContain(q);
  });
});
