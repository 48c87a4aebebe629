/**
 * multipart/related around the parser: the boundary of a response's Content-Type, and the body
 * of a STOW-RS request (each part with its Content-Type and Content-Length).
 */
import { DecodeError } from '../../core/errors.js';
import { concat } from './multipart.js';

/** Parameters of a Content-Type header value, names lower-cased, quotes removed. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const re = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  for (const m of value.slice(semi === -1 ? value.length : semi).matchAll(re)) {
    const raw = m[2]!.trim();
    params[m[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { type, params };
}

/** The boundary of a multipart Content-Type, or DecodeError naming `name`. */
export function boundaryOf(contentType: string | null, name: string): string {
  const { type, params } = parseContentType(contentType ?? '');
  if (!type.startsWith('multipart/'))
    throw new DecodeError(`${name}: expected a multipart response, got Content-Type '${type || 'none'}'`, {
      file: name,
      cause: 'content-type',
      contentType: type,
    });
  const boundary = params['boundary'];
  if (boundary === undefined || boundary.length === 0)
    throw new DecodeError(`${name}: multipart Content-Type without a boundary`, { file: name, cause: 'boundary' });
  return boundary;
}

/** Builds a multipart/related body: each part with its own Content-Type. */
export function buildMultipart(parts: readonly { readonly contentType: string; readonly body: Uint8Array }[], boundary: string): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    chunks.push(enc.encode(`--${boundary}\r\nContent-Type: ${part.contentType}\r\nContent-Length: ${part.body.length}\r\n\r\n`), part.body, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  return concat(
    chunks,
    chunks.reduce((n, c) => n + c.length, 0),
  );
}
