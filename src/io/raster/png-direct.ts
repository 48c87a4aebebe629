/**
 * Direct PNG decoding in Node for the images radiographs come as: non-interlaced, 8- or 16-bit,
 * grey, grey + alpha, RGB or RGBA. Node's zlib (the same inflate libpng / libspng use, bounded to
 * the exact decoded size) + the five PNG row filters in JS, unfiltered in place inside the
 * inflated buffer, which then backs the Volume: no copy. The image data is inflated straight into
 * that buffer (inflate-into.ts), which the caller may supply: a pipeline passes the buffer it reuses
 * from image to image (core/sample-scratch.ts) and the file's bytes read into its reused file buffer,
 * so a PNG read in steady state allocates nothing of the image's size.
 * Faster than sharp (libvips) on the same 8-bit grey files: sharp runs a metadata pass and a libvips
 * pipeline, and its output was copied again (BENCHMARKS.md, pipeline-overhead and "Design measurements").
 * Anything else (palette, 1/2/4-bit, Adam7 interlacing, an embedded ICC profile, which sharp
 * would convert through, a tRNS transparency key) returns undefined and the caller decodes with sharp, so the samples are
 * those sharp gives in every case: the test compares both decoders on every filter and layout.
 * Chunk CRCs are checked as libspng does (a corrupted file is a DecodeError, never other pixels).
 */
import * as zlib from 'node:zlib';
import { DecodeError, LimitError } from '../../core/errors.js';
import type { SampleAllocator } from '../../core/sample-scratch.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { allocateUnfilled } from '../dicom/node-file-access.js';
import { inflateInto } from './inflate-into.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel for the colour types handled here (0 grey, 2 RGB, 4 grey+alpha, 6 RGBA). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
// zlib.crc32 arrived in Node 20.15: older Nodes go through sharp (which checks CRCs itself).
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const be32 = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

/** How decodePngDirect may use memory: where it inflates, and whether it may rewrite `bytes`. */
export interface PngDecodeMemory {
  /**
   * The buffer the image is inflated into, asked for as uint8 of the inflated size + 1 (default
   * fresh uninitialised memory); the Volume's samples are a view at its start.
   */
  readonly allocate?: SampleAllocator;
  /**
   * The bytes were read for this call alone: the IDAT chunks' data is moved together inside them
   * (over the chunk headers) instead of being copied into a new buffer. They are not a PNG after.
   */
  readonly ownsBytes?: boolean;
}

const IDAT = 0x49444154;
const IEND = 0x49454e44;
const ICCP = 0x69434350;
const TRNS = 0x74524e53;

/**
 * Decodes `bytes` when the fast path covers the file; undefined when sharp must (see above), in
 * which case `bytes` are untouched. Throws DecodeError (file named) for a damaged file and
 * LimitError past maxVoxels.
 */
export function decodePngDirect(bytes: Uint8Array, name: string, maxVoxels?: number, memory: PngDecodeMemory = {}): Volume | undefined {
  if (crc32 === undefined || bytes.length < 45 || !SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const fail = (why: string): never => {
    throw new DecodeError(`${name}: PNG decode failed (${why})`, { file: name, format: 'png' });
  };
  const width = be32(bytes, 16);
  const height = be32(bytes, 20);
  const depth = bytes[24]!;
  const colourType = bytes[25]!;
  const interlace = bytes[28]!;
  const samples = SAMPLES[colourType];
  if (samples === undefined || (depth !== 8 && depth !== 16) || interlace !== 0) return undefined;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) fail(`IHDR says ${width}x${height}`);
  if (maxVoxels !== undefined && width * height > maxVoxels) {
    throw new LimitError(`${name}: ${width}x${height} pixels exceed maxVoxels ${maxVoxels}`, { file: name, voxels: width * height, maxVoxels });
  }
  // Walk the chunks: note where the IDAT data lies, check every CRC, stop at IEND.
  const idat: number[] = []; // offset, length, offset, length ...
  let p = 8;
  let ended = false;
  while (p + 12 <= bytes.length) {
    const length = be32(bytes, p);
    const end = p + 12 + length;
    if (end > bytes.length) fail('a chunk runs past the end of the file');
    const type = be32(bytes, p + 4);
    if (crc32(bytes.subarray(p + 4, p + 8 + length)) !== be32(bytes, p + 8 + length)) {
      fail(`CRC mismatch in chunk ${String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!)}`);
    }
    // iCCP: sharp converts through the profile; tRNS: sharp reports an alpha channel. Both: sharp.
    if (type === ICCP || type === TRNS) return undefined;
    if (type === IDAT) idat.push(p + 8, length);
    p = end;
    if (type === IEND) {
      ended = true;
      break;
    }
  }
  if (!ended) fail('no IEND chunk (truncated file)');
  if (idat.length === 0) fail('no IDAT chunk');
  const bpp = (samples * depth) / 8;
  const stride = width * bpp;
  const expected = height * (stride + 1);
  const raw = inflateImageData(imageDataOf(bytes, idat, memory.ownsBytes === true), expected, memory.allocate ?? allocateUnfilled, fail);
  unfilterInPlace(raw, height, stride, bpp, fail);
  return toVolume(raw, width, height, samples, depth, name);
}

/**
 * The zlib stream, split over the IDAT chunks, as one run of bytes: zlib keeps a copy of the last
 * 32 KiB of output after every call that returns with input consumed, so feeding 300 chunks of
 * 8 KiB (what libspng / libvips write) one by one cost 4 ms more per 2048^2 image than one call.
 * Owned bytes: the chunks' data moved down over the headers between them (each destination lies
 * before its source), no allocation; otherwise one new buffer (the caller's bytes stay as given).
 */
function imageDataOf(bytes: Uint8Array, idat: readonly number[], owned: boolean): Uint8Array {
  const first = idat[0]!;
  if (idat.length === 2) return bytes.subarray(first, first + idat[1]!);
  if (!owned) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < idat.length; i += 2) parts.push(bytes.subarray(idat[i]!, idat[i]! + idat[i + 1]!));
    return Buffer.concat(parts);
  }
  let end = first + idat[1]!;
  for (let i = 2; i < idat.length; i += 2) {
    bytes.copyWithin(end, idat[i]!, idat[i]! + idat[i + 1]!);
    end += idat[i + 1]!;
  }
  return bytes.subarray(first, end);
}

/**
 * The image data, inflated: exactly `expected` bytes at the start of a buffer from `allocate`,
 * bounded to that size (a decompression bomb stops at the buffer's end, not in memory).
 */
function inflateImageData(data: Uint8Array, expected: number, allocate: SampleAllocator, fail: (why: string) => never): Uint8Array {
  // One byte of room more than the header allows: a stream that inflates to more fills it.
  const out = allocate('uint8', expected + 1) as Uint8Array;
  const written = inflateInto(data, out);
  if (typeof written === 'string') return fail(`zlib: ${written}`);
  if (written !== undefined) {
    if (written !== expected) fail(`image data inflates to ${written > expected ? 'more than' : written} bytes, expected ${expected}`);
    return out.subarray(0, expected);
  }
  // No engine that writes into a given buffer in this Node (inflate-into.ts): the public API.
  let inflated: Buffer;
  try {
    inflated = zlib.inflateSync(data, { maxOutputLength: expected, chunkSize: Math.max(64, expected) });
  } catch (error) {
    return fail(`zlib: ${(error as Error).message}`);
  }
  if (inflated.length !== expected) fail(`image data inflates to ${inflated.length} bytes, expected ${expected}`);
  out.set(inflated);
  return out.subarray(0, expected);
}

/**
 * Reverses the row filters (PNG spec 9.2) and packs the rows: row y's data moves from
 * y * (stride + 1) + 1 to y * stride. Writing position y * stride + i only overwrites bytes of
 * the current row already read (its source starts y + 1 bytes later), and the previous row,
 * which the filters read, already sits unfiltered just before it.
 */
function unfilterInPlace(b: Uint8Array, height: number, stride: number, bpp: number, fail: (why: string) => never): void {
  for (let y = 0; y < height; y++) {
    const filter = b[y * (stride + 1)]!;
    const s = y * (stride + 1) + 1;
    const d = y * stride;
    const u = d - stride; // previous row (packed, unfiltered); absent for y = 0
    const first = y === 0;
    if (filter > 4) fail(`row ${y} has filter type ${filter}`);
    if (filter === 0 || (filter === 2 && first)) b.copyWithin(d, s, s + stride);
    else if (filter === 2) for (let i = 0; i < stride; i++) b[d + i] = (b[s + i]! + b[u + i]!) & 255;
    // On the first row up and up-left are 0: Paeth reduces to Sub, Average to half the left.
    else if (bpp === 1) unfilterGreyRow(b, filter === 4 && first ? 1 : filter, first, s, d, u, stride);
    else unfilterRow(b, filter === 4 && first ? 1 : filter, first, s, d, u, stride, bpp);
  }
}

/** Sub (1), Average (3), Paeth (4) for 1 byte a pixel (8-bit grey): the left pixel kept in a local. */
function unfilterGreyRow(b: Uint8Array, filter: number, first: boolean, s: number, d: number, u: number, stride: number): void {
  let a = 0; // left, unfiltered
  if (filter === 1) {
    for (let i = 0; i < stride; i++) b[d + i] = a = (b[s + i]! + a) & 255;
  } else if (filter === 3) {
    if (first) for (let i = 0; i < stride; i++) b[d + i] = a = (b[s + i]! + (a >> 1)) & 255;
    else for (let i = 0; i < stride; i++) b[d + i] = a = (b[s + i]! + ((a + b[u + i]!) >> 1)) & 255;
  } else {
    let c = 0; // up-left
    for (let i = 0; i < stride; i++) {
      const up = b[u + i]!;
      b[d + i] = a = (b[s + i]! + paeth(a, up, c)) & 255;
      c = up;
    }
  }
}

/** Sub (1), Average (3), Paeth (4) for `bpp` bytes a pixel. */
function unfilterRow(b: Uint8Array, filter: number, first: boolean, s: number, d: number, u: number, stride: number, bpp: number): void {
  if (filter === 1) {
    for (let i = 0; i < bpp; i++) b[d + i] = b[s + i]!;
    for (let i = bpp; i < stride; i++) b[d + i] = (b[s + i]! + b[d + i - bpp]!) & 255;
  } else if (filter === 3) {
    for (let i = 0; i < bpp; i++) b[d + i] = (b[s + i]! + (first ? 0 : b[u + i]! >> 1)) & 255;
    if (first) for (let i = bpp; i < stride; i++) b[d + i] = (b[s + i]! + (b[d + i - bpp]! >> 1)) & 255;
    else for (let i = bpp; i < stride; i++) b[d + i] = (b[s + i]! + ((b[d + i - bpp]! + b[u + i]!) >> 1)) & 255;
  } else {
    for (let i = 0; i < bpp; i++) b[d + i] = (b[s + i]! + b[u + i]!) & 255;
    for (let i = bpp; i < stride; i++) b[d + i] = (b[s + i]! + paeth(b[d + i - bpp]!, b[u + i]!, b[u + i - bpp]!)) & 255;
  }
}

/**
 * The Paeth predictor (PNG spec 9.4: the one of left a, up b, up-left c nearest a + b - c, ties to
 * a, then b) without branches: on image data the branches mispredicted, and this form took half
 * the time of the spec's if/else (2048^2 8-bit grey, every row Paeth: 19 vs 37 ms).
 */
export function paeth(a: number, b: number, c: number): number {
  const p = b - c;
  const q = a - c;
  const r = p + q;
  const pa = (p ^ (p >> 31)) - (p >> 31); // |b - c|
  const pb = (q ^ (q >> 31)) - (q >> 31); // |a - c|
  const pc = (r ^ (r >> 31)) - (r >> 31); // |a + b - 2c|
  const notA = ((pb - pa) | (pc - pa)) >> 31; // -1 unless pa <= pb and pa <= pc
  const notB = (pc - pb) >> 31; // -1 unless pb <= pc
  return (a & ~notA) | (notA & ((b & ~notB) | (c & notB)));
}

/** Packed big-endian rows -> the Volume sharp's path gives (alpha dropped, uint16 native order). */
function toVolume(b: Uint8Array, width: number, height: number, samples: number, depth: number, name: string): Volume {
  const n = width * height;
  const components = samples >= 3 ? 3 : 1;
  const alpha = samples === 2 || samples === 4;
  let data: Uint8Array | Uint16Array;
  if (depth === 8) {
    if (!alpha) data = b.subarray(0, n * components);
    else {
      data = b.subarray(0, n * components);
      // Dropping alpha in place: pixel p's colour moves down to p * components (<= its source).
      for (let q = 0; q < n; q++) for (let c = 0; c < components; c++) data[q * components + c] = b[q * samples + c]!;
    }
  } else {
    const count = n * samples;
    const words = b.byteOffset % 2 === 0 ? new Uint16Array(b.buffer, b.byteOffset, count) : new Uint16Array(b.slice(0, count * 2).buffer);
    // PNG stores 16-bit samples big-endian; swap to little-endian (the order of every platform
    // Node and the SDK's typed arrays run on here: x86-64, arm64).
    for (let i = 0; i < count; i++) {
      const w = words[i]!;
      words[i] = ((w >>> 8) | (w << 8)) & 0xffff;
    }
    if (!alpha) data = words.subarray(0, n * components);
    else {
      data = words.subarray(0, n * components);
      for (let q = 0; q < n; q++) for (let c = 0; c < components; c++) data[q * components + c] = words[q * samples + c]!;
    }
  }
  // A fresh view (not a Buffer subclass) of exactly the pixels.
  const pixels = depth === 8 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : new Uint16Array(data.buffer, data.byteOffset, data.length);
  return createVolume({
    geometry: { size: [width, height, 1] },
    data: pixels,
    components,
    meta: {
      format: 'png',
      source: name,
      modality: 'OT',
      photometric: components === 3 ? 'RGB' : 'MONOCHROME2',
      bitsStored: depth,
      ...(alpha ? { warnings: ['alpha channel dropped'] } : {}),
    },
  });
}
