/**
 * Bundles the browser entry the way an app would (esbuild, platform browser) and fails if any
 * Node built-in, sharp or onnxruntime-node is reachable from the SDK's own code.
 *
 * Third-party emscripten codecs (DICOM JPEG / JPEG-LS / JPEG 2000 / HTJ2K) and dicom-parser
 * contain `require('fs' | 'path' | 'zlib')` behind Node-only runtime checks; browser apps map
 * those to empty modules (README: bundler settings). The test does the same and pins the exact
 * set of such packages, so any new leak - above all from src/ - fails.
 */
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const NODE_ONLY = new Set(['sharp', 'onnxruntime-node', ...builtinModules]);
const GUARDED_IN_THIRD_PARTY = new Set([
  'dicom-parser',
  '@cornerstonejs/codec-openjph',
  '@cornerstonejs/codec-libjpeg-turbo-8bit',
  '@cornerstonejs/codec-openjpeg',
  '@cornerstonejs/codec-charls',
]);

function packageOf(file: string): string | null {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return m ? m[1]! : null;
}

function recordNodeOnlyImports(leaks: string[], shimmed: Set<string>): Plugin {
  return {
    name: 'record-node-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '');
        const pkg = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0]!;
        if (!args.path.startsWith('node:') && !NODE_ONLY.has(pkg)) return undefined;
        const importer = packageOf(args.importer);
        if (importer && GUARDED_IN_THIRD_PARTY.has(importer) && ['fs', 'path', 'zlib', 'crypto'].includes(bare)) {
          shimmed.add(importer);
          return { path: args.path, namespace: 'empty-shim' };
        }
        leaks.push(`${args.path} (imported by ${args.importer})`);
        return { path: args.path, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: 'empty-shim' }, () => ({ contents: 'export default {};', loader: 'js' }));
    },
  };
}

async function bundleEntry(entry: string) {
  const leaks: string[] = [];
  const shimmed = new Set<string>();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outdir: 'dist-browser-test',
    format: 'esm',
    platform: 'browser',
    minify: true,
    metafile: true,
    logLevel: 'silent',
    loader: { '.wasm': 'file' },
    plugins: [recordNodeOnlyImports(leaks, shimmed)],
  });
  expect(leaks).toEqual([]);
  for (const p of shimmed) expect(GUARDED_IN_THIRD_PARTY.has(p)).toBe(true);
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((p) => p.includes('onnxruntime-node') || p.includes('/sharp/'))).toBe(false);
  return result;
}

describe('browser bundle', () => {
  it('contains no Node built-ins, sharp or onnxruntime-node', async () => {
    const result = await bundleEntry('src/browser.ts');
    const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
    const bytes = js.reduce((n, f) => n + f.contents.byteLength, 0);
    const wasm = result.outputFiles.filter((f) => f.path.endsWith('.wasm')).reduce((n, f) => n + f.contents.byteLength, 0);
    console.log(
      `browser bundle: ${(bytes / 1024).toFixed(0)} KiB minified JS (without ORT's .wasm; codec wasm inlined or emitted: ${(wasm / 1024).toFixed(0)} KiB)`,
    );
    expect(bytes).toBeGreaterThan(10_000);
  });

  // The isomorphic entries (medinfer's default condition, medinfer/ops, medinfer/phantoms) bundle for browsers too.
  it.each(['src/index.ts', 'src/ops.ts', 'src/phantoms.ts'])('%s contains no Node built-ins, sharp or onnxruntime-node', async (entry) => {
    await bundleEntry(entry);
  });
});
