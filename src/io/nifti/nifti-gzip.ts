/**
 * gzip handling for .nii.gz, isomorphic (fflate streaming). A .nii.gz is inflated only as far as
 * its header says the image reaches (vox_offset + voxels x bytes): a stream that inflates to more
 * (a decompression bomb: a 1 MB file can yield a gigabyte of zeros) is read up to that point and
 * no further. Node callers may inject zlib's gunzip, which is about 2x faster (see
 * node-read-image.ts); it gets the same bound through `maxOutputLength`.
 */
import { DecodeError, describeError } from '../../core/errors.js';
import { inflateBounded, maxInflatedSize } from '../bounded-inflate.js';

/**
 * A whole-stream gunzip that must not produce more than `maxOutputLength` bytes: it returns the
 * whole stream or throws (zlib's gunzipSync(bytes, { maxOutputLength }) does exactly this). On any
 * throw the reader falls back to the bounded streaming inflater, which reads the needed prefix
 * or reports the stream as corrupt / truncated.
 */
export type GunzipFunction = (bytes: Uint8Array, maxOutputLength: number) => Uint8Array;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates only as much of a gzip stream as needed to get `count` leading bytes (fewer when it is shorter). */
export function peekGunzip(bytes: Uint8Array, count: number, file: string): Uint8Array {
  const result = inflateBounded(bytes, 'gzip', count);
  // A truncated stream still yields its leading bytes; anything else is corrupt data.
  if (result.error !== undefined && result.inflated === 0) {
    throw new DecodeError(`${file}: corrupt gzip stream (${describeError(result.error)})`, { file }, { cause: result.error });
  }
  return result.data;
}

export interface GunzipPrefix {
  /** Exactly `needed` bytes when the stream holds that many (a fresh buffer, owned by the caller). */
  readonly data: Uint8Array;
  /** The stream goes on past `needed` (trailing bytes a reader ignores, or a bomb): not inflated. */
  readonly trailing: boolean;
}

/**
 * The first `needed` bytes of a gzip stream, never inflating more than `needed` (+ `allowance`
 * with an injected whole-stream gunzip). A stream that ends early, or breaks before `needed`
 * bytes, is a DecodeError saying so.
 */
export function gunzipPrefix(bytes: Uint8Array, needed: number, file: string, gunzip?: GunzipFunction, allowance = 65536): GunzipPrefix {
  if (gunzip !== undefined) {
    try {
      const whole = gunzip(bytes, needed + allowance);
      if (whole.length >= needed) return { data: whole, trailing: whole.length > needed };
    } catch {
      // Over the bound, or corrupt: the streaming reader below gives the bounded result or the precise error.
    }
  }
  const result = inflateBounded(bytes, 'gzip', needed);
  if (result.inflated < needed) {
    const why = result.error === undefined ? 'the gzip stream ends' : `the gzip stream is corrupt or truncated (${describeError(result.error)})`;
    throw new DecodeError(`${file}: truncated NIfTI data: header needs ${needed} bytes, ${why} after ${result.inflated}`, { file, expected: needed, actual: result.inflated }, { cause: result.error });
  }
  return { data: result.data, trailing: result.exceeded };
}

/**
 * gunzipPrefix through the platform's DecompressionStream (native zlib in browsers and Node),
 * read chunk by chunk and cancelled as soon as `needed` bytes (and one look past them) are in.
 */
export async function gunzipPrefixStreaming(bytes: Uint8Array, needed: number, file: string): Promise<GunzipPrefix> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  let out: Uint8Array<ArrayBuffer> = new Uint8Array(Math.min(needed, maxInflatedSize(bytes.length)));
  let filled = 0;
  let trailing = false;
  let failure: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const n = Math.min(needed - filled, value.length);
      if (filled + n > out.length) out = growTo(out, Math.min(needed, Math.max(2 * out.length, filled + n)));
      out.set(value.subarray(0, n), filled);
      filled += n;
      if (value.length > n) {
        trailing = true;
        break;
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (filled < needed) {
    const why = failure === undefined ? 'the gzip stream ends' : `the gzip stream is corrupt or truncated (${describeError(failure)})`;
    throw new DecodeError(`${file}: truncated NIfTI data: header needs ${needed} bytes, ${why} after ${filled}`, { file, expected: needed, actual: filled }, { cause: failure });
  }
  return { data: out, trailing };
}

function growTo(buffer: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(size);
  next.set(buffer);
  return next;
}
