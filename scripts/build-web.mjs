#!/usr/bin/env node
// Builds the web demo (web/ -> dist/web/): bundles web/app.ts with the SDK's browser entry.
// Emscripten codecs in dicom-parser / @cornerstonejs/codec-* reference fs / path / zlib behind
// Node-only checks; they are mapped to empty modules here, as any browser app must do.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const GUARDED = ['fs', 'path', 'zlib', 'crypto'];
const shimNodeBuiltins = {
  name: 'shim-node-builtins',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${GUARDED.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

mkdirSync('dist/web', { recursive: true });
await build({
  entryPoints: ['web/app.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outfile: 'dist/web/app.js',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  loader: { '.wasm': 'file' },
  plugins: [shimNodeBuiltins],
});
for (const f of ['index.html', 'style.css']) copyFileSync(`web/${f}`, `dist/web/${f}`);
console.log('built dist/web');
