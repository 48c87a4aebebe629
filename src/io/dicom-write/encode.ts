/**
 * A small DICOM writer: datasets given as { Keyword: value } objects -> explicit VR little endian
 * bytes, sequences and items with defined lengths (simplest for every reader, and what dciodvfy
 * checks most strictly), wrapped as a Part-10 file (preamble, 'DICM', group 0002).
 * Values: strings (multi-valued as arrays, joined with '\'), numbers for binary VRs (US, UL, FL,
 * FD, AT) and for DS / IS (formatted here within the 16 / 12 character limits), Uint8Array for
 * OB and for string values copied byte-for-byte from a source file (their character set is the
 * source's, which SpecificCharacterSet then repeats), arrays of items for SQ. `null` writes an
 * empty (type 2) element; `undefined` leaves the attribute out.
 */
import { UsageError } from '../../core/errors.js';
import { DICOM_WRITER_IMPLEMENTATION_UID, DICOM_WRITER_VERSION_NAME } from './uids.js';
import { DICTIONARY } from './dictionary.js';

export type DicomScalar = string | number;
export type DicomValue = DicomScalar | readonly DicomScalar[] | Uint8Array | readonly DicomItem[] | null;
export interface DicomItem {
  readonly [keyword: string]: DicomValue | undefined;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const TEXT_ENCODER = new TextEncoder();

/**
 * DS: at most 16 characters (PS3.5 6.2). At most 12 significant digits: values computed in
 * float64 (volumes, positions) carry noise in the last digits that must not read as precision
 * (12 digits are 1e-8 mm on a 10 m scale).
 */
export function formatDS(x: number): string {
  if (!Number.isFinite(x)) throw new UsageError(`dicom-write: DS value ${x} is not finite`, { field: 'DS' });
  const clean = Math.abs(x) < 1e-12 ? 0 : x;
  for (let p = 12; p >= 1; p--) {
    const s = normaliseNumber(clean.toPrecision(p));
    if (s.length <= 16) return s;
  }
  return clean.toExponential(6);
}

function normaliseNumber(s: string): string {
  if (s.includes('e')) {
    const [m, e] = s.split('e') as [string, string];
    return `${m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m}e${e}`;
  }
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function stringBytes(value: DicomValue, vr: string, keyword: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  const parts = (Array.isArray(value) ? value : [value]) as readonly DicomScalar[];
  const text = parts
    .map((v) => {
      if (typeof v === 'string') return v;
      if (vr === 'DS') return formatDS(v);
      if (vr === 'IS') {
        if (!Number.isInteger(v)) throw new UsageError(`dicom-write: ${keyword} (IS) needs an integer, got ${v}`, { field: keyword });
        return String(v);
      }
      throw new UsageError(`dicom-write: ${keyword} (${vr}) needs text, got a number`, { field: keyword });
    })
    .join('\\');
  // Text the writer makes itself is ASCII (UIDs, codes, numbers); names and labels from callers
  // may not be, so they are UTF-8 and the dataset then says ISO_IR 192 (see datasetCharset).
  return TEXT_ENCODER.encode(text);
}

function numberBytes(value: DicomValue, vr: string, keyword: string): Uint8Array {
  const values = (Array.isArray(value) ? value : [value]) as readonly DicomScalar[];
  const width = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (typeof v !== 'number') throw new UsageError(`dicom-write: ${keyword} (${vr}) needs numbers`, { field: keyword });
    const at = i * width;
    switch (vr) {
      case 'US':
        view.setUint16(at, v, true);
        break;
      case 'SS':
        view.setInt16(at, v, true);
        break;
      case 'UL':
        view.setUint32(at, v, true);
        break;
      case 'SL':
        view.setInt32(at, v, true);
        break;
      case 'FL':
        view.setFloat32(at, v, true);
        break;
      case 'FD':
        view.setFloat64(at, v, true);
        break;
      // AT: group then element, each a little-endian uint16.
      case 'AT':
        view.setUint16(at, v >>> 16, true);
        view.setUint16(at + 2, v & 0xffff, true);
        break;
      default:
        throw new UsageError(`dicom-write: VR ${vr} of ${keyword} is not writable`, { field: keyword });
    }
  });
  return out;
}

const NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT']);

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function header(tag: number, vr: string, length: number): Uint8Array {
  const long = LONG_VRS.has(vr);
  const out = new Uint8Array(long ? 12 : 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, tag >>> 16, true);
  view.setUint16(2, tag & 0xffff, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, length, true);
  else if (length > 0xffff)
    throw new UsageError(
      `dicom-write: value of (${(tag >>> 16).toString(16)},${(tag & 0xffff).toString(16)}) is ${length} bytes, over the 65534 a ${vr} can hold`,
      { vr, length },
    );
  else view.setUint16(6, length, true);
  return out;
}

function itemHeader(tag: number, length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0xfffe, true);
  view.setUint16(2, tag, true);
  view.setUint32(4, length, true);
  return out;
}

function pad(bytes: Uint8Array, vr: string): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  // UI values pad with NUL, OB with 0, text with a space (PS3.5 6.2).
  out[bytes.length] = vr === 'UI' || vr === 'OB' || vr === 'UN' ? 0 : 0x20;
  return out;
}

/** The dataset's elements encoded in tag order (explicit VR little endian, defined lengths). */
export function encodeDataset(item: DicomItem): Uint8Array {
  const entries: { tag: number; bytes: Uint8Array[] }[] = [];
  for (const [keyword, value] of Object.entries(item)) {
    if (value === undefined) continue;
    const entry = DICTIONARY.get(keyword);
    if (entry === undefined) throw new UsageError(`dicom-write: no dictionary entry for ${keyword}`, { field: keyword });
    const { tag, vr } = entry;
    let body: Uint8Array;
    if (value === null) body = new Uint8Array(0);
    else if (vr === 'SQ') {
      const sink = new ByteSink();
      for (const child of value as readonly DicomItem[]) {
        const encoded = encodeDataset(child);
        sink.push(itemHeader(0xe000, encoded.length));
        sink.push(encoded);
      }
      body = sink.concat();
    } else if (NUMBER_VRS.has(vr)) body = numberBytes(value, vr, keyword);
    else if (vr === 'OB' || vr === 'OW') {
      if (!(value instanceof Uint8Array)) throw new UsageError(`dicom-write: ${keyword} needs bytes`, { field: keyword });
      body = value;
    } else body = stringBytes(value, vr, keyword);
    body = pad(body, vr);
    entries.push({ tag, bytes: [header(tag, vr, body.length), body] });
  }
  entries.sort((a, b) => a.tag - b.tag);
  const sink = new ByteSink();
  for (const e of entries) for (const b of e.bytes) sink.push(b);
  return sink.concat();
}

/** Part-10 file: 128-byte preamble, 'DICM', file meta group (explicit VR LE), then the dataset. */
export function encodePart10(dataset: DicomItem): Uint8Array {
  const sopClass = dataset['SOPClassUID'];
  const sopInstance = dataset['SOPInstanceUID'];
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string')
    throw new UsageError('dicom-write: the dataset needs SOPClassUID and SOPInstanceUID', { field: 'SOPInstanceUID' });
  const meta = encodeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]),
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: DICOM_WRITER_IMPLEMENTATION_UID,
    ImplementationVersionName: DICOM_WRITER_VERSION_NAME,
  });
  const groupLength = encodeDataset({ FileMetaInformationGroupLength: meta.length });
  const body = encodeDataset(dataset);
  const out = new Uint8Array(132 + groupLength.length + meta.length + body.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(groupLength, 132);
  out.set(meta, 132 + groupLength.length);
  out.set(body, 132 + groupLength.length + meta.length);
  return out;
}
