/**
 * Deflated Explicit VR Little Endian (1.2.840.10008.1.2.1.99, PS3.5 A.5): everything after the
 * file meta group is one raw deflate stream. Deflate reaches ~1000:1, so a 1 MB file can claim a
 * gigabyte; the dataset is therefore inflated in stages and never past what its own header
 * implies:
 *  1. a prefix is inflated and its top-level elements walked up to the pixel data element,
 *     collecting Rows, Columns, SamplesPerPixel, BitsAllocated and NumberOfFrames;
 *  2. the stream is inflated to the pixel data's start + the bytes those imply + a small
 *     allowance for trailing elements (padding, signatures), and no further: a stream that goes on
 *     is a LimitError. Without a usable header (no pixel data, odd encodings) the bound is the
 *     caller's limit (derived from maxVoxels).
 */
import { DecodeError, LimitError, describeError } from '../../core/errors.js';
import { BoundedInflater } from '../bounded-inflate.js';

/** First prefix inflated to find the pixel module; grown 4x at a time while the walk needs more. */
const FIRST_PREFIX = 256 * 1024;
/** Room for elements after the pixel data (FFFA,FFFA signatures, FFFC,FFFC padding). */
const TRAILING_ALLOWANCE = 4 * 2 ** 20;
const MAX_DEPTH = 16;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const NEED_MORE = -1;
const UNUSABLE = -2;

interface PixelModuleSeen {
  /** On NEED_MORE: how far the inflated data must reach for the walk to go on (when known). */
  want?: number;
  rows?: number;
  columns?: number;
  samples?: number;
  bitsAllocated?: number;
  frames?: number;
}

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 2 ** 24;
}

/** Skips a sequence of undefined length from `p`; returns where it ends, NEED_MORE or UNUSABLE. */
function skipSequence(b: Uint8Array, p: number, end: number, depth: number): number {
  if (depth > MAX_DEPTH) return UNUSABLE;
  for (;;) {
    if (p + 8 > end) return NEED_MORE;
    const group = u16(b, p);
    const element = u16(b, p + 2);
    const length = u32(b, p + 4);
    if (group !== 0xfffe) return UNUSABLE;
    if (element === 0xe0dd) return p + 8;
    if (element !== 0xe000) return UNUSABLE;
    if (length !== UNDEFINED) {
      p += 8 + length;
      continue;
    }
    p = skipElements(b, p + 8, end, depth + 1, true);
    if (p < 0) return p;
  }
}

/** Skips explicit-VR elements (up to an item delimiter when `inItem`); position, NEED_MORE or UNUSABLE. */
function skipElements(b: Uint8Array, p: number, end: number, depth: number, inItem: boolean): number {
  for (;;) {
    if (p + 8 > end) return NEED_MORE;
    if (inItem && u16(b, p) === 0xfffe && u16(b, p + 2) === 0xe00d) return p + 8;
    const head = readElementHeader(b, p, end);
    if (typeof head === 'number') return head;
    const { vr, length, valueStart } = head;
    if (length === UNDEFINED) {
      if (vr !== 'SQ') return UNUSABLE; // UN of undefined length holds implicit VR: not walked here
      p = skipSequence(b, valueStart, end, depth + 1);
      if (p < 0) return p;
    } else {
      p = valueStart + length;
    }
  }
}

interface ElementHeader {
  readonly group: number;
  readonly element: number;
  readonly vr: string;
  readonly length: number;
  readonly valueStart: number;
}

/** The explicit-VR LE element header at `p` (8 bytes are known to be there), NEED_MORE or UNUSABLE. */
function readElementHeader(b: Uint8Array, p: number, end: number): ElementHeader | number {
  const c0 = b[p + 4]!;
  const c1 = b[p + 5]!;
  if (c0 < 0x41 || c0 > 0x5a || c1 < 0x41 || c1 > 0x5a) return UNUSABLE;
  const vr = String.fromCharCode(c0, c1);
  const long = LONG_VRS.has(vr);
  if (long && p + 12 > end) return NEED_MORE;
  return { group: u16(b, p), element: u16(b, p + 2), vr, length: long ? u32(b, p + 8) : u16(b, p + 6), valueStart: p + (long ? 12 : 8) };
}

/**
 * Walks top-level elements from `start` to the pixel data; returns the absolute offset where the
 * pixel data's value ends as the header implies it, NEED_MORE or UNUSABLE.
 */
function findImpliedEnd(b: Uint8Array, start: number, end: number, seen: PixelModuleSeen): number {
  let p = start;
  for (;;) {
    if (p + 8 > end) return NEED_MORE;
    const head = readElementHeader(b, p, end);
    if (typeof head === 'number') return head;
    const { group, element, vr, length, valueStart } = head;
    if (group === 0x7fe0 && (element === 0x0010 || element === 0x0008 || element === 0x0009)) {
      const width = element === 0x0008 ? 4 : element === 0x0009 ? 8 : undefined;
      const bytes = impliedPixelBytes(seen, width);
      return bytes === undefined ? UNUSABLE : valueStart + bytes;
    }
    if (length === UNDEFINED) {
      if (vr !== 'SQ') return UNUSABLE;
      p = skipSequence(b, valueStart, end, 1);
      if (p < 0) return p;
      continue;
    }
    if (valueStart + length > end) {
      seen.want = valueStart + length + 8;
      return NEED_MORE;
    }
    if (group === 0x0028) collect(b, element, vr, valueStart, length, seen);
    p = valueStart + length;
  }
}

function collect(b: Uint8Array, element: number, vr: string, at: number, length: number, seen: PixelModuleSeen): void {
  if (vr === 'US' && length >= 2) {
    const v = u16(b, at);
    if (element === 0x0010) seen.rows = v;
    else if (element === 0x0011) seen.columns = v;
    else if (element === 0x0002) seen.samples = v;
    else if (element === 0x0100) seen.bitsAllocated = v;
  } else if (element === 0x0008 && vr === 'IS') {
    const n = Number(String.fromCharCode(...b.subarray(at, at + length)).trim());
    if (Number.isSafeInteger(n) && n > 0) seen.frames = n;
  }
}

function impliedPixelBytes(seen: PixelModuleSeen, width: number | undefined): number | undefined {
  const { rows, columns, bitsAllocated } = seen;
  if (rows === undefined || columns === undefined || (width === undefined && bitsAllocated === undefined)) return undefined;
  const samples = (seen.samples ?? 1) * rows * columns * (seen.frames ?? 1);
  // BitsAllocated 1 packs 8 samples a byte; odd lengths are padded to even.
  const bytes = width !== undefined ? samples * width : bitsAllocated === 1 ? Math.ceil(samples / 8) : samples * Math.ceil(bitsAllocated! / 8);
  return bytes + (bytes % 2);
}

/**
 * Inflates the dataset after the meta group (ending at `position`) into one buffer that starts
 * with the original bytes up to `position`, so offsets stay file offsets.
 */
export function inflateDeflatedDataset(bytes: Uint8Array, position: number, file: string, limit: number): Uint8Array {
  const inflater = new BoundedInflater(bytes.subarray(position), 'deflate', position);
  let target = Math.min(limit, FIRST_PREFIX);
  let bound = limit;
  let why = 'the limit derived from maxVoxels';
  const seen: PixelModuleSeen = {};
  for (;;) {
    inflater.fill(target);
    const end = position + inflater.inflated;
    const implied = findImpliedEnd(inflater.data, position, end, seen);
    if (implied >= 0) {
      const header = implied - position + TRAILING_ALLOWANCE;
      if (header < limit) {
        bound = header;
        why = `its Rows x Columns x frames imply about ${implied - position} bytes`;
      }
      break;
    }
    // Unusable header, a stream that ended, or the limit reached: the caller's limit is the bound.
    if (implied === UNUSABLE || inflater.inflated < target || target >= limit) break;
    // A large element ahead (e.g. a private blob) is inflated in one step, not by repeated growth.
    target = Math.min(limit, Math.max(target * 4, (seen.want ?? 0) - position));
    delete seen.want;
  }
  inflater.fill(bound);
  if (inflater.inflated >= bound && inflater.hasMore()) {
    throw new LimitError(`${file}: deflated dataset inflates to more than ${bound} bytes (${why}); not decompressed further`, {
      file,
      maxInflatedBytes: bound,
      cause: 'inflate-limit',
    });
  }
  if (inflater.error !== undefined) {
    throw new DecodeError(
      `${file}: deflated dataset cannot be inflated (corrupt or truncated after ${inflater.inflated} bytes): ${describeError(inflater.error)}`,
      { file, cause: 'inflate' },
      { cause: inflater.error },
    );
  }
  const full = inflater.data;
  full.set(bytes.subarray(0, position), 0);
  return full;
}
