/**
 * Siemens CSA headers: the private elements (0029,xx10) "CSA Image Header Info" and (0029,xx20)
 * "CSA Series Header Info" in the block reserved by the private creator "SIEMENS CSA HEADER".
 * Both hold a little-endian list of named elements, each with items of NUL-terminated text
 * (numbers are written as text too). Two layouts exist:
 *  - "SV10" (syngo MR 2004 and later): 'SV10', 4 unused bytes, uint32 element count, uint32 (77);
 *    an item's byte length is the 2nd of its four int32 words;
 *  - the older layout without the magic: uint32 element count, uint32 (77); an item's length is
 *    its 1st word minus the item count of the first element (an oddity SPM and nibabel document).
 * Then per element: name (64 bytes, NUL-terminated), int32 VM, VR (4 bytes), int32 SyngoDT,
 * int32 item count, int32 (77 or 205), followed by its items: four int32 words and the value,
 * padded to a 4-byte boundary.
 * Every count and length is checked against the bytes left, so a hostile header costs at most
 * one pass over its own bytes and never allocates more than it holds: DecodeError otherwise.
 */
import { DecodeError } from '../../core/errors.js';
import { readLatin1, type DataSet } from './dataset.js';
import { readString } from './parse-header.js';
import { privateKeys } from './private-keys.js';

export type CsaFormat = 'SV10' | 'CSA1';

export interface CsaElement {
  readonly name: string;
  readonly vr: string;
  readonly vm: number;
  /** Item values as text, trimmed; empty items are kept as '' (position matters for vectors). */
  readonly items: readonly string[];
}

export interface CsaHeader {
  readonly format: CsaFormat;
  readonly elements: ReadonlyMap<string, CsaElement>;
}

const ELEMENT_HEADER_BYTES = 64 + 4 + 4 + 4 + 4 + 4;
const ITEM_HEADER_BYTES = 16;
/** Real headers hold ~100 elements; nibabel refuses more than 1000. */
const MAX_ELEMENTS = 1000;

function fail(file: string, what: string, at: number): never {
  throw new DecodeError(`${file}: Siemens CSA header is corrupt: ${what} (byte ${at})`, { file, cause: 'csa-header', offset: at });
}

/**
 * Parses one CSA header value (the bytes of (0029,xx10) or (0029,xx20)). With `only`, every
 * element is still walked and checked as without it (a corrupt header fails alike), but only the
 * named ones are kept - their names compared as bytes, no text made for the ~100 others: a mosaic
 * run asks for three names in each of hundreds of files, and the unused names were most of what
 * its plan left to the garbage collector (BENCHMARKS.md, mosaic per-volume cost).
 */
export function parseCsaHeader(bytes: Uint8Array, file: string, only?: readonly string[]): CsaHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const int32 = (at: number): number => {
    if (at + 4 > bytes.length) fail(file, 'truncated', at);
    return view.getInt32(at, true);
  };
  const sv10 = bytes.length >= 4 && readLatin1(bytes, 0, 4) === 'SV10';
  let p = sv10 ? 8 : 0;
  const count = int32(p);
  if (count < 1 || count > MAX_ELEMENTS) fail(file, `element count ${count} (expected 1..${MAX_ELEMENTS})`, p);
  p += 8;
  const elements = new Map<string, CsaElement>();
  let firstItemCount = 0;
  for (let e = 0; e < count; e++) {
    if (p + ELEMENT_HEADER_BYTES > bytes.length) fail(file, `element ${e + 1} of ${count} is truncated`, p);
    const at = p;
    // Not asked for: '' (left out below, as an unnamed element is) - its items are still checked.
    const name = only === undefined ? readLatin1(bytes, p, 64).trim() : askedName(bytes, p, only);
    const keep = name !== '' && !elements.has(name);
    const vm = int32(p + 64);
    const nItems = int32(p + 76);
    p += ELEMENT_HEADER_BYTES;
    // Each item takes at least its 16-byte header: a larger count cannot fit in what is left.
    if (nItems < 0 || nItems * ITEM_HEADER_BYTES > bytes.length - p) fail(file, `element '${name || elementName(bytes, at)}' claims ${nItems} items`, p - 8);
    if (e === 0) firstItemCount = nItems;
    // Item positions now (every length is checked here), their text only when asked for: a
    // mosaic read needs three of ~100 elements, in each of hundreds of files.
    const spans: number[] | undefined = keep ? [] : undefined;
    for (let i = 0; i < nItems; i++) {
      const length = sv10 ? int32(p + 4) : int32(p) - firstItemCount;
      p += ITEM_HEADER_BYTES;
      if (length < 0 || length > bytes.length - p)
        fail(file, `item ${i + 1} of '${name || elementName(bytes, at)}' has length ${length}, ${bytes.length - p} bytes left`, p - ITEM_HEADER_BYTES);
      spans?.push(p, length);
      p += Math.ceil(length / 4) * 4;
    }
    if (spans !== undefined) elements.set(name, new LazyCsaElement(bytes, name, readLatin1(bytes, at + 68, 4).trim(), vm, spans));
  }
  return { format: sv10 ? 'SV10' : 'CSA1', elements };
}

/**
 * The name in `only` that the element at `at` has, or '': its bytes [at, at + 64) up to the
 * first NUL, trimmed as String.prototype.trim trims Latin-1 text, compared without making text.
 */
function askedName(bytes: Uint8Array, at: number, only: readonly string[]): string {
  let end = at;
  while (end < at + 64 && bytes[end] !== 0) end++;
  let start = at;
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  for (const name of only) {
    if (end - start !== name.length) continue;
    let k = 0;
    while (k < name.length && bytes[start + k] === name.charCodeAt(k)) k++;
    if (k === name.length) return name;
  }
  return '';
}

/** The name of the element at `at`, for an error about one that was not asked for. */
const elementName = (bytes: Uint8Array, at: number): string => readLatin1(bytes, at, 64).trim();

/** The Latin-1 code points String.prototype.trim removes: TAB..CR, space, NBSP. */
const isSpace = (c: number): boolean => (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0xa0;

/**
 * A CSA element whose item texts are decoded on first access (spans: offset, length pairs). A
 * class, not an object literal with a getter: a literal builds a new accessor and closure per
 * element (~100 per header, one header per file of a run).
 */
class LazyCsaElement implements CsaElement {
  private decoded: string[] | undefined;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name: string,
    readonly vr: string,
    readonly vm: number,
    private readonly spans: readonly number[],
  ) {}
  get items(): readonly string[] {
    if (this.decoded === undefined) {
      const items: string[] = [];
      for (let k = 0; k < this.spans.length; k += 2) items.push(readLatin1(this.bytes, this.spans[k]!, this.spans[k + 1]!).trim());
      this.decoded = items;
    }
    return this.decoded;
  }
}

/** Numeric values of a CSA element (empty items, as Siemens pads vectors, are skipped); undefined when absent or when any is not a number. */
export function csaNumbers(header: CsaHeader | undefined, name: string): number[] | undefined {
  const el = header?.elements.get(name);
  if (el === undefined) return undefined;
  // One loop, no closures: called for three entries in every file of a mosaic run.
  const values: number[] = [];
  for (const item of el.items) {
    if (item === '') continue;
    const v = Number(item);
    if (!Number.isFinite(v)) return undefined;
    values.push(v);
  }
  return values.length > 0 ? values : undefined;
}

const CSA_CREATOR = 'SIEMENS CSA HEADER';

/**
 * The CSA header of a dataset: 'image' = (0029,xx10), 'series' = (0029,xx20), with xx the block
 * reserved by the "SIEMENS CSA HEADER" creator. undefined when absent (e.g. stripped by an
 * anonymiser); DecodeError when present but corrupt.
 */
export function readSiemensCsa(ds: DataSet, which: 'image' | 'series', file: string, only?: readonly string[]): CsaHeader | undefined {
  const block = findPrivateBlock(ds, 0x0029, CSA_CREATOR);
  if (block === undefined) return undefined;
  const element = (block << 8) | (which === 'image' ? 0x10 : 0x20);
  const tag = `x0029${element.toString(16).padStart(4, '0')}`;
  const el = ds.elements[tag];
  if (el === undefined || el.length === 0) return undefined;
  if (el.dataOffset + el.length > ds.byteArray.length) fail(file, `value runs past the end of the file`, el.dataOffset);
  return parseCsaHeader(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length), file, only);
}

/**
 * Block number (0x10..0xff) whose private creator (gggg,00xx) is `creator`. Files whose creator
 * elements were all removed keep the usual block 0x10 - a wrong guess there still has to parse
 * as a CSA header, so it cannot pass silently.
 */
export function findPrivateBlock(ds: DataSet, group: number, creator: string): number | undefined {
  // Asked several times a file (mosaic test, layout, CSA reads, compactHeader): answered once per dataset.
  let known = PRIVATE_BLOCKS.get(ds.elements);
  if (known === undefined) PRIVATE_BLOCKS.set(ds.elements, (known = new Map()));
  const key = `${group}:${creator}`;
  if (known.has(key)) return known.get(key);
  const block = scanPrivateBlock(ds, group, creator);
  known.set(key, block);
  return block;
}

/** Answers of findPrivateBlock per elements record (parsed datasets are not changed afterwards: see private-keys.ts). */
const PRIVATE_BLOCKS = new WeakMap<DataSet['elements'], Map<string, number | undefined>>();

function scanPrivateBlock(ds: DataSet, group: number, creator: string): number | undefined {
  // Creator elements are (gggg,0010)..(gggg,00FF): scan the dataset's own keys (a few hundred)
  // rather than probing 240 tags, and keep the lowest matching block as PS3.5 7.8.1 reserves them.
  const prefix = `x${group.toString(16).padStart(4, '0')}00`;
  let anyCreator = false;
  let found: number | undefined;
  for (const tag of privateKeys(ds).creators) {
    if (!tag.startsWith(prefix)) continue;
    const b = Number.parseInt(tag.slice(7), 16);
    if (!(b >= 0x10 && b <= 0xff)) continue;
    anyCreator = true;
    if ((found === undefined || b < found) && readString(ds, tag)?.toUpperCase() === creator) found = b;
  }
  return found ?? (anyCreator ? undefined : 0x10);
}

/**
 * First item of a named entry of the image CSA header, as text, for metadata that must not fail a
 * read (phase-encoding polarity): undefined when absent, empty or when the header is corrupt.
 */
export function readCsaImageString(ds: DataSet, name: string, file: string): string | undefined {
  let header: CsaHeader | undefined;
  try {
    header = readSiemensCsa(ds, 'image', file, [name]);
  } catch {
    return undefined;
  }
  const first = header?.elements.get(name)?.items[0];
  return first === undefined || first === '' ? undefined : first;
}
