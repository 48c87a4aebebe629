/**
 * gzip handling for .nii.gz, isomorphic (fflate). Node callers may inject zlib's gunzip, which
 * is about 2x faster (see node-read-image.ts); the header peek always uses fflate's streaming
 * inflater so limits are checked before the full volume is decompressed.
 */
import { Gunzip, gunzipSync } from 'fflate';
import { DecodeError } from '../../core/errors.js';

export type GunzipFunction = (bytes: Uint8Array) => Uint8Array;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates only as much of a gzip stream as needed to get `count` leading bytes. */
export function peekGunzip(bytes: Uint8Array, count: number, file: string): Uint8Array {
  const out = new Uint8Array(count);
  let filled = 0;
  const stream = new Gunzip((chunk) => {
    const n = Math.min(chunk.length, count - filled);
    if (n > 0) out.set(chunk.subarray(0, n), filled);
    filled += n;
  });
  const step = 4096;
  try {
    for (let offset = 0; offset < bytes.length && filled < count; offset += step) {
      const end = Math.min(bytes.length, offset + step);
      stream.push(bytes.subarray(offset, end), end === bytes.length);
    }
  } catch (error) {
    // A truncated stream still yields its leading bytes; anything else is corrupt data.
    if (filled < count) throw new DecodeError(`${file}: corrupt gzip stream (${(error as Error).message})`, { file }, { cause: error });
  }
  return out.subarray(0, filled);
}

export function gunzipWithFflate(bytes: Uint8Array): Uint8Array {
  return gunzipSync(bytes);
}

export function gunzipOrThrow(bytes: Uint8Array, file: string, gunzip: GunzipFunction = gunzipWithFflate): Uint8Array {
  try {
    return gunzip(bytes);
  } catch (error) {
    throw new DecodeError(`${file}: corrupt or truncated gzip data (${(error as Error).message})`, { file }, { cause: error });
  }
}
