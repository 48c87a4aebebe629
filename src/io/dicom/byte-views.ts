/**
 * Byte-buffer hygiene for the pixel paths. Input bytes are often views into a larger buffer:
 * Node's fs.readFile / Buffer.subarray hand out views into a shared pool at arbitrary (odd)
 * offsets, and Buffer.prototype.slice returns a view, not a copy. So pixel code must never
 *  - pass `view.buffer` to an API without byteOffset / byteLength (that is the whole pool), or
 *  - build a 16/32-bit typed array directly on a view (its byteOffset may be unaligned), or
 *  - call `.slice()` on an input and assume a private copy (Buffer's slice shares memory).
 * These helpers always return memory the caller owns, starting at offset 0 of its own buffer.
 */

/** Private copy of bytes [start, end) in a fresh ArrayBuffer (aligned for any element type). */
export function copyBytes(src: Uint8Array, start = 0, end = src.length): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(Math.max(0, end - start));
  out.set(src.subarray(start, end));
  return out;
}

/** True when a typed array of `width`-byte elements may be built on `bytes` in place. */
export function isAligned(bytes: Uint8Array, width: number): boolean {
  return bytes.byteOffset % width === 0;
}
