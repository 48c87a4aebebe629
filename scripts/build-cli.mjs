#!/usr/bin/env node
// Bundles the CLI commands whose start-up time counts (one-shot conversions) into one file each:
// dist/cli/commands/<name>.js and the ~80 modules it imports -> dist/cli/bundled/<name>.js, so
// Node loads one module instead of resolving, reading and linking ~80 (about 40 ms of a
// `medinfer convert`). Runs after tsc (npm run build); main.ts uses a bundle only when it is
// newer than dist/cli/main.js, so a later plain `tsc` run falls back to the modules, never to
// stale code. npm packages stay external (resolved from node_modules as before), and so does
// dist/core/errors.js: main.ts and the command must share one MedinferError class (instanceof).
import { build } from 'esbuild';
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
}
console.log(`bundled CLI commands: ${COMMANDS.join(', ')} (dist/cli/bundled)`);
