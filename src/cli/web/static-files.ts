/**
 * Files served by `medinfer serve`, confined to their root folder. A request path is refused (403)
 * when it has a `..` / `.` segment, a backslash or a NUL after percent-decoding, or when its real
 * path (symlinks resolved) is outside the root's real path: a symlink inside the served folder that
 * points elsewhere is not followed out. Files are opened once and streamed from that handle, so
 * what is sent is the file that was checked, and a read error ends the response instead of
 * throwing out of the server.
 */
import { open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(path: string): string {
  return TYPES[extname(path)] ?? 'application/octet-stream';
}

/** Resolves `rel` inside `root` lexically; null when it would escape (../, absolute, NUL). */
export function resolveInside(root: string, rel: string): string | null {
  if (rel.includes('\0')) return null;
  const base = resolve(root);
  const target = resolve(base, normalize(rel).replace(/^([/\\])+/, ''));
  return target === base || target.startsWith(base + sep) ? target : null;
}

/** True when a decoded URL path is one this server will look up at all. */
export function isCleanPath(path: string): boolean {
  if (path.includes('\0') || path.includes('\\')) return false;
  return path.split('/').every((segment) => segment !== '..' && segment !== '.');
}

const realRoots = new Map<string, Promise<string | null>>();

function realRoot(root: string): Promise<string | null> {
  let real = realRoots.get(root);
  if (real === undefined) {
    // A root that does not exist yet (dist/web before a build) is looked up again next time.
    real = realpath(root).catch(() => {
      realRoots.delete(root);
      return null;
    });
    realRoots.set(root, real);
  }
  return real;
}

/** 'forbidden' when `rel` escapes `root` (lexically or through a symlink), 'missing' when absent. */
export async function resolveServed(root: string, rel: string): Promise<string | 'forbidden' | 'missing'> {
  const lexical = resolveInside(root, rel);
  if (lexical === null) return 'forbidden';
  const base = await realRoot(root);
  if (base === null) return 'missing';
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return 'missing';
  }
  return real === base || real.startsWith(base.endsWith(sep) ? base : base + sep) ? real : 'forbidden';
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a regular file (headers only for HEAD); 404 for anything else. */
export async function sendFile(req: IncomingMessage, res: ServerResponse, path: string | 'forbidden' | 'missing'): Promise<void> {
  if (path === 'forbidden') return sendText(res, 403, 'forbidden');
  if (path === 'missing') return sendText(res, 404, 'not found');
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return sendText(res, 404, 'not found');
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      return sendText(res, 404, 'not found');
    }
    res.writeHead(200, { 'Content-Type': contentType(path), 'Content-Length': info.size });
    if (req.method === 'HEAD' || res.destroyed) {
      await handle.close();
      return void res.end();
    }
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  // The stream owns the handle from here and closes it on end, error, or when the client goes away.
  pipeline(handle.createReadStream(), res, (error) => {
    if (error) res.destroy();
  });
}
