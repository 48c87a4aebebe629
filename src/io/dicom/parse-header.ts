/**
 * Bytes -> dicom-parser DataSet, with every failure turned into a typed DecodeError naming the file.
 * Works in Node and browsers: deflated transfer syntax is inflated with fflate (never zlib / Buffer).
 */
import { inflateSync } from 'fflate';
import { DecodeError, describeError } from '../../core/errors.js';
import { dicomParser, type DataSet } from './dicom-parser-lib.js';
import { TAG } from './tags.js';

const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';

export interface ParsedDicom {
  readonly dataSet: DataSet;
  /** Transfer syntax UID from the file meta (or implicit LE for files without a preamble). */
  readonly transferSyntaxUid: string;
  readonly name: string;
}

/** dicom-parser calls this with the whole file and the offset where the deflated dataset starts. */
function inflateDataset(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateSync(bytes.subarray(position));
  const full = new Uint8Array(position + inflated.length);
  full.set(bytes.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

function hasPreamble(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/**
 * A preamble-less file is accepted only when it starts with a plausible group 0x0008 (or 0x0002)
 * element in implicit little endian - otherwise random bytes would "parse" into garbage tags.
 */
function looksLikeRawDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0]! | (bytes[1]! << 8);
  return group === 0x0008 || group === 0x0002;
}

function foreignMessage(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && 'exception' in value) return String((value as { exception: unknown }).exception);
  return describeError(value);
}

/** Parses a DICOM Part 10 file (or a raw implicit-LE dataset). Throws DecodeError on anything else. */
export function parseDicomBytes(bytes: Uint8Array, name: string): ParsedDicom {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError(`${name}: expected a Uint8Array of file bytes`, { file: name });
  if (bytes.length === 0) throw new DecodeError(`${name}: empty file`, { file: name, cause: 'empty' });
  const preamble = hasPreamble(bytes);
  if (!preamble && !looksLikeRawDataset(bytes)) {
    throw new DecodeError(`${name}: not a DICOM file (no 'DICM' marker at byte 128 and no raw dataset header)`, { file: name, cause: 'not-dicom' });
  }
  let dataSet: DataSet;
  try {
    dataSet = preamble
      ? dicomParser.parseDicom(bytes, { inflater: inflateDataset as (arr: Uint8Array, position: number) => void })
      : dicomParser.parseDicom(bytes, { TransferSyntaxUID: IMPLICIT_LITTLE_ENDIAN });
  } catch (err) {
    throw new DecodeError(`${name}: cannot parse DICOM dataset (truncated or corrupt): ${foreignMessage(err)}`, { file: name, cause: 'parse' }, { cause: err });
  }
  const transferSyntaxUid = (preamble ? readString(dataSet, TAG.transferSyntaxUid) : undefined) ?? IMPLICIT_LITTLE_ENDIAN;
  return { dataSet, transferSyntaxUid: transferSyntaxUid.replace(/\0/g, '').trim(), name };
}

/** Trimmed string value (dicom-parser already strips trailing padding), undefined when absent or empty. */
export function readString(ds: DataSet, tag: string, index?: number): string | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length === 0) return undefined;
  const s = index === undefined ? ds.string(tag) : ds.string(tag, index);
  if (s === undefined) return undefined;
  const t = s.replace(/\0/g, '').trim();
  return t === '' ? undefined : t;
}

/** Reads an US element tolerant of truncation: undefined when the value does not fit in the file. */
export function readUint16(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length < 2 || el.dataOffset + 2 > ds.byteArray.length) return undefined;
  return ds.uint16(tag);
}

/** Multi-valued decimal string (DS) as finite numbers; undefined when absent or malformed. */
export function readNumbers(ds: DataSet, tag: string): number[] | undefined {
  const s = readString(ds, tag);
  if (s === undefined) return undefined;
  const values = s.split('\\').map((v) => Number(v.trim()));
  if (values.length === 0 || !values.every(Number.isFinite)) return undefined;
  return values;
}

export function readNumber(ds: DataSet, tag: string): number | undefined {
  const values = readNumbers(ds, tag);
  return values === undefined ? undefined : values[0];
}

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
