/**
 * Boilerplate of the tests that run the SDK in real headless Chromium (Debian package, driven by
 * playwright-core): launching it, bundling a page entry with esbuild the way an app would, serving
 * the bundle from a loopback HTTP server, and opening a page that records its uncaught errors.
 * What a test checks (flags it needs, headers, what the page computes) stays in the test.
 */
import { createServer, type RequestListener } from 'node:http';
import { extname } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet run in a container: no sandbox (root), nothing fetched or phoned home. */
export const QUIET_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every host name but 127.0.0.1 fails to resolve: the page can reach only the test's own server. */
export const LOOPBACK_ONLY = '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1';

export function launchChromium(args: readonly string[]): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...args] });
}

/** The whole HTML of a bundle test's page: it only runs /bundle.js as a module. */
export const MODULE_PAGE = '<!doctype html><meta charset="utf-8"><script type="module" src="/bundle.js"></script>';

export type BundleSource = { contents: string; resolveDir: string; loader: 'js' | 'ts' } | { entry: string };

/** One ES module for the browser (esbuild: bundle, platform browser), as bytes to serve. */
export async function bundleForBrowser(source: BundleSource, external?: string[]): Promise<Uint8Array> {
  const out = await build({
    ...('entry' in source ? { entryPoints: [source.entry] } : { stdin: source }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    logLevel: 'silent',
    ...(external !== undefined ? { external } : {}),
  });
  return out.outputFiles[0]!.contents;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/**
 * An HTTP server on a free loopback port that answers GET <path> (query cut off, percent-decoded)
 * with `find(path)`: '/' as text/html, .js / .mjs and .wasm with their types, anything else as
 * application/octet-stream, each with `headers` added. Where `find` has nothing: `fallback` when
 * given (it gets the request as is), else 404. `base` is `http://127.0.0.1:<port>` (no trailing slash);
 * `close` drops open connections (a proxied keep-alive would hold the server) and closes it.
 */
export async function serveOnLoopback(
  find: (path: string) => Uint8Array | string | undefined,
  options: { headers?: Record<string, string>; fallback?: RequestListener } = {},
): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    const body = find(path);
    if (body === undefined) {
      if (options.fallback) options.fallback(req, res);
      else res.writeHead(404).end();
      return;
    }
    const type = path === '/' ? 'text/html' : (TYPES[extname(path)] ?? 'application/octet-stream');
    res.writeHead(200, { 'content-type': type, ...options.headers }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { base: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, close };
}

/** A new page at `url`, with the messages of the uncaught errors it throws from then on. */
export async function openPage(browser: Browser, url: string, options?: Parameters<Browser['newPage']>[0]): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage(options);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { page, errors };
}
