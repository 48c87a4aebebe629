/**
 * A tiny DICOM Part 10 writer for synthetic test files (explicit VR little endian, defined
 * lengths). Enough for classic and enhanced MR headers with native 16-bit pixels; not a general
 * writer. Tags are 'ggggeeee' hex.
 */
import { concat, encodeElementHeader } from '../io/dicom/build-dicom.js';

export type DicomValue = string | number | readonly number[] | Uint8Array | Uint16Array | readonly DicomElements[];
export type DicomElements = Readonly<Record<string, readonly [vr: string, value: DicomValue]>>;

const TEXT_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UI', 'UT']);

function textBytes(s: string, vr: string): Uint8Array {
  const padded = s.length % 2 === 0 ? s : s + (vr === 'UI' ? '\0' : ' ');
  return Uint8Array.from(padded, (c) => c.charCodeAt(0));
}

function numberBytes(values: readonly number[], vr: string): Uint8Array {
  const width = vr === 'FD' ? 8 : vr === 'UL' || vr === 'SL' || vr === 'FL' ? 4 : 2;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, k) => {
    const at = k * width;
    if (vr === 'FD') view.setFloat64(at, v, true);
    else if (vr === 'FL') view.setFloat32(at, v, true);
    else if (vr === 'UL') view.setUint32(at, v, true);
    else if (vr === 'SL') view.setInt32(at, v, true);
    else if (vr === 'SS') view.setInt16(at, v, true);
    else view.setUint16(at, v, true);
  });
  return out;
}

function valueBytes(vr: string, value: DicomValue): Uint8Array {
  if (vr === 'SQ') {
    const items = (value as readonly DicomElements[]).map((item) => {
      const body = encodeElements(item);
      const head = new Uint8Array(8);
      const v = new DataView(head.buffer);
      v.setUint16(0, 0xfffe, true);
      v.setUint16(2, 0xe000, true);
      v.setUint32(4, body.length, true);
      return concat([head, body]);
    });
    return concat(items);
  }
  if (value instanceof Uint8Array) return value.length % 2 === 0 ? value : concat([value, new Uint8Array(1)]);
  if (value instanceof Uint16Array) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (TEXT_VRS.has(vr)) return textBytes(Array.isArray(value) ? value.join('\\') : String(value), vr);
  return numberBytes(typeof value === 'number' ? [value] : (value as readonly number[]), vr);
}

function encodeElement(tag: string, vr: string, value: DicomValue): Uint8Array {
  const body = valueBytes(vr, value);
  return concat([encodeElementHeader(parseInt(tag.slice(0, 4), 16), parseInt(tag.slice(4, 8), 16), vr, body.length), body]);
}

function encodeElements(elements: DicomElements): Uint8Array {
  const tags = Object.keys(elements).sort();
  return concat(tags.map((t) => encodeElement(t, elements[t]![0], elements[t]![1])));
}

/** A Part 10 file: preamble, DICM, file meta (explicit VR little endian), then the dataset. */
export function writeTestDicom(dataset: DicomElements): Uint8Array {
  const sopClass = String(dataset['00080016']?.[1] ?? '1.2.840.10008.5.1.4.1.1.4');
  const sopInstance = String(dataset['00080018']?.[1] ?? '1.2.3.4.5');
  const metaBody = encodeElements({
    '00020001': ['OB', new Uint8Array([0, 1])],
    '00020002': ['UI', sopClass],
    '00020003': ['UI', sopInstance],
    '00020010': ['UI', '1.2.840.10008.1.2.1'],
  });
  const groupLength = encodeElement('00020000', 'UL', metaBody.length);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, metaBody, encodeElements(dataset)]);
}
