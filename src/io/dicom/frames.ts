/**
 * Locating pixel data: the native byte range, or the compressed bytes of each frame of
 * encapsulated pixel data (PS3.5 A.4) using the Basic Offset Table, one-fragment-per-frame, or
 * (for JPEG family streams without a table) the end-of-image markers.
 */
import { DecodeError } from '../../core/errors.js';
import type { DataSet, Element } from './dataset.js';
import { TAG } from './tags.js';

interface FragmentRef {
  readonly offset: number;
  readonly position: number;
  readonly length: number;
}

export function findPixelDataElement(ds: DataSet, file: string): Element {
  const el = ds.elements[TAG.pixelData];
  if (el === undefined) throw new DecodeError(`${file}: no Pixel Data element (7FE0,0010) - not an image`, { file, cause: 'missing-pixel-data' });
  return el;
}

/** Native pixel bytes as a view into the file (clipped to the bytes actually present). */
export function sliceNativePixelBytes(ds: DataSet, el: Element, file: string): Uint8Array {
  if (el.encapsulatedPixelData === true)
    throw new DecodeError(`${file}: pixel data is encapsulated but the transfer syntax is native`, { file, cause: 'encapsulation-mismatch' });
  const bytes = ds.byteArray as Uint8Array;
  const start = el.dataOffset;
  const end = Math.min(bytes.length, start + el.length);
  if (start > bytes.length) throw new DecodeError(`${file}: pixel data starts beyond the end of the file`, { file, cause: 'truncated-pixel-data' });
  return bytes.subarray(start, end);
}

/** Compressed byte stream of each frame, in frame order. */
export function extractEncapsulatedFrames(ds: DataSet, el: Element, frameCount: number, jpegFamily: boolean, file: string): Uint8Array[] {
  if (el.encapsulatedPixelData !== true)
    throw new DecodeError(`${file}: transfer syntax is compressed but pixel data is not encapsulated`, { file, cause: 'encapsulation-mismatch' });
  const bytes = ds.byteArray as Uint8Array;
  const fragments: FragmentRef[] = (el.fragments ?? []).map((f) => ({ offset: f.offset, position: f.position, length: f.length }));
  if (fragments.length === 0) throw new DecodeError(`${file}: encapsulated pixel data has no fragments`, { file, cause: 'no-fragments' });
  for (const f of fragments) {
    if (f.position < 0 || f.position + f.length > bytes.length)
      throw new DecodeError(`${file}: pixel data fragment runs past the end of the file (truncated)`, { file, cause: 'truncated-pixel-data' });
  }
  const groups = groupFragments(fragments, el.basicOffsetTable ?? [], frameCount, jpegFamily, bytes, file);
  return groups.map((g) => concatFragments(bytes, g));
}

function groupFragments(
  fragments: FragmentRef[],
  bot: readonly number[],
  frameCount: number,
  jpegFamily: boolean,
  bytes: Uint8Array,
  file: string,
): FragmentRef[][] {
  if (frameCount === 1) return [fragments];
  if (bot.length === frameCount) {
    const groups: FragmentRef[][] = [];
    for (let i = 0; i < frameCount; i++) {
      const start = bot[i]!;
      const end = i + 1 < frameCount ? bot[i + 1]! : Infinity;
      const g = fragments.filter((f) => f.offset >= start && f.offset < end);
      if (g.length === 0) throw new DecodeError(`${file}: Basic Offset Table entry ${i} points at no fragment`, { file, cause: 'bad-offset-table' });
      groups.push(g);
    }
    return groups;
  }
  if (fragments.length === frameCount) return fragments.map((f) => [f]);
  if (jpegFamily) return splitAtEndOfImage(fragments, frameCount, bytes, file);
  throw new DecodeError(`${file}: ${fragments.length} fragments for ${frameCount} frames and no Basic Offset Table`, { file, cause: 'frame-fragments' });
}

/** A JPEG-family frame ends with the EOI marker (FF D9), possibly followed by one pad byte. */
function splitAtEndOfImage(fragments: FragmentRef[], frameCount: number, bytes: Uint8Array, file: string): FragmentRef[][] {
  const groups: FragmentRef[][] = [];
  let current: FragmentRef[] = [];
  for (const f of fragments) {
    current.push(f);
    const end = f.position + f.length;
    const tail = (k: number): number => bytes[end - k] ?? 0;
    if ((tail(2) === 0xff && tail(1) === 0xd9) || (tail(3) === 0xff && tail(2) === 0xd9)) {
      groups.push(current);
      current = [];
    }
  }
  if (groups.length !== frameCount || current.length > 0) {
    throw new DecodeError(`${file}: cannot split ${fragments.length} fragments into ${frameCount} frames`, { file, cause: 'frame-fragments' });
  }
  return groups;
}

function concatFragments(bytes: Uint8Array, group: FragmentRef[]): Uint8Array {
  if (group.length === 1) return bytes.subarray(group[0]!.position, group[0]!.position + group[0]!.length);
  let total = 0;
  for (const f of group) total += f.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const f of group) {
    out.set(bytes.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return out;
}
