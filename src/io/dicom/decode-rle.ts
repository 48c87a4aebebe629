/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane - most significant byte of sample 0 first. Output is written straight
 * into the frame's slot of the volume buffer, samples interleaved.
 */
import { DecodeError } from '../../core/errors.js';
import { bytesPerElement, type TypedArray } from '../../core/dtype.js';
import type { PixelModule } from './pixel-module.js';

/** Decodes one RLE frame into `out` starting at element `offset`. */
export function decodeRleFrame(frame: Uint8Array, pm: PixelModule, out: TypedArray, offset: number, file: string): void {
  if (pm.bitsAllocated === 1) throw new DecodeError(`${file}: RLE with BitsAllocated 1 is not valid DICOM`, { file, cause: 'rle' });
  const bytesPerSample = bytesPerElement(pm.rawType);
  const nSegments = bytesPerSample * pm.samplesPerPixel;
  const pixels = pm.rows * pm.columns;
  if (frame.length < 64) throw new DecodeError(`${file}: RLE frame shorter than its 64-byte header`, { file, cause: 'rle-header' });
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const declared = view.getUint32(0, true);
  if (declared !== nSegments) {
    throw new DecodeError(
      `${file}: RLE frame has ${declared} segments, expected ${nSegments} for ${pm.samplesPerPixel} sample(s) of ${pm.bitsAllocated} bits`,
      { file, cause: 'rle-segments', expected: nSegments, actual: declared },
    );
  }
  const starts: number[] = [];
  for (let s = 0; s < nSegments; s++) starts.push(view.getUint32(4 + 4 * s, true));
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < nSegments; s++) {
    const start = starts[s]!;
    const end = s + 1 < nSegments ? starts[s + 1]! : frame.length;
    if (start < 64 || end > frame.length || end < start)
      throw new DecodeError(`${file}: RLE segment ${s} offsets out of range`, { file, cause: 'rle-offsets' });
    unpackBitsSegment(frame, start, end, plane, file);
    const sample = Math.floor(s / bytesPerSample);
    // Segment order within a sample is MSB first: shift = 8 * (bytesPerSample - 1 - byteIndex).
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    addPlane(plane, out, offset + sample, pm.samplesPerPixel, shift, bytesPerSample, s % bytesPerSample === 0);
  }
}

/** PackBits: header n in 0..127 copies n+1 bytes; -127..-1 repeats the next byte 1-n times; -128 is a no-op. */
function unpackBitsSegment(src: Uint8Array, start: number, end: number, dst: Uint8Array, file: string): void {
  let i = start;
  let o = 0;
  const n = dst.length;
  while (i < end && o < n) {
    const h = src[i++]!;
    if (h < 128) {
      const count = h + 1;
      if (i + count > end) break;
      const take = Math.min(count, n - o);
      dst.set(src.subarray(i, i + take), o);
      o += take;
      i += count;
    } else if (h > 128) {
      const count = 257 - h;
      if (i >= end) break;
      const v = src[i++]!;
      const stop = Math.min(n, o + count);
      dst.fill(v, o, stop);
      o = stop;
    }
  }
  if (o < n) throw new DecodeError(`${file}: RLE segment decodes to ${o} bytes, expected ${n}`, { file, cause: 'rle-short', expected: n, actual: o });
}

function addPlane(plane: Uint8Array, out: TypedArray, first: number, stride: number, shift: number, width: number, firstByte: boolean): void {
  const n = plane.length;
  if (width === 1) {
    for (let p = 0; p < n; p++) out[first + p * stride] = plane[p]!;
    return;
  }
  // Byte planes are summed with multiplications (no 32-bit shift overflow). Stores into signed
  // arrays wrap modulo 2^bits, so the sum lands on the correct two's-complement value.
  const mul = 2 ** shift;
  for (let p = 0; p < n; p++) {
    const o = first + p * stride;
    out[o] = (firstByte ? 0 : out[o]!) + plane[p]! * mul;
  }
}
