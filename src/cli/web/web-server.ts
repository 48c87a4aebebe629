/**
 * Static server for the web demo, bound to 127.0.0.1 by default. Sends COOP / COEP / CORP so the
 * page is cross-origin isolated (SharedArrayBuffer -> multi-threaded wasm). Serves the page
 * (dist/web), ORT's wasm files (/ort/), the manifest and its model files (/models...), and
 * phantom sample inputs (/samples/). Paths are resolved inside their roots only.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledManifestPath } from '../../manifest/node-manifest.js';
import { createSampleFiles, type SampleFiles } from './sample-data.js';

export interface WebServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly manifestPath?: string;
}

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.gz': 'application/gzip', '.png': 'image/png', '.map': 'application/json',
};

function isolationHeaders(res: ServerResponse): void {
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** Resolves `rel` inside `root`; null when it would escape (../, absolute, NUL). */
export function resolveInside(root: string, rel: string): string | null {
  if (rel.includes('\0')) return null;
  const base = resolve(root);
  const target = resolve(base, normalize(rel).replace(/^([/\\])+/, ''));
  return target === base || target.startsWith(base + sep) ? target : null;
}

async function sendFile(res: ServerResponse, path: string | null): Promise<void> {
  if (path === null) return sendText(res, 403, 'forbidden');
  try {
    const info = await stat(path);
    if (!info.isFile()) return sendText(res, 404, 'not found');
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Length': info.size });
    createReadStream(path).pipe(res);
  } catch {
    sendText(res, 404, 'not found');
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  // src/cli/web and dist/cli/web are both three levels below the package root.
  const webRoot = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
  const ortRoot = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/webgpu')).replace(/[\\/]dist$/, '') + `${sep}dist`;
  const manifestPath = resolve(options.manifestPath ?? bundledManifestPath());
  const manifestRoot = dirname(manifestPath);
  let samples: Promise<SampleFiles> | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    isolationHeaders(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (path === '/' || path === '/index.html') return sendFile(res, join(webRoot, 'index.html'));
    if (path === '/models.manifest.json') return sendFile(res, manifestPath);
    if (path.startsWith('/ort/')) return sendFile(res, resolveInside(ortRoot, path.slice(5)));
    if (path.startsWith('/models/')) return sendFile(res, resolveInside(manifestRoot, path.slice(1)));
    if (path.startsWith('/samples/')) {
      samples ??= createSampleFiles();
      const s = await samples;
      if (path === '/samples/index.json') {
        res.writeHead(200, { 'Content-Type': TYPES['.json']! });
        return void res.end(JSON.stringify(s.index));
      }
      const bytes = s.files.get(basename(path));
      if (!bytes) return sendText(res, 404, 'not found');
      res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Content-Length': bytes.byteLength });
      return void res.end(bytes);
    }
    return sendFile(res, resolveInside(webRoot, path.slice(1)));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => sendText(res, 500, String(error)));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => ok());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
