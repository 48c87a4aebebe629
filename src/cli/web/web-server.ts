/**
 * Static server for the web demo, bound to 127.0.0.1 by default. Sends COOP / COEP / CORP so the
 * page is cross-origin isolated (SharedArrayBuffer -> multi-threaded wasm). Serves the page
 * (dist/web), ORT's wasm files (/ort/), the manifest and its model files (/models/...), and
 * phantom sample inputs (/samples/). GET and HEAD only, no request bodies.
 *
 * Hostile clients: the HTTP limits (header size, timeouts, connections, bodies) are set and
 * documented in http-limits.ts; path confinement (no `..`, no symlink out of a root) in
 * static-files.ts. A malformed URL is a 400, an unexpected fault a 500 without its message (it
 * could name local paths), and a fault after the headers went out ends that response only:
 * nothing a client sends reaches an unhandled rejection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../core/errors.js';
import { bundledManifestPath } from '../../manifest/node-manifest.js';
import { missingPackageName, missingPeerError } from '../../runtime/optional-peers.js';
import { createLimitedServer, hasBody, hostAllowed, refuse } from './http-limits.js';
import { createSampleFiles, type SampleFiles } from './sample-data.js';
import { contentType, isCleanPath, resolveServed, sendFile, sendText } from './static-files.js';

export { resolveInside } from './static-files.js';

export interface WebServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly manifestPath?: string;
}

export interface WebServer {
  readonly url: string;
  /** Stops accepting, closes idle sockets at once and any still open after `graceMs` (default 2 s). */
  close(graceMs?: number): Promise<void>;
}

function isolationHeaders(res: ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** The decoded path of a request URL, or null when the URL cannot be parsed or decoded. */
function requestPath(url: string | undefined): string | null {
  try {
    return decodeURIComponent(new URL(url ?? '/', 'http://localhost').pathname);
  } catch {
    return null;
  }
}

/** onnxruntime-web's dist folder (the page's wasm runtime); an optional peer, so absent -> typed error. */
function resolveOrtWebDist(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')).replace(/[\\/]dist$/, '') + `${sep}dist`;
  } catch (error) {
    if (missingPackageName(error) === 'onnxruntime-web') throw missingPeerError('onnxruntime-web', error);
    throw error;
  }
}

export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  // src/cli/web and dist/cli/web are both three levels below the package root.
  const webRoot = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
  const ortRoot = resolveOrtWebDist();
  const manifestPath = resolve(options.manifestPath ?? bundledManifestPath());
  // Model files are fetched as /models/<name> relative to the manifest: only that folder is served.
  const modelsRoot = join(dirname(manifestPath), 'models');
  const host = options.host ?? '127.0.0.1';
  let samples: Promise<SampleFiles> | undefined;
  const loadSamples = () => {
    samples ??= createSampleFiles().catch((error: unknown) => {
      samples = undefined; // a failed generation is retried by the next request
      throw error;
    });
    return samples;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    isolationHeaders(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (hasBody(req)) return refuse(req, res, 413, 'request bodies are not accepted');
    if (!hostAllowed(host, req.headers.host)) return refuse(req, res, 403, 'host not allowed');
    const path = requestPath(req.url);
    if (path === null) return refuse(req, res, 400, 'malformed URL');
    if (!isCleanPath(path)) return sendText(res, 403, 'forbidden');
    if (path === '/' || path === '/index.html') return sendFile(req, res, await resolveServed(webRoot, 'index.html'));
    if (path === '/models.manifest.json') return sendFile(req, res, manifestPath);
    if (path.startsWith('/ort/')) return sendFile(req, res, await resolveServed(ortRoot, path.slice('/ort/'.length)));
    if (path.startsWith('/models/')) return sendFile(req, res, await resolveServed(modelsRoot, path.slice('/models/'.length)));
    if (path.startsWith('/samples/')) {
      const s = await loadSamples();
      const body = path === '/samples/index.json' ? Buffer.from(JSON.stringify(s.index)) : s.files.get(basename(path));
      if (!body) return sendText(res, 404, 'not found');
      res.writeHead(200, { 'Content-Type': contentType(path), 'Content-Length': body.byteLength });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    return sendFile(req, res, await resolveServed(webRoot, path.slice(1)));
  };

  const server = createLimitedServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'internal error');
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      // EADDRINUSE / EACCES: a setup problem the user can fix with --port / --host.
      fail(new UsageError(`cannot listen on ${host}:${options.port ?? 8080}: ${error.code ?? error.message}`, { code: error.code }, { cause: error }));
    });
    server.listen(options.port ?? 8080, host, () => ok());
  });
  // Once listening, the only errors a server emits are failed accepts (e.g. EMFILE under a flood):
  // that connection is lost, the server goes on; without a listener they would crash the process.
  server.on('error', () => undefined);
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${address.port}/`,
    close: (graceMs = 2_000) =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeIdleConnections();
        // Stalled or hostile clients would otherwise hold close() until their own timeouts.
        setTimeout(() => server.closeAllConnections(), graceMs).unref();
      }),
  };
}
