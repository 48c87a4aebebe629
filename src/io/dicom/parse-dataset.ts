/**
 * DICOM dataset parser (PS3.5 chapter 7): explicit / implicit VR, little / big endian, sequences
 * of defined and undefined length, encapsulated pixel data (A.4). Written for hostile input:
 * every length is checked against the bytes present, nesting is bounded, and failures are
 * thrown as DecodeError naming the file - never a foreign exception, never an endless loop
 * (every step consumes at least 8 bytes).
 */
import { DecodeError } from '../../core/errors.js';
import { DataSet, type Element, type Fragment, type Item } from './dataset.js';

export interface ParseContext {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly explicit: boolean;
  readonly littleEndian: boolean;
  readonly file: string;
  /** Only the start of the file is present: see ParseDicomOptions.headOnly. */
  readonly headOnly?: boolean;
  /** Values left out of `bytes` (head-only parses; see ValueCut), in byte order. */
  readonly cuts?: readonly ValueCut[];
}

/**
 * A value a head-only read left out (node-head-read.ts): the value of `length` bytes that starts
 * at `at` in the bytes is not there - the bytes after it in the file follow at `at`. Only what
 * canCut allows, and only at the top level. The parse checks that the element met at `at` is that
 * very value (same position and length); anything else is a DecodeError, never bytes misread.
 */
export interface ValueCut {
  readonly at: number;
  readonly length: number;
}

/**
 * Where a value left out is placed: past the end of any head (MAX_HEAD, node-head-read.ts: 8 MiB),
 * so every accessor answers undefined (as compact-header.ts does). A small integer (Smi) on
 * purpose: one element with a non-Smi dataOffset turns that field into a boxed double in every
 * element object of the shape (+3.6 KiB of heap numbers a header, and deoptimised readers).
 */
export const DETACHED_OFFSET = 2 ** 30 - 1;

/**
 * Values a head-only read may leave out: long private values in explicit VR other than SQ (never
 * parsed as a sequence here) - the Siemens CSA series header (the Phoenix protocol, ~120 KiB a
 * file), which no reader here looks at (compact-header.ts dropped it from kept headers anyway).
 */
export const MIN_CUT_BYTES = 16 * 1024;

function canCut(ctx: ParseContext, vr: string | undefined, group: number, length: number): boolean {
  return ctx.explicit && vr !== undefined && vr !== 'SQ' && group % 2 === 1 && length >= MIN_CUT_BYTES && length !== UNDEFINED;
}

const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 16;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
/** Two hex digits per byte value: a 16-bit value is two lookups (a 65,536-entry table cost ~15 ms of start-up). */
const HEX2: string[] = Array.from({ length: 256 }, (_, v) => v.toString(16).padStart(2, '0'));
const hex4 = (v: number): string => HEX2[v >>> 8]! + HEX2[v & 0xff]!;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;

export function formatTagKey(group: number, element: number): string {
  return `x${hex4(group)}${hex4(element)}`;
}

/**
 * Keys of the tags seen so far: a folder read meets the same few hundred tags in every file, and
 * building each key anew (three strings an element) is most of what the parse leaves to the
 * garbage collector. Bounded, so a hostile file of millions of distinct tags cannot grow it.
 */
const TAG_KEYS = new Map<number, string>();
const MAX_TAG_KEYS = 16384;

function tagKey(group: number, element: number): string {
  const tag = ((group << 16) | element) >>> 0;
  let key = TAG_KEYS.get(tag);
  if (key === undefined) {
    key = formatTagKey(group, element);
    if (TAG_KEYS.size < MAX_TAG_KEYS) TAG_KEYS.set(tag, key);
  }
  return key;
}

/** Two-letter VR strings by their two bytes, made once each (a new string per element otherwise). */
const VR_STRINGS: (string | undefined)[] = [];

function vrOf(c0: number, c1: number): string {
  const code = (c0 << 8) | c1;
  return (VR_STRINGS[code] ??= String.fromCharCode(c0, c1));
}

function fail(ctx: ParseContext, message: string, position: number, needBytes?: number, cut?: ValueCut & { readonly header: number }): never {
  throw new DecodeError(`${ctx.file}: ${message} at byte ${position} (truncated or corrupt file)`, {
    file: ctx.file,
    cause: 'parse',
    position,
    ...(needBytes === undefined ? {} : { needBytes }),
    // The value that ran past the bytes could be left out instead (ValueCut; node-head-read.ts).
    // header: the element's bytes before its value (what marks the same element in the next file).
    ...(cut === undefined ? {} : { cut: { at: cut.at, length: cut.length, header: cut.header } }),
  });
}

function cutMismatch(ctx: ParseContext, position: number): never {
  throw new DecodeError(`${ctx.file}: the value left out of the head read is not where this file has it (byte ${position})`, {
    file: ctx.file,
    cause: 'parse',
    position,
    cutMismatch: true,
  });
}

/**
 * Throws unless `count` bytes are present at `position`. The error's details.needBytes is the
 * length the bytes would have to have (head-only parses only: see ParseContext.headOnly), so
 * node-files.ts reads that much of the file and parses again instead of reading all of it.
 */
function need(ctx: ParseContext, position: number, count: number, what: string): void {
  if (position + count > ctx.bytes.length)
    fail(ctx, `${what} needs ${count} bytes, ${Math.max(0, ctx.bytes.length - position)} left`, position, ctx.headOnly === true ? position + count : undefined);
}

function u16(ctx: ParseContext, p: number): number {
  return ctx.view.getUint16(p, ctx.littleEndian);
}

function u32(ctx: ParseContext, p: number): number {
  return ctx.view.getUint32(p, ctx.littleEndian);
}

function tagAt(ctx: ParseContext, p: number): number {
  return ((u16(ctx, p) << 16) | u16(ctx, p + 2)) >>> 0;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

/** Parses elements in [start, end) (end = Infinity for "until a delimiter"); returns the dataset and where it stopped. */
export function parseDataSet(ctx: ParseContext, start: number, end: number, depth: number, stopAtItemEnd: boolean): { dataSet: DataSet; position: number } {
  if (depth > MAX_DEPTH) fail(ctx, `sequences nested deeper than ${MAX_DEPTH}`, start);
  const ds = new DataSet(ctx.bytes, ctx.littleEndian);
  let p = start;
  const limit = Math.min(end, ctx.bytes.length);
  // Values left out apply to the top level only; k: the next one still to meet.
  const cuts = depth === 0 ? ctx.cuts : undefined;
  let k = 0;
  // What a lazy sequence parses from: these bytes, without the head-only cuts (top level only).
  let lazy: ParseContext | undefined;
  while (p < limit) {
    need(ctx, p, 8, 'element header');
    const group = u16(ctx, p);
    const elem = u16(ctx, p + 2);
    const tag = ((group << 16) | elem) >>> 0;
    if (tag === ITEM_END && stopAtItemEnd) return { dataSet: ds, position: p + 8 };
    if (group === 0xfffe) fail(ctx, `unexpected delimiter (FFFE,${hex4(elem)})`, p);
    let vr: string | undefined;
    let length: number;
    let valueStart: number;
    const c0 = ctx.bytes[p + 4]!;
    const c1 = ctx.bytes[p + 5]!;
    if (ctx.explicit) {
      if (!isUpper(c0) || !isUpper(c1)) fail(ctx, `invalid VR for (${hex4(group)},${hex4(elem)})`, p);
      vr = vrOf(c0, c1);
      if (LONG_VRS.has(vr)) {
        need(ctx, p, 12, 'element header');
        length = u32(ctx, p + 8);
        valueStart = p + 12;
      } else {
        length = u16(ctx, p + 6);
        valueStart = p + 8;
      }
    } else {
      length = u32(ctx, p + 4);
      valueStart = p + 8;
    }
    const key = tagKey(group, elem);
    const cut = cuts?.[k];
    if (cut !== undefined && (p >= cut.at || (length !== UNDEFINED && valueStart + length > cut.at))) {
      // This element reaches the place of the value left out: it must be that value.
      if (valueStart !== cut.at || length !== cut.length || !canCut(ctx, vr, group, length)) cutMismatch(ctx, p);
      ds.elements[key] = { tag: key, vr, length, dataOffset: DETACHED_OFFSET };
      k++;
      p = valueStart;
      continue;
    }
    if (length === UNDEFINED) {
      if (group === 0x7fe0 && elem === 0x0010) {
        const parsed = parseEncapsulated(ctx, valueStart);
        ds.elements[key] = {
          tag: key,
          vr,
          length: parsed.end - valueStart,
          dataOffset: valueStart,
          encapsulatedPixelData: true,
          basicOffsetTable: parsed.offsets,
          fragments: parsed.fragments,
        };
        p = parsed.end;
      } else {
        // SQ, or UN / implicit VR of undefined length, which PS3.5 6.2.2 says is an implicit-LE sequence.
        const seq = parseSequence(vr === 'UN' ? { ...ctx, explicit: false, littleEndian: true } : ctx, valueStart, Infinity, depth);
        if (cut !== undefined && seq.end > cut.at) cutMismatch(ctx, p);
        ds.elements[key] = { tag: key, vr, length: seq.end - valueStart, dataOffset: valueStart, items: seq.items };
        p = seq.end;
      }
      continue;
    }
    if (ctx.headOnly === true && depth === 0 && group === 0x7fe0 && elem === 0x0010 && valueStart + length > ctx.bytes.length) {
      // Native samples beyond the bytes read: recorded; what follows Pixel Data is only padding.
      ds.elements[key] = { tag: key, vr, length, dataOffset: valueStart };
      return { dataSet: ds, position: ctx.bytes.length };
    }
    if (ctx.headOnly === true && depth === 0 && valueStart + length > ctx.bytes.length && canCut(ctx, vr, group, length))
      fail(ctx, `element (${hex4(group)},${hex4(elem)}) needs ${length} bytes`, valueStart, valueStart + length, {
        at: valueStart,
        length,
        header: valueStart - p,
      });
    // The element's name is formatted only when it fails: two hex strings and a template for
    // every element of every header were a third of a folder read's header garbage.
    if (valueStart + length > ctx.bytes.length) need(ctx, valueStart, length, `element (${hex4(group)},${hex4(elem)})`);
    if (vr === 'SQ') {
      // Explicit SQ of defined length: its items are parsed when first asked for (most headers'
      // sequences - e.g. a Siemens file's 40-item Source Image Sequence - are never read).
      lazy ??= { bytes: ctx.bytes, view: ctx.view, explicit: ctx.explicit, littleEndian: ctx.littleEndian, file: ctx.file };
      ds.elements[key] = new LazySequence(key, length, valueStart, lazy, depth);
      p = valueStart + length;
      continue;
    }
    let items: Item[] | undefined;
    if (vr === undefined && length >= 8 && tagAt(ctx, valueStart) === ITEM) {
      items = parseSequence(ctx, valueStart, valueStart + length, depth).items;
    }
    const el: Element = items === undefined ? { tag: key, vr, length, dataOffset: valueStart } : { tag: key, vr, length, dataOffset: valueStart, items };
    ds.elements[key] = el;
    p = valueStart + length;
  }
  if (stopAtItemEnd && end === Infinity) fail(ctx, 'item without an end delimiter', p);
  if (cuts !== undefined && k < cuts.length) cutMismatch(ctx, p);
  return { dataSet: ds, position: p };
}

/**
 * An explicit-VR SQ element of defined length whose items are parsed on first access of `items`
 * (then kept). Its whole value was checked to be in the bytes when it was met; what lies inside
 * is checked when parsed, with the same DecodeErrors naming the file, thrown by that access.
 * The bytes must stay as they were while it lives (DataSet values are read lazily anyway);
 * compact-header.ts moves an unparsed one onto its copy of the bytes (moveTo).
 */
export class LazySequence implements Element {
  readonly vr = 'SQ';
  private parsed: Item[] | undefined;
  constructor(
    readonly tag: string,
    readonly length: number,
    public dataOffset: number,
    private ctx: ParseContext,
    private readonly depth: number,
  ) {}
  get items(): Item[] {
    this.parsed ??= parseSequence(this.ctx, this.dataOffset, this.dataOffset + this.length, this.depth).items;
    return this.parsed;
  }
  /** Whether `items` has been parsed (reading `items` would parse it). */
  get isParsed(): boolean {
    return this.parsed !== undefined;
  }
  /** The same sequence at `dataOffset` of other bytes holding a copy of its value (before it is parsed). */
  moveTo(bytes: Uint8Array, dataOffset: number): void {
    if (this.parsed !== undefined) throw new Error('LazySequence.moveTo after its items were parsed');
    this.ctx = { ...this.ctx, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    this.dataOffset = dataOffset;
  }
}

/** True for a sequence element, parsed or not (never parses one). */
export function isSequenceElement(el: Element): boolean {
  return el instanceof LazySequence || el.items !== undefined;
}

function parseSequence(ctx: ParseContext, start: number, end: number, depth: number): { items: Item[]; end: number } {
  const items: Item[] = [];
  let p = start;
  while (p < end) {
    need(ctx, p, 8, 'sequence item header');
    const tag = tagAt(ctx, p);
    const length = u32(ctx, p + 4);
    if (tag === SEQUENCE_END) return { items, end: p + 8 };
    if (tag !== ITEM) fail(ctx, 'expected a sequence item', p);
    if (length === UNDEFINED) {
      const parsed = parseDataSet(ctx, p + 8, Infinity, depth + 1, true);
      items.push({ dataSet: parsed.dataSet });
      p = parsed.position;
    } else {
      need(ctx, p + 8, length, 'sequence item');
      items.push({ dataSet: parseDataSet(ctx, p + 8, p + 8 + length, depth + 1, false).dataSet });
      p += 8 + length;
    }
  }
  if (end === Infinity) fail(ctx, 'sequence without an end delimiter', p);
  return { items, end: p };
}

/** Encapsulated pixel data: Basic Offset Table item, then one item per fragment, then the delimiter. */
function parseEncapsulated(ctx: ParseContext, start: number): { offsets: number[]; fragments: Fragment[]; end: number } {
  // Item tags and lengths inside encapsulated data are always little endian.
  const le: ParseContext = { ...ctx, littleEndian: true };
  need(le, start, 8, 'Basic Offset Table');
  if (tagAt(le, start) !== ITEM) fail(le, 'encapsulated pixel data does not start with the Basic Offset Table item', start);
  const botLength = u32(le, start + 4);
  if (botLength % 4 !== 0) fail(le, 'Basic Offset Table length is not a multiple of 4', start);
  need(le, start + 8, botLength, 'Basic Offset Table');
  const offsets: number[] = [];
  for (let q = 0; q < botLength; q += 4) offsets.push(u32(le, start + 8 + q));
  const fragments: Fragment[] = [];
  const first = start + 8 + botLength;
  let p = first;
  for (;;) {
    need(le, p, 8, 'pixel data fragment header');
    const tag = tagAt(le, p);
    const length = u32(le, p + 4);
    if (tag === SEQUENCE_END) return { offsets, fragments, end: p + 8 };
    if (tag !== ITEM || length === UNDEFINED) fail(le, 'invalid pixel data fragment', p);
    need(le, p + 8, length, 'pixel data fragment');
    fragments.push({ offset: p - first, position: p + 8, length });
    p += 8 + length;
  }
}
