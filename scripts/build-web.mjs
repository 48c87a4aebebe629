#!/usr/bin/env node
// Builds the web demo (web/ -> dist/web/): bundles web/app.ts with the SDK's browser entry.
// Emscripten codecs in dicom-parser / @cornerstonejs/codec-* reference fs / path / zlib behind
// Node-only checks; they are mapped to empty modules here, as any browser app must do.
// The demo's viewer (@niivue/niivue) is a devDependency bundled here, so SDK users never install
// it. MEDINFER_WEB_NODE_PATHS (':'-separated folders holding node_modules packages) is an extra
// place to resolve bare imports from, for a build against a scratch install of a package that the
// checkout's node_modules does not have yet; unset, resolution is esbuild's usual one.
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
  ...(process.env.MEDINFER_WEB_NODE_PATHS ? { nodePaths: process.env.MEDINFER_WEB_NODE_PATHS.split(':').filter(Boolean) } : {}),
});
for (const f of ['index.html', 'style.css']) copyFileSync(`web/${f}`, `dist/web/${f}`);
console.log('built dist/web');
