/**
 * Downloads bytes with a progress callback (fetch exists in Node 18+ and browsers), bounded: a
 * body larger than `maxBytes` is a LimitError, refused from Content-Length before reading when
 * the server states it, and otherwise as soon as the streamed bytes pass the limit - never
 * after buffering it all. A body longer than the Content-Length it announced is refused too
 * (except for Content-Encoding bodies, whose Content-Length counts the compressed bytes that
 * fetch inflates).
 */
import { LimitError, ModelFileError } from '../core/errors.js';

/** 2 GiB: above any single ONNX protobuf (capped at 2 GB) and any image the SDK reads whole. */
export const DEFAULT_MAX_FETCH_BYTES = 2 ** 31;

export interface FetchBytesOptions {
  /** Refuse bodies larger than this (bytes). Default DEFAULT_MAX_FETCH_BYTES. */
  readonly maxBytes?: number;
}

export async function fetchWithProgress(
  url: string,
  onProgress?: (loaded: number, total?: number) => void,
  options: FetchBytesOptions = {},
): Promise<Uint8Array> {
  const limit = options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES;
  const response = await fetch(url);
  if (!response.ok) throw new ModelFileError(`cannot download ${url}: HTTP ${response.status}`, { file: url, status: response.status });
  const header = response.headers.get('content-length');
  const stated = header === null || !/^\d+$/.test(header.trim()) ? undefined : Number(header);
  const encoded = (response.headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity';
  const tooLarge = (received: number): LimitError => {
    return new LimitError(
      `cannot download ${url}: the body is larger than ${limit} bytes (received ${received}${stated === undefined ? '' : `, Content-Length ${stated}`})`,
      { file: url, maxBytes: limit, received },
    );
  };
  if (stated !== undefined && stated > limit && !encoded) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(0);
  }
  const total = stated;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge(bytes.byteLength);
    onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  // Exact-size buffer when the server states the size: no chunk list, no final copy.
  const exact = stated !== undefined && !encoded;
  const bound = exact ? stated : limit;
  let out: Uint8Array<ArrayBuffer> = new Uint8Array(exact ? stated : Math.min(limit, 1 << 20));
  const reader = response.body.getReader();
  let loaded = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      if (loaded + value.byteLength > bound) {
        if (exact && loaded + value.byteLength <= limit)
          throw new ModelFileError(`cannot download ${url}: the body is longer than its Content-Length ${stated}`, { file: url, expected: stated });
        throw tooLarge(loaded + value.byteLength);
      }
      if (loaded + value.byteLength > out.length) out = grow(out, Math.min(bound, Math.max(2 * out.length, loaded + value.byteLength)));
      out.set(value, loaded);
      loaded += value.byteLength;
      onProgress?.(loaded, total);
    }
  } finally {
    // Stop the transfer (and the server's bytes) when we leave early; otherwise just unlock.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  if (exact && loaded < stated)
    throw new ModelFileError(`cannot download ${url}: the body ended after ${loaded} of ${stated} bytes (Content-Length)`, {
      file: url,
      expected: stated,
      actual: loaded,
    });
  return loaded === out.length ? out : out.slice(0, loaded);
}

function grow(buffer: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(size);
  next.set(buffer);
  return next;
}
