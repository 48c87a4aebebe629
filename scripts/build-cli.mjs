#!/usr/bin/env node
// Bundles the CLI commands whose start-up time counts (one-shot conversions) into one file each:
// dist/cli/commands/<name>.js and the ~80 modules it imports -> dist/cli/bundled/<name>.js, so
// Node loads one module instead of resolving, reading and linking ~80 (about 40 ms of a
// `medinfer convert`). Runs after tsc (npm run build); main.ts uses a bundle only when it is
// newer than dist/cli/main.js, so a later plain `tsc` run falls back to the modules, never to
// stale code. npm packages stay external (resolved from node_modules as before), and so does
// dist/core/errors.js: main.ts and the command must share one MedinferError class (instanceof).
//
// Each command is also written as a script, dist/cli/bundled/<name>.cjs: the same code as a
// CommonJS function body that src/cli/code-cache.ts compiles with a V8 code cache (an ES module
// cannot take one on Node 20). Its require() gets node builtins, packages and errors.js (as the
// shared namespace 'medinfer:errors'); its dynamic import() calls become __medinferImport(),
// which main.ts resolves like import() from the bundle's folder. The rewrite is checked: the
// number of `import(` in the text must equal the number of dynamic imports esbuild itself finds
// (a build with dynamic import lowered to require), so no string or comment is ever touched;
// anything else unexpected (a warning such as import.meta, which a script lacks) and no script is
// written - main.ts then loads the ES module bundle as before. The script's first line records the
// sha256 of the rest (code-cache.ts names its cache by it).
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = resolve(ROOT, 'dist');
const OUT = resolve(DIST, 'cli', 'bundled');
const COMMANDS = ['convert'];
const SHARED = [resolve(DIST, 'core', 'errors.js')];

const keepShared = {
  name: 'keep-shared-modules',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!SHARED.includes(target)) return undefined;
      // Imported from the bundle's own folder at run time.
      const path = relative(OUT, target).split('\\').join('/');
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
  },
};

/**
 * errors.js as the shared namespace the script's require() is handed (code-cache.ts); packages
 * external (loaded by require() / import() at run time) except the plain-JavaScript ones in
 * SCRIPT_INLINE, which the convert path imports statically: inside the script they are compiled
 * with its code cache instead of by Node's CommonJS loader on every run.
 */
const SCRIPT_INLINE = ['fflate'];
const sharedAsId = {
  name: 'shared-as-id',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => (SHARED.includes(resolve(args.resolveDir, args.path)) ? { path: 'medinfer:errors', external: true } : undefined));
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind !== 'dynamic-import' && SCRIPT_INLINE.includes(args.path) ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Inlined packages whose module top level is costly and that a convert of plain DICOM never
 * calls: fflate builds its Huffman tables (~10 ms) and loads node:worker_threads when evaluated.
 * Each is replaced by a stand-in with the named exports the sources import (a name missing here
 * fails the build), which evaluates the package on first use - require() of an inlined module
 * is evaluated lazily by esbuild (__commonJS). Functions only: `new` of a function returning an
 * object gives that object, so a class export works as long as nothing checks instanceof.
 */
const LAZY_INLINE = { fflate: ['Gunzip', 'Inflate', 'gzipSync'] };
const lazyInline = {
  name: 'lazy-inline',
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(LAZY_INLINE).join('|')})$`);
    b.onResolve({ filter }, (args) => (args.kind === 'require-call' ? undefined : { path: args.path, namespace: 'lazy-inline' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-inline' }, (args) => ({
      resolveDir: ROOT,
      contents: [
        'let loaded;',
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        ...LAZY_INLINE[args.path].map((n) => `export function ${n}(...a) { return new.target ? new (load().${n})(...a) : load().${n}(...a); }`),
      ].join('\n'),
    }));
  },
};

const count = (text, pattern) => text.split(pattern).length - 1;

/** The script form of one command, or a reason why not (then none is written). */
async function scriptOf(name) {
  const common = {
    entryPoints: [resolve(DIST, 'cli', 'commands', `${name}.js`)],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [lazyInline, sharedAsId],
  };
  const kept = await build(common);
  const lowered = await build({ ...common, supported: { 'dynamic-import': false } });
  if (kept.warnings.length > 0 || lowered.warnings.length > 0) return { reason: kept.warnings.concat(lowered.warnings)[0].text };
  const text = kept.outputFiles[0].text;
  // Each dynamic import lowered by esbuild adds one `__toESM(require(` to the same code.
  const dynamicImports = count(lowered.outputFiles[0].text, '__toESM(require(') - count(text, '__toESM(require(');
  const found = count(text, 'import(');
  if (found !== dynamicImports) return { reason: `${found} 'import(' in the text, ${dynamicImports} dynamic imports` };
  if (text.includes('__medinferImport')) return { reason: 'the name __medinferImport is taken' };
  return { text: text.split('import(').join('__medinferImport(') };
}

for (const name of COMMANDS) {
  await build({
    entryPoints: [resolve(DIST, 'cli', 'commands', `${name}.js`)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: resolve(OUT, `${name}.js`),
    packages: 'external',
    logLevel: 'warning',
    plugins: [keepShared],
  });
  const script = await scriptOf(name);
  const scriptPath = resolve(OUT, `${name}.cjs`);
  // First line: the sha256 of the rest, which names the code cache (code-cache.ts BUILD_KEY), so
  // a run does not hash the script itself.
  if (script.text !== undefined)
    writeFileSync(scriptPath, `// medinfer-content-sha256 ${createHash('sha256').update(script.text).digest('hex')}\n${script.text}`);
  else {
    rmSync(scriptPath, { force: true });
    console.warn(`${name}: no script bundle (${script.reason}); the ES module bundle is used, without a code cache`);
  }
}
console.log(`bundled CLI commands: ${COMMANDS.join(', ')} (dist/cli/bundled)`);
