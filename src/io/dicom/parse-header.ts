/**
 * Bytes -> DataSet: preamble and file meta group, transfer syntax, then the dataset (parse-dataset.ts).
 * Every failure is a DecodeError naming the file. Isomorphic: the deflated transfer syntax is
 * inflated with fflate's streaming inflater (never zlib / Buffer), bounded (deflated-dataset.ts). dicom-parser is not used: its bundle references
 * Node's zlib and it throws strings; this parser is small, bounds-checked and fuzzed.
 */
import { DecodeError } from '../../core/errors.js';
import { inflateDeflatedDataset } from './deflated-dataset.js';
import { DEFAULT_MAX_VOXELS } from './limits.js';
import type { DataSet } from './dataset.js';
import { parseDataSet, type ParseContext, type ValueCut } from './parse-dataset.js';

const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const EXPLICIT_BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const KNOWN_VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

export interface ParsedDicom {
  readonly dataSet: DataSet;
  /** File meta information (group 0002), empty for files without a preamble. */
  readonly meta: DataSet | undefined;
  /** Transfer syntax UID from the file meta (or guessed for files without a preamble). */
  readonly transferSyntaxUid: string;
  readonly name: string;
  /**
   * Where the native Pixel Data samples are when they are not in dataSet.byteArray (a head-only
   * parse): decodeImage reads them from here, straight into the volume when it can.
   */
  readonly pixelSource?: PixelSource;
}

/** Native Pixel Data samples kept outside the parsed bytes (e.g. still in the file). */
export interface PixelSource {
  /** Bytes the element holds. */
  readonly length: number;
  /** Fills `target` from the start of the element; resolves the number of bytes read (fewer at a truncated end). */
  readInto(target: Uint8Array): Promise<number>;
}

function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * A preamble-less file is accepted only when it starts with a plausible group 0x0008 (or 0x0002)
 * element - otherwise random bytes would "parse" into garbage tags.
 */
function looksLikeRawDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0]! | (bytes[1]! << 8);
  return group === 0x0008 || group === 0x0002;
}

/**
 * Stricter than looksLikeRawDataset, for telling a file found in a folder by its first bytes
 * alone: the first element is a low element of group 0x0008 (or file meta 0x0002) and either an
 * explicit VR follows or an implicit length that fits a header value (a text or binary file that
 * happens to start with 08 00 fails one of the two).
 */
export function startsLikeRawDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const group = bytes[0]! | (bytes[1]! << 8);
  const element = bytes[2]! | (bytes[3]! << 8);
  if (!((group === 0x0008 || group === 0x0002) && element <= 0x00ff)) return false;
  if (hasExplicitVr(bytes, 0)) return true;
  const implicitLength = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  return group === 0x0008 && implicitLength >= 0 && implicitLength <= 0xffff;
}

/** Whether the first 132 bytes of a file (fewer for a short one) say DICOM: the DICM marker, or a raw dataset (startsLikeRawDataset). */
export function isDicomHead(head: Uint8Array): boolean {
  return hasPreamble(head) || startsLikeRawDataset(head);
}

function hasExplicitVr(bytes: Uint8Array, at: number): boolean {
  return at + 6 <= bytes.length && KNOWN_VRS.has(String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!));
}

function context(bytes: Uint8Array, explicit: boolean, littleEndian: boolean, file: string): ParseContext {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), explicit, littleEndian, file };
}

/** End of the group 0002 elements starting at `start` (always explicit VR little endian). */
function metaEnd(bytes: Uint8Array, start: number): number {
  let p = start;
  while (p + 8 <= bytes.length && bytes[p] === 0x02 && bytes[p + 1] === 0x00) {
    const vr = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!);
    if (vr === 'OB' || vr === 'UN' || vr === 'SQ' || vr === 'UT') {
      if (p + 12 > bytes.length) break;
      p += 12 + ((bytes[p + 8]! | (bytes[p + 9]! << 8) | (bytes[p + 10]! << 16)) + bytes[p + 11]! * 2 ** 24);
    } else {
      p += 8 + (bytes[p + 6]! | (bytes[p + 7]! << 8));
    }
  }
  return Math.min(p, bytes.length);
}

export interface ParseDicomOptions {
  /**
   * Most bytes a Deflated Explicit VR Little Endian dataset may inflate to; more is a LimitError
   * raised before that memory is spent (deflate reaches ~1000:1, so a 1 MB file can claim 1 GB).
   * Default: maxInflatedBytesFor(DEFAULT_MAX_VOXELS).
   */
  readonly maxInflatedBytes?: number;
  /**
   * `bytes` are only the start of the file: a native (defined-length) Pixel Data element that
   * runs past them is recorded and parsing stops there; its samples are read later through
   * ParsedDicom.pixelSource (node-files.ts). Any other shortfall is the usual DecodeError, and
   * the caller then reads the whole file.
   */
  readonly headOnly?: boolean;
  /**
   * With headOnly: values left out of `bytes` (parse-dataset.ts ValueCut), each checked to be
   * where this file has it - otherwise a DecodeError, and the caller reads the file afresh.
   */
  readonly cuts?: readonly ValueCut[];
}

/**
 * The inflate bound that goes with a voxel limit: 4 bytes a sample (up to 32-bit pixels; a
 * deflated file cannot tell its pixel size before it is inflated) plus 64 MiB for the rest of the
 * dataset (sequences, overlays, private blocks).
 */
export function maxInflatedBytesFor(maxVoxels: number): number {
  return maxVoxels * 4 + 64 * 2 ** 20;
}

/** Parses a DICOM Part 10 file (or a raw dataset without preamble). Throws DecodeError on anything else. */
export function parseDicomBytes(bytes: Uint8Array, name: string, options: ParseDicomOptions = {}): ParsedDicom {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError(`${name}: expected a Uint8Array of file bytes`, { file: name });
  if (bytes.length === 0) throw new DecodeError(`${name}: empty file`, { file: name, cause: 'empty' });
  const preamble = hasPreamble(bytes);
  if (!preamble && !looksLikeRawDataset(bytes)) {
    throw new DecodeError(`${name}: not a DICOM file (no 'DICM' marker at byte 128 and no raw dataset header)`, { file: name, cause: 'not-dicom' });
  }
  const metaStart = preamble ? 132 : 0;
  const end = metaEnd(bytes, metaStart);
  const meta = end > metaStart ? parseDataSet(context(bytes, true, true, name), metaStart, end, 0, false).dataSet : undefined;
  const declared = meta === undefined ? undefined : readString(meta, 'x00020010');
  const transferSyntaxUid = declared ?? (hasExplicitVr(bytes, end) ? EXPLICIT_LITTLE_ENDIAN : IMPLICIT_LITTLE_ENDIAN);
  const cuts = options.cuts !== undefined && options.cuts.length > 0 ? options.cuts : undefined;
  // Values are left out of the dataset itself only: not of the meta group, not of deflated data.
  if (cuts !== undefined && (options.headOnly !== true || transferSyntaxUid === DEFLATED || cuts[0]!.at < end))
    throw new DecodeError(`${name}: the values left out of the head read are not where this file has them`, { file: name, cause: 'parse', cutMismatch: true });
  const limit = options.maxInflatedBytes ?? maxInflatedBytesFor(DEFAULT_MAX_VOXELS);
  const data = transferSyntaxUid === DEFLATED ? inflateDeflatedDataset(bytes, end, name, limit) : bytes;
  // Unknown (e.g. compressed) syntaxes all use explicit VR little endian for the dataset itself.
  // Files whose meta says explicit but whose dataset is implicit exist in the wild (pydicom
  // tolerates them too): the first element's VR decides.
  const explicit = transferSyntaxUid !== IMPLICIT_LITTLE_ENDIAN && (transferSyntaxUid === EXPLICIT_BIG_ENDIAN || hasExplicitVr(data, end));
  const headOnly = options.headOnly === true && data === bytes;
  const ctx = { ...context(data, explicit, transferSyntaxUid !== EXPLICIT_BIG_ENDIAN, name), headOnly, ...(cuts === undefined ? {} : { cuts }) };
  const { dataSet, position } = parseDataSet(ctx, end, data.length, 0, false);
  // Every element moves the position on (by 8 bytes at least): still at the start = no element.
  // (Object.keys of a dataset's few hundred keys, in dictionary mode, cost more than the test.)
  if (position === end) throw new DecodeError(`${name}: no DICOM dataset after the file meta information`, { file: name, cause: 'empty-dataset' });
  return { dataSet, meta, transferSyntaxUid, name };
}

/** Trimmed string value (padding and NULs removed), undefined when absent or empty. */
export function readString(ds: DataSet, tag: string, index?: number): string | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length === 0) return undefined;
  // Already trimmed, and without NULs: DataSet.string stops at the first one.
  const s = index === undefined ? ds.string(tag) : ds.string(tag, index);
  return s === '' ? undefined : s;
}

/** Reads an US element; undefined when absent or too short. */
export function readUint16(ds: DataSet, tag: string): number | undefined {
  return ds.uint16(tag);
}

/** Multi-valued decimal string (DS) as finite numbers; undefined when absent or malformed. */
export function readNumbers(ds: DataSet, tag: string): number[] | undefined {
  const s = readString(ds, tag);
  if (s === undefined) return undefined;
  if (!s.includes('\\')) {
    // One value (most are: IS, a single DS), trimmed and not empty: no split, map and checks.
    const v = Number(s);
    return Number.isFinite(v) ? [v] : undefined;
  }
  // Number('') is 0: empty values (e.g. a trailing backslash) must not become zeros.
  const parts = s.split('\\').map((v) => v.trim());
  if (parts.some((v) => v === '')) return undefined;
  const values = parts.map(Number);
  if (values.length === 0 || !values.every(Number.isFinite)) return undefined;
  return values;
}

export function readNumber(ds: DataSet, tag: string): number | undefined {
  const values = readNumbers(ds, tag);
  return values === undefined ? undefined : values[0];
}

/** A numeric value whatever its VR: FD / FL binary (enhanced objects), DS / IS text otherwise. */
export function readNumeric(ds: DataSet | undefined, tag: string): number | undefined {
  if (ds === undefined) return undefined;
  const el = ds.elements[tag];
  if (el === undefined || el.length === 0) return undefined;
  if (el.vr === 'FD') return el.length >= 8 ? finite(ds.double(tag)) : undefined;
  if (el.vr === 'FL') return el.length >= 4 ? finite(ds.float(tag)) : undefined;
  return readNumber(ds, tag);
}

const finite = (v: number | undefined): number | undefined => (v !== undefined && Number.isFinite(v) ? v : undefined);

/** First item dataset of a sequence, if any. */
export function firstItem(ds: DataSet, tag: string): DataSet | undefined {
  return ds.elements[tag]?.items?.[0]?.dataSet;
}

export function sequenceItems(ds: DataSet, tag: string): DataSet[] {
  const items = ds.elements[tag]?.items ?? [];
  const out: DataSet[] = [];
  for (const item of items) if (item.dataSet !== undefined) out.push(item.dataSet);
  return out;
}
