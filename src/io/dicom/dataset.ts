/**
 * A parsed DICOM dataset: element positions in the file bytes plus typed accessors. Values are
 * read lazily from `byteArray` (no copies of pixel data). Keys are 'xggggeeee' (lower-case hex).
 */
export interface Fragment {
  /** Offset of the fragment's item tag from the first fragment's item tag (Basic Offset Table units). */
  readonly offset: number;
  /** Absolute position of the fragment's data in byteArray. */
  readonly position: number;
  readonly length: number;
}

export interface Item {
  readonly dataSet: DataSet;
}

export interface Element {
  readonly tag: string;
  /** Explicit VR, or undefined for implicit VR files. */
  readonly vr: string | undefined;
  readonly length: number;
  /** Absolute position of the value in byteArray. */
  readonly dataOffset: number;
  readonly items?: Item[];
  readonly encapsulatedPixelData?: boolean;
  readonly basicOffsetTable?: number[];
  readonly fragments?: Fragment[];
}

const WIDTH = { u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8 } as const;
type NumberKind = keyof typeof WIDTH;

export class DataSet {
  readonly elements: Record<string, Element>;
  private readonly view: DataView;

  constructor(
    readonly byteArray: Uint8Array,
    /** Byte order of numeric values (false only for explicit VR big endian datasets). */
    readonly littleEndian: boolean,
    /** Elements whose offsets are already in `byteArray` (compact-header.ts moves a parse onto new bytes). */
    elements?: Record<string, Element>,
  ) {
    this.elements = elements ?? {};
    this.view = new DataView(byteArray.buffer, byteArray.byteOffset, byteArray.byteLength);
  }

  /** Value as text up to the first NUL; with `index`, the index-th backslash-separated value. Trimmed. */
  string(tag: string, index?: number): string | undefined {
    const el = this.elements[tag];
    if (el === undefined || el.length === 0 || el.dataOffset + el.length > this.byteArray.length) return undefined;
    const text = readLatin1(this.byteArray, el.dataOffset, el.length);
    if (index === undefined) return text.trim();
    const part = text.split('\\')[index];
    return part === undefined ? undefined : part.trim();
  }

  uint16(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'u16');
  }

  int16(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'i16');
  }

  uint32(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'u32');
  }

  int32(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'i32');
  }

  float(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'f32');
  }

  double(tag: string, index = 0): number | undefined {
    return this.number(tag, index, 'f64');
  }

  private number(tag: string, index: number, kind: NumberKind): number | undefined {
    const el = this.elements[tag];
    const width = WIDTH[kind];
    if (el === undefined || (index + 1) * width > el.length) return undefined;
    const at = el.dataOffset + index * width;
    if (at + width > this.byteArray.length) return undefined;
    const le = this.littleEndian;
    switch (kind) {
      case 'u16':
        return this.view.getUint16(at, le);
      case 'i16':
        return this.view.getInt16(at, le);
      case 'u32':
        return this.view.getUint32(at, le);
      case 'i32':
        return this.view.getInt32(at, le);
      case 'f32':
        return this.view.getFloat32(at, le);
      case 'f64':
        return this.view.getFloat64(at, le);
    }
  }
}

/** ASCII / Latin-1 text of bytes [start, start + length), stopping at the first NUL. */
export function readLatin1(bytes: Uint8Array, start: number, length: number): string {
  const limit = Math.min(bytes.length, start + length);
  let end = start;
  while (end < limit && bytes[end] !== 0) end++;
  if (end - start <= SHORT_LATIN1) {
    // Most header values (IS, DS, CS, US-as-text) are a few bytes: a char loop makes no subarray
    // view and no apply call (strings this short are flat copies, not ropes).
    let out = '';
    for (let p = start; p < end; p++) out += String.fromCharCode(bytes[p]!);
    return out;
  }
  // One String.fromCharCode call per chunk (each byte is its Latin-1 code point) instead of a
  // string grown character by character: a folder read decodes thousands of short values.
  let out = '';
  for (let p = start; p < end; p += LATIN1_CHUNK)
    out += String.fromCharCode.apply(null, bytes.subarray(p, Math.min(end, p + LATIN1_CHUNK)) as unknown as number[]);
  return out;
}

/** Values up to this many bytes are decoded character by character (readLatin1). */
const SHORT_LATIN1 = 12;
/** Bytes per String.fromCharCode call (its arguments live on the stack). */
const LATIN1_CHUNK = 8192;

/** VRs whose values are text (PS3.5 6.2). */
export const STRING_VRS: ReadonlySet<string> = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
