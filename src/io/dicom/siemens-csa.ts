/**
 * Siemens CSA header (0029,1010 image / 0029,1020 series, OB): a private binary table of named
 * values. Only the "SV10" (CSA2) layout is read: 'SV10' + 4 unused bytes, tag count (uint32 LE),
 * 1 unused uint32; then per tag: name (64 bytes, NUL-terminated), VM, VR (4), SyngoDT, item count,
 * 1 unused (all int32 LE); then per item 4 int32 of which [1] is the length, followed by the value
 * padded to 4 bytes. Values are text. Bounds-checked: a damaged table yields undefined.
 */
import type { DataSet } from './dataset.js';

export const CSA_IMAGE_HEADER = 'x00291010';

/** First item of the named CSA entry, as trimmed text; undefined when absent or unreadable. */
export function readCsaString(ds: DataSet, tag: string, name: string): string | undefined {
  const el = ds.elements[tag];
  if (el === undefined || el.length < 16) return undefined;
  const bytes = ds.byteArray;
  const start = el.dataOffset;
  const end = Math.min(bytes.length, start + el.length);
  if (end - start < 16 || bytes[start] !== 0x53 || bytes[start + 1] !== 0x56 || bytes[start + 2] !== 0x31 || bytes[start + 3] !== 0x30) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tags = view.getUint32(start + 8, true);
  let p = start + 16;
  for (let t = 0; t < tags && t < 1000; t++) {
    if (p + 84 > end) return undefined;
    const tagName = text(bytes, p, 64);
    const items = view.getInt32(p + 76, true);
    p += 84;
    if (items < 0 || items > 10000) return undefined;
    let first: string | undefined;
    for (let i = 0; i < items; i++) {
      if (p + 16 > end) return undefined;
      const len = view.getInt32(p + 4, true);
      p += 16;
      if (len < 0 || p + len > end) return undefined;
      if (i === 0 && len > 0) first = text(bytes, p, len);
      p += Math.ceil(len / 4) * 4;
    }
    if (tagName === name) return first === undefined || first === '' ? undefined : first;
  }
  return undefined;
}

function text(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}
