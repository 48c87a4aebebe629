/**
 * Native (uncompressed) pixel data -> typed array of the raw stored type, laid out as the Volume
 * wants it: column fastest, then row, then frame, samples interleaved. Mirrors pydicom's
 * numpy_handler: 1-bit data unpacked LSB-first across frame boundaries, YBR_FULL_422 upsampled by
 * repeating each pair's chroma. Bits outside BitsStored are cleared afterwards, for every transfer
 * syntax, by decode-image.ts (stored-bits.ts). Input bytes are often views into a larger buffer at
 * odd offsets (byte-views.ts): typed views are only built on private aligned copies.
 */
import { DecodeError } from '../../core/errors.js';
import { allocateTypedArray, bytesPerElement, type TypedArray } from '../../core/dtype.js';
import type { PixelModule } from './pixel-module.js';
import { countNativeFrameBytes } from './pixel-module.js';
import { interleavePlanes } from './color.js';
import { copyBytes } from './byte-views.js';
import type { PixelSource } from './parse-header.js';

/** Where to put the samples: a slot in a bigger (series) buffer of the raw type, to save a copy. */
export interface DecodeTarget {
  readonly out: TypedArray;
  /** Element offset of this image in `out`. */
  readonly offset: number;
}

/** Bytes of native pixel data the pixel module needs (1-bit data packed across frames). */
function nativeByteCount(pm: PixelModule): number {
  return pm.bitsAllocated === 1 ? Math.ceil((pm.rows * pm.columns * pm.frames * pm.samplesPerPixel) / 8) : countNativeFrameBytes(pm) * pm.frames;
}

function truncated(file: string, actual: number, expected: number): DecodeError {
  return new DecodeError(`${file}: pixel data is truncated: ${actual} bytes, expected ${expected}`, { file, cause: 'truncated-pixel-data', expected, actual });
}

/** Samples that can land in the volume buffer as stored (no unpacking, upsampling or de-planing). */
export function copiesStraight(pm: PixelModule): boolean {
  return pm.bitsAllocated !== 1 && pm.photometric !== 'YBR_FULL_422' && !(pm.samplesPerPixel === 3 && pm.planarConfiguration === 1);
}

/**
 * decodeNativePixels for samples still outside the parsed bytes (a head-only parse: the folder
 * reader keeps no file in memory). With a target they are read from the file straight into the
 * volume buffer - no intermediate copy of the file - else into one buffer of the exact size.
 */
export async function decodeExternalNativePixels(
  source: PixelSource,
  pm: PixelModule,
  bigEndian: boolean,
  file: string,
  target?: DecodeTarget,
): Promise<TypedArray> {
  const expected = nativeByteCount(pm);
  if (source.length < expected) throw truncated(file, source.length, expected);
  if (target === undefined && copiesStraight(pm)) {
    // A fresh buffer of the exact size is already private and aligned: view it, no second copy.
    const bytes = new Uint8Array(expected);
    const got = await source.readInto(bytes);
    if (got < expected) throw truncated(file, got, expected);
    const width = bytesPerElement(pm.rawType);
    if (bigEndian && width > 1) swapBytes(bytes, width);
    return viewAs(bytes, pm);
  }
  if (target === undefined || !copiesStraight(pm)) {
    const bytes = new Uint8Array(expected);
    const got = await source.readInto(bytes);
    return decodeNativePixels(bytes.subarray(0, got), pm, bigEndian, file, target);
  }
  const width = bytesPerElement(pm.rawType);
  const bytes = new Uint8Array(target.out.buffer, target.out.byteOffset + target.offset * width, expected);
  const got = await source.readInto(bytes);
  if (got < expected) throw truncated(file, got, expected);
  if (bigEndian && width > 1) swapBytes(bytes, width);
  return target.out.subarray(target.offset, target.offset + expected / width);
}

export function decodeNativePixels(pixelBytes: Uint8Array, pm: PixelModule, bigEndian: boolean, file: string, target?: DecodeTarget): TypedArray {
  const expectedAll = nativeByteCount(pm);
  if (pixelBytes.length < expectedAll) throw truncated(file, pixelBytes.length, expectedAll);
  if (pm.bitsAllocated === 1) return unpackBits(pixelBytes, pm.rows * pm.columns * pm.frames * pm.samplesPerPixel);
  const width = bytesPerElement(pm.rawType);
  if (target !== undefined && copiesStraight(pm)) {
    // Common series case: one memcpy straight into the volume buffer (aligned by construction).
    const n = expectedAll / width;
    const bytes = new Uint8Array(target.out.buffer, target.out.byteOffset + target.offset * width, expectedAll);
    bytes.set(pixelBytes.subarray(0, expectedAll));
    if (bigEndian && width > 1) swapBytes(bytes, width);
    return target.out.subarray(target.offset, target.offset + n);
  }
  // Copy into a fresh, aligned buffer: the element may sit at an odd offset in the file, and the
  // input may be a Buffer whose slice() is a shared view (byte swapping would edit the caller's bytes).
  const copy = copyBytes(pixelBytes, 0, expectedAll);
  if (bigEndian && width > 1) swapBytes(copy, width);
  let samples = viewAs(copy, pm);
  if (pm.photometric === 'YBR_FULL_422') samples = upsampleYbr422(samples);
  if (pm.samplesPerPixel === 3 && pm.planarConfiguration === 1) samples = interleavePlanes(samples, pm.rows * pm.columns, pm.frames);
  return samples;
}

/** `bytes` must be a private copy at offset 0 (copyBytes), so any element width is aligned. */
function viewAs(bytes: Uint8Array, pm: PixelModule): TypedArray {
  const n = bytes.length / bytesPerElement(pm.rawType);
  const probe = allocateTypedArray(pm.rawType, 0);
  const Ctor = probe.constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;
  return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
}

/** In-place byte swap of 2- or 4-byte words (explicit VR big endian). */
function swapBytes(bytes: Uint8Array, width: number): void {
  const n = bytes.length;
  if (width === 2) {
    for (let i = 0; i + 1 < n; i += 2) {
      const a = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = a;
    }
  } else {
    for (let i = 0; i + 3 < n; i += 4) {
      const a = bytes[i]!;
      const b = bytes[i + 1]!;
      bytes[i] = bytes[i + 3]!;
      bytes[i + 1] = bytes[i + 2]!;
      bytes[i + 2] = b;
      bytes[i + 3] = a;
    }
  }
}

/** 1-bit data: least significant bit first (PS3.5 8.1.1), the stream runs on across frames. */
function unpackBits(bytes: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let p = 0; p < count; p++) out[p] = (bytes[p >> 3]! >> (p & 7)) & 1;
  return out;
}

/** Y1 Y2 Cb Cr -> Y1 Cb Cr Y2 Cb Cr (PS3.3 C.7.6.3.1.2), as pydicom does. */
function upsampleYbr422(src: TypedArray): TypedArray {
  const pairs = src.length >> 2;
  const out = allocateTypedArray(src instanceof Uint16Array ? 'uint16' : 'uint8', pairs * 6);
  for (let p = 0; p < pairs; p++) {
    const s = p * 4;
    const d = p * 6;
    const cb = src[s + 2]!;
    const cr = src[s + 3]!;
    out[d] = src[s]!;
    out[d + 1] = cb;
    out[d + 2] = cr;
    out[d + 3] = src[s + 1]!;
    out[d + 4] = cb;
    out[d + 5] = cr;
  }
  return out;
}
