/**
 * Minimal DICOM Part 10 writer for tests (explicit VR little endian datasets): elements given as
 * (group, element, VR, value) are sorted, padded to even length and framed with a file meta group
 * naming the transfer syntax. Enough for synthetic headers (PHI markers, bombs), not a general
 * encoder: no sequences beyond what a caller pre-encodes as bytes.
 */

export interface TestElement {
  readonly group: number;
  readonly element: number;
  readonly vr: string;
  /** Strings are encoded as ASCII and padded (space, or NUL for UI); numbers as US / UL / FD per VR. */
  readonly value: string | Uint8Array | readonly number[];
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function encodeValue(el: TestElement): Uint8Array {
  const { vr, value } = el;
  if (value instanceof Uint8Array) return value.length % 2 === 0 ? value : concat([value, new Uint8Array(1)]);
  if (typeof value === 'string') {
    const padded = value.length % 2 === 0 ? value : value + (vr === 'UI' ? '\0' : ' ');
    return new TextEncoder().encode(padded);
  }
  const width = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const out = new Uint8Array(value.length * width);
  const view = new DataView(out.buffer);
  value.forEach((v, i) => {
    if (vr === 'US') view.setUint16(i * width, v, true);
    else if (vr === 'SS') view.setInt16(i * width, v, true);
    else if (vr === 'FD') view.setFloat64(i * width, v, true);
    else if (vr === 'FL') view.setFloat32(i * width, v, true);
    else view.setUint32(i * width, v, true);
  });
  return out;
}

/** Header of one explicit VR LE element whose value has `length` bytes. */
export function encodeElementHeader(group: number, element: number, vr: string, length: number): Uint8Array {
  const long = LONG_VRS.has(vr);
  const out = new Uint8Array(long ? 12 : 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, element, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, length, true);
  else view.setUint16(6, length, true);
  return out;
}

export function encodeElements(elements: readonly TestElement[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => a.group - b.group || a.element - b.element);
  const parts: Uint8Array[] = [];
  for (const el of sorted) {
    const value = encodeValue(el);
    parts.push(encodeElementHeader(el.group, el.element, el.vr, value.length), value);
  }
  return concat(parts);
}

/** Implicit VR little endian: tag, 4-byte length, value (no VR on the wire; the reader infers it). */
export function encodeElementsImplicit(elements: readonly TestElement[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => a.group - b.group || a.element - b.element);
  const parts: Uint8Array[] = [];
  for (const el of sorted) {
    const value = encodeValue(el);
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint16(0, el.group, true);
    view.setUint16(2, el.element, true);
    view.setUint32(4, value.length, true);
    parts.push(head, value);
  }
  return concat(parts);
}

/** Preamble, DICM and the file meta group for `transferSyntax`. */
export function encodeFileMeta(transferSyntax: string, sopClass = '1.2.840.10008.5.1.4.1.1.7', sopInstance = '1.2.3.4.5.6.7.8.9'): Uint8Array {
  const body = encodeElements([
    { group: 2, element: 1, vr: 'OB', value: new Uint8Array([0, 1]) },
    { group: 2, element: 2, vr: 'UI', value: sopClass },
    { group: 2, element: 3, vr: 'UI', value: sopInstance },
    { group: 2, element: 0x10, vr: 'UI', value: transferSyntax },
  ]);
  const length = encodeElements([{ group: 2, element: 0, vr: 'UL', value: [body.length] }]);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, length, body]);
}

export function buildDicom(elements: readonly TestElement[], transferSyntax = '1.2.840.10008.1.2.1'): Uint8Array {
  return concat([encodeFileMeta(transferSyntax), encodeElements(elements)]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A 2x2 MONOCHROME2 16-bit secondary-capture image: the smallest dataset the readers turn into a Volume. */
export function imageElements(rows = 2, columns = 2): TestElement[] {
  const pixels = new Uint8Array(rows * columns * 2);
  for (let i = 0; i < rows * columns; i++) pixels[2 * i] = i;
  return [
    { group: 0x0008, element: 0x0016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { group: 0x0008, element: 0x0018, vr: 'UI', value: '1.2.3.4.5.6.7.8.9' },
    { group: 0x0008, element: 0x0060, vr: 'CS', value: 'OT' },
    { group: 0x0020, element: 0x000d, vr: 'UI', value: '1.2.3.4.5.6.7.1' },
    { group: 0x0020, element: 0x000e, vr: 'UI', value: '1.2.3.4.5.6.7.2' },
    { group: 0x0028, element: 0x0002, vr: 'US', value: [1] },
    { group: 0x0028, element: 0x0004, vr: 'CS', value: 'MONOCHROME2' },
    { group: 0x0028, element: 0x0010, vr: 'US', value: [rows] },
    { group: 0x0028, element: 0x0011, vr: 'US', value: [columns] },
    { group: 0x0028, element: 0x0100, vr: 'US', value: [16] },
    { group: 0x0028, element: 0x0101, vr: 'US', value: [16] },
    { group: 0x0028, element: 0x0102, vr: 'US', value: [15] },
    { group: 0x0028, element: 0x0103, vr: 'US', value: [0] },
    { group: 0x7fe0, element: 0x0010, vr: 'OW', value: pixels },
  ];
}
