/**
 * Bounded decompression (isomorphic, fflate streaming): inflates a gzip or raw-deflate stream
 * into a buffer that never grows past a caller-given limit, then stops. Deflate reaches ~1032:1,
 * so a 1 MB file can claim a gigabyte: readers must decide how much output they need (from a
 * header they already read) or accept (a configured limit) before the memory is spent, never
 * after a full inflate.
 *
 * Memory: the output buffer is sized min(limit, what the compressed size can possibly yield),
 * plus one transient chunk per push (see SMALL_STEP).
 */
import { Gunzip, Inflate } from 'fflate';

export type CompressedFormat = 'gzip' | 'deflate';

export interface BoundedInflateResult {
  /** headroom bytes (left zero for the caller) followed by the inflated bytes, at most `limit` of them. */
  readonly data: Uint8Array;
  /** Inflated bytes written after the headroom. */
  readonly inflated: number;
  /** The stream ended (all members) within the limit. */
  readonly complete: boolean;
  /** The stream yields more than `limit` bytes: what lies beyond was not decompressed. */
  readonly exceeded: boolean;
  /** What the decompressor threw (corrupt or truncated stream), after `inflated` good bytes. */
  readonly error?: unknown;
}

/**
 * Input fed per push. fflate emits one chunk per push (up to ~1032x the input), so highly
 * compressible stretches (ratio over 64: zeros, bombs) are fed in small steps, keeping each
 * transient chunk near 2 MB; ordinary data (2-10x) goes in larger steps, which is ~1.5x faster.
 */
const SMALL_STEP = 2 * 1024;
const LARGE_STEP = 32 * 1024;
const HIGH_RATIO = 64;
/** Deflate's best case is ~1032:1 (258-byte matches coded in ~2 bits); with slack for headers. */
const MAX_RATIO = 1040;

/** Upper bound on what `compressedBytes` of deflate / gzip can inflate to. */
export function maxInflatedSize(compressedBytes: number): number {
  return compressedBytes * MAX_RATIO + 65536;
}

/**
 * Inflates at most `limit` bytes of `bytes` (placed after `headroom` zero bytes in the returned
 * buffer, so callers that prepend a header need no second copy). Never throws for stream errors:
 * they come back in `error` with the good prefix, so callers can say "truncated" vs "corrupt".
 */
export function inflateBounded(bytes: Uint8Array, format: CompressedFormat, limit: number, headroom = 0): BoundedInflateResult {
  let out: Uint8Array<ArrayBuffer> = new Uint8Array(headroom + Math.min(limit, maxInflatedSize(bytes.length)));
  let filled = 0;
  let emitted = 0;
  let exceeded = false;
  let complete = false;
  const onData = (chunk: Uint8Array, final: boolean): void => {
    emitted += chunk.length;
    if (final) complete = true;
    if (exceeded) return;
    const room = limit - filled;
    const n = Math.min(room, chunk.length);
    if (headroom + filled + n > out.length) out = grow(out, Math.min(headroom + limit, Math.max(2 * out.length, headroom + filled + n)));
    out.set(chunk.subarray(0, n), headroom + filled);
    filled += n;
    if (chunk.length > room) exceeded = true;
  };
  const stream = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  let error: unknown;
  try {
    let step = SMALL_STEP;
    for (let offset = 0; offset < bytes.length && !exceeded; ) {
      const end = Math.min(bytes.length, offset + step);
      const before = emitted;
      stream.push(bytes.subarray(offset, end), end === bytes.length);
      step = emitted - before > HIGH_RATIO * (end - offset) ? SMALL_STEP : LARGE_STEP;
      offset = end;
    }
    if (bytes.length === 0) stream.push(bytes, true);
  } catch (caught) {
    error = caught;
  }
  if (exceeded) complete = false;
  const data = headroom + filled === out.length ? out : out.subarray(0, headroom + filled);
  return { data, inflated: filled, complete, exceeded, ...(error !== undefined ? { error } : {}) };
}

function grow(buffer: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(size);
  next.set(buffer);
  return next;
}
