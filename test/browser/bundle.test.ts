/**
 * Bundles the browser entry the way an app would (esbuild, platform browser) and fails if any
 * Node built-in, sharp or onnxruntime-node is reachable from it. Reports the bundle size.
 */
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const NODE_ONLY = new Set(['sharp', 'onnxruntime-node', ...builtinModules]);

function recordNodeOnlyImports(found: string[]): Plugin {
  return {
    name: 'record-node-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '');
        const pkg = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0]!;
        if (args.path.startsWith('node:') || NODE_ONLY.has(pkg)) {
          found.push(`${args.path} (imported by ${args.importer})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

describe('browser bundle', () => {
  it('contains no Node built-ins, sharp or onnxruntime-node', async () => {
    const found: string[] = [];
    const result = await build({
      entryPoints: ['src/browser.ts'],
      bundle: true,
      write: false,
      outdir: 'dist-browser-test',
      format: 'esm',
      platform: 'browser',
      minify: true,
      metafile: true,
      logLevel: 'silent',
      // ORT's .wasm binaries are served separately (wasmPaths), never bundled.
      loader: { '.wasm': 'file' },
      plugins: [recordNodeOnlyImports(found)],
    });
    expect(found).toEqual([]);
    const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
    const bytes = js.reduce((n, f) => n + f.contents.byteLength, 0);
    const ort = Object.entries(result.metafile.inputs).filter(([p]) => p.includes('onnxruntime-web')).reduce((n, [, i]) => n + i.bytes, 0);
    console.log(`browser bundle: ${(bytes / 1024).toFixed(0)} KiB minified JS (onnxruntime-web sources ${(ort / 1024).toFixed(0)} KiB before minify), .wasm excluded`);
    expect(bytes).toBeGreaterThan(10_000);
  });
});
