#!/usr/bin/env node
// Builds the web demo (web/ -> dist/web/): bundles web/app.ts with the SDK's browser entry.
// Emscripten codecs in dicom-parser / @cornerstonejs/codec-* reference fs / path / zlib behind
// Node-only checks; they are mapped to empty modules here, as any browser app must do.
// The demo's viewer (@niivue/niivue) is a devDependency bundled here, so SDK users never install
// it. MEDINFER_WEB_NODE_PATHS (':'-separated folders holding node_modules packages) is an extra
// place to resolve bare imports from, for a build against a scratch install of a package that the
// checkout's node_modules does not have yet; unset, resolution is esbuild's usual one.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GUARDED = ['fs', 'path', 'zlib', 'crypto'];
const shimNodeBuiltins = {
  name: 'shim-node-builtins',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(node:)?(${GUARDED.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'empty' }));
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

mkdirSync('dist/web', { recursive: true });
const result = await build({
  metafile: true,
  entryPoints: ['web/app.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // Code splitting: modules only reached by dynamic import() (NiiVue's zarr codecs, about 1.4 MB,
  // and the SDK's DICOM codecs) become chunks fetched when first used, not on page load.
  splitting: true,
  outdir: 'dist/web',
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  loader: { '.wasm': 'file' },
  plugins: [shimNodeBuiltins],
  ...(process.env.MEDINFER_WEB_NODE_PATHS ? { nodePaths: process.env.MEDINFER_WEB_NODE_PATHS.split(':').filter(Boolean) } : {}),
});
for (const f of ['index.html', 'style.css']) copyFileSync(`web/${f}`, `dist/web/${f}`);

// The .wasm of each DICOM codec the demo bundles the glue of (web/codecs.ts), served from codecs/.
const CODEC_WASM = [
  'codec-libjpeg-turbo-8bit/dist/libjpegturbowasm_decode.wasm',
  'codec-charls/dist/charlswasm_decode.wasm',
  'codec-openjpeg/dist/openjpegwasm_decode.wasm',
  'codec-openjph/dist/openjphjs.wasm',
];
mkdirSync('dist/web/codecs', { recursive: true });
for (const f of CODEC_WASM) copyFileSync(join('node_modules/@cornerstonejs', f), join('dist/web/codecs', f.split('/').pop()));

// Licences of the third-party packages in app.js (BSD / MIT ask binary redistributions to carry
// them): name, version, licence field and the package's own licence file, else web/licenses/.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
  if (m && !packages.has(m[2])) packages.set(m[2], m[1]);
}
const notices = [...packages]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, dir]) => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const own = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const local = `web/licenses/${name.split('/').pop()}.LICENSE`;
    const text = own ? readFileSync(join(dir, own), 'utf8') : existsSync(local) ? readFileSync(local, 'utf8') : '(no licence text in the package)';
    return `${name}@${pkg.version} (${pkg.license ?? 'licence not stated'})\n\n${text.trim()}\n`;
  });
writeFileSync('dist/web/THIRD-PARTY-NOTICES.txt', `Third-party software bundled in app.js\n\n${notices.join('\n' + '-'.repeat(72) + '\n\n')}`);
console.log('built dist/web');
