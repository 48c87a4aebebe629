/**
 * gzip handling for .nii.gz, isomorphic (fflate streaming, or the platform's DecompressionStream).
 * A .nii.gz is inflated only as far as its header says the image reaches (vox_offset + voxels x
 * bytes): a stream that inflates to more (a decompression bomb: a 1 MB file can yield a gigabyte
 * of zeros) is read up to that point and no further. The bytes between the header and vox_offset
 * (extensions, which this reader does not use) are inflated and dropped, never stored, so a huge
 * vox_offset costs time, not memory. Node callers may inject zlib's gunzip, which is about 2x
 * faster (see node-read-image.ts); it gets the same bound through `maxOutputLength`.
 */
import { DecodeError, describeError } from '../../core/errors.js';
import { BoundedInflater, inflateBounded, maxInflatedSize } from '../bounded-inflate.js';

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

/** Where the parts of a NIfTI file lie in the decompressed stream (from its header). */
export interface NiftiStreamLayout {
  /** Header bytes kept (352 for NIfTI-1, 544 for NIfTI-2: header + extension flag). */
  readonly headerBytes: number;
  /** Start of the voxel data (vox_offset, at least headerBytes). */
  readonly offset: number;
  /** End of the voxel data: offset + voxels x bytes per voxel. */
  readonly needed: number;
}

export interface GunzipPrefix {
  /** The header, then the voxel data at `dataOffset` (a fresh buffer, owned by the caller). */
  readonly data: Uint8Array;
  readonly dataOffset: number;
  /** The stream goes on past the voxel data (trailing bytes a reader ignores, or a bomb): not inflated. */
  readonly trailing: boolean;
}

/** Extensions larger than this skip the injected whole-stream gunzip (it would have to hold them). */
const MAX_KEPT_EXTENSIONS = 16 * 2 ** 20;

function truncated(file: string, layout: NiftiStreamLayout, got: number, error: unknown): DecodeError {
  const why = error === undefined ? 'the gzip stream ends' : `the gzip stream is corrupt or truncated (${describeError(error)})`;
  return new DecodeError(
    `${file}: truncated NIfTI data: header needs ${layout.needed} bytes, ${why} after ${got}`,
    { file, expected: layout.needed, actual: got },
    { cause: error },
  );
}

/**
 * The header and voxel data of a .nii.gz, never inflating past `layout.needed` (+ `allowance` with
 * an injected whole-stream gunzip). A stream that ends early, or breaks before the end of the
 * voxel data, is a DecodeError saying so.
 */
export function gunzipPrefix(bytes: Uint8Array, layout: NiftiStreamLayout, file: string, gunzip?: GunzipFunction, allowance = 65536): GunzipPrefix {
  const { headerBytes, offset, needed } = layout;
  if (gunzip !== undefined && offset - headerBytes <= MAX_KEPT_EXTENSIONS) {
    try {
      const whole = gunzip(bytes, needed + allowance);
      if (whole.length >= needed) return { data: whole, dataOffset: offset, trailing: whole.length > needed };
    } catch {
      // Over the bound, or corrupt: the streaming reader below gives the bounded result or the precise error.
    }
  }
  const inflater = new BoundedInflater(bytes, 'gzip');
  inflater.fill(headerBytes);
  const skipped = inflater.inflated === headerBytes ? inflater.discard(offset - headerBytes) : 0;
  const dataBytes = needed - offset;
  if (skipped === offset - headerBytes) inflater.fill(headerBytes + dataBytes);
  const got = inflater.inflated + skipped;
  if (got < needed) throw truncated(file, layout, got, inflater.error);
  return { data: inflater.data, dataOffset: headerBytes, trailing: inflater.hasMore() };
}

/**
 * gunzipPrefix through the platform's DecompressionStream (native zlib in browsers and Node),
 * read chunk by chunk and cancelled as soon as the voxel data (and one look past it) is in.
 */
export async function gunzipPrefixStreaming(bytes: Uint8Array, layout: NiftiStreamLayout, file: string): Promise<GunzipPrefix> {
  const { headerBytes, offset, needed } = layout;
  const keep = headerBytes + (needed - offset);
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  let out: Uint8Array<ArrayBuffer> = new Uint8Array(Math.min(keep, maxInflatedSize(bytes.length)));
  let position = 0; // in the decompressed stream
  let filled = 0; // bytes kept in `out`
  let trailing = false;
  let failure: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const start = position;
      position += value.length;
      // Keep [0, headerBytes) and [offset, needed); drop the extensions in between.
      for (const [from, to, at] of [
        [0, headerBytes, 0],
        [offset, needed, headerBytes],
      ] as const) {
        const a = Math.max(from, start);
        const b = Math.min(to, position);
        if (a >= b) continue;
        if (at + (b - from) > out.length) out = growTo(out, Math.min(keep, Math.max(2 * out.length, at + (b - from))));
        out.set(value.subarray(a - start, b - start), at + (a - from));
        filled += b - a;
      }
      if (position > needed) {
        trailing = true;
        break;
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    reader.cancel().catch(() => undefined);
  }
  if (filled < keep) throw truncated(file, layout, Math.min(position, needed), failure);
  return { data: out, dataOffset: headerBytes, trailing };
}

function growTo(buffer: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(size);
  next.set(buffer);
  return next;
}
