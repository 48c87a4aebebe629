/**
 * examples/browser-vite in headless Chromium, without Vite (not a dependency here): its main.ts is
 * bundled with esbuild the way Vite's build would (package `exports`, browser condition), its
 * index.html and the files its README says to serve (`medinfer copy-assets`, the manifest, the
 * phantom model) are served by a small static server sending vite.config.ts's isolation headers,
 * and the sample radiograph is picked in the file input. The printed labels must equal Node's
 * for the same file, and the provider line must say what ran. Needs dist/ and /usr/bin/chromium.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createPipeline } from '../../src/node.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = '/usr/bin/chromium';
const haveBrowser = existsSync(CHROMIUM) && existsSync(join(ROOT, 'dist/browser.js'));
const work = mkdtempSync(join(tmpdir(), 'medinfer-browser-example-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

function serve(root: string): Promise<{ server: Server; url: string }> {
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path.endsWith('/')) path += 'index.html';
    readFile(join(root, path)).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
    }),
  );
}

describe.runIf(haveBrowser || process.env.CI)('examples/browser-vite in headless Chromium', () => {
  it('classifies the sample radiograph with the same labels and scores as Node, and says which provider ran', async () => {
    const app = join(work, 'app');
    const pub = join(app, 'public');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(app, 'node_modules/medinfer'), 'dir');
    await run(process.execPath, [join(ROOT, 'bin/medinfer.js'), 'samples', join(work, 'samples')]);
    // What the example's `npm run assets` does.
    await run(process.execPath, [join(ROOT, 'bin/medinfer.js'), 'copy-assets', join(pub, 'ort')]);
    mkdirSync(join(pub, 'models'), { recursive: true });
    copyFileSync(join(ROOT, 'models.manifest.json'), join(pub, 'models.manifest.json'));
    copyFileSync(join(ROOT, 'models/cxr-densenet-phantom.onnx'), join(pub, 'models/cxr-densenet-phantom.onnx'));
    await build({
      entryPoints: [join(ROOT, 'examples/browser-vite/src/main.ts')],
      absWorkingDir: app,
      nodePaths: [join(app, 'node_modules')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      logLevel: 'silent',
      outfile: join(pub, 'src/main.js'),
    });
    const html = readFileSync(join(ROOT, 'examples/browser-vite/index.html'), 'utf8');
    writeFileSync(join(pub, 'index.html'), html.replace('/src/main.ts', '/src/main.js'));

    const png = join(work, 'samples/radiograph/chest-xray.png');
    const node = await createPipeline('classification', 'medinfer-cxr-densenet-phantom');
    const expected = (await node.run(png)).labels.map((l) => `${l.name}: ${l.score.toFixed(2)}${l.positive ? ' positive' : ''}`);
    await node.dispose();

    const { server, url } = await serve(pub);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      const out = () => page.textContent('#out').then((t) => t ?? '');
      await page.waitForFunction(() => /ready|Error/.test(document.querySelector('#out')?.textContent ?? ''), null, { timeout: 60_000 });
      expect(await out(), errors.join('\n')).toContain('ready: choose a file');
      await page.setInputFiles('#file', png);
      await page.waitForFunction(() => /chest-xray\.png\n|Error/.test(document.querySelector('#out')?.textContent ?? ''), null, { timeout: 60_000 });
      const lines = (await out()).split('\n');
      // Line 1: the provider report (wasm or WebGPU, with the reason for anything dropped).
      expect(lines[0]).toMatch(/^provider: (wasm|webgpu)/);
      expect(lines[1]).toBe('chest-xray.png');
      // 16-bit PNG at full depth in the browser: the same scores as Node's reader and runtime.
      expect(lines.slice(2)).toEqual(expected);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
