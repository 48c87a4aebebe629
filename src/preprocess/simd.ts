/**
 * WebAssembly SIMD128 kernels for the streaming loops (z-score statistics and normalisation,
 * separable line and row blending, range checks). numpy runs these loops 4-8 floats per instruction;
 * scalar JavaScript cannot keep up, 128-bit SIMD can. Works in Node >= 16 and every current
 * browser; where SIMD is unavailable `getSimdKernels()` returns null and callers use their
 * scalar loops (same results up to float32 rounding).
 *
 * The functions live in the SDK's one kernel module (scripts/kernels/volume-kernels.wat); here one
 * cached instance of it serves as a scratch area.
 * Data is streamed through a small scratch area in the module's memory in chunks of CHUNK
 * elements, so no step holds an extra full copy of a volume; the compiled module and its
 * scratch memory are cached per realm (a cache, not state: results never depend on it).
 */
import type { TypedArray } from '../core/dtype.js';
import { VOLUME_KERNELS_WASM_BASE64 } from '../core/volume-kernels-wasm.js';

/** Elements per chunk: 256 KiB of float32, small enough to stay in L2 between copy and kernel. */
export const CHUNK = 65536;
/** Byte offsets in the module memory: results, then two chunk-sized buffers. */
const RESULT = 0;
export const BUF_A = 64;
export const BUF_B = BUF_A + CHUNK * 4;
/** Tap tables of rowDot (starts, then 16-byte aligned weights). */
export const TABLE = BUF_B + CHUNK * 4;
export const TABLE_BYTES = 1 << 18;
/** Source lines of the band kernels (band-blend.ts): 1 MiB holds ~250 lines of a 2048-sample uint16 image. */
export const BAND = TABLE + TABLE_BYTES;
export const BAND_BYTES = 1 << 20;
const BYTES_NEEDED = BAND + BAND_BYTES;

interface SimdExports {
  readonly memory: WebAssembly.Memory;
  stats(ptr: number, n4: number, shift: number): void;
  normalize(src: number, dst: number, n4: number, mean: number, inv: number, nonzero: number): void;
  axpyF32(dst: number, src: number, n4: number, w: number, first: number): void;
  axpyU16(dst: number, src: number, n8: number, w: number, first: number): void;
  orReduce(ptr: number, n4: number): number;
  shiftRange16(ptr: number, n8: number, b: number, signed: number): void;
  rowDot(src: number, dst: number, rows: number, n0: number, m: number, starts: number, weights: number, nvec: number): void;
  bandU16(dst: number, src: number, n16: number, taps: number, weights: number, rowBytes: number): void;
  bandU8(dst: number, src: number, n16: number, taps: number, weights: number, rowBytes: number): void;
  bandF32(dst: number, src: number, n16: number, taps: number, weights: number, rowBytes: number): void;
}

export interface SimdKernels extends SimdExports {
  readonly f32: Float32Array;
  readonly u16: Uint16Array;
  readonly u8: Uint8Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
}

let cached: SimdKernels | null | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The kernels, or null where WebAssembly SIMD is not available. */
export function getSimdKernels(): SimdKernels | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = decodeBase64(VOLUME_KERNELS_WASM_BASE64);
    if (!WebAssembly.validate(bytes)) return null;
    // A ~4 KiB module: synchronous compile is allowed even on a browser's main thread (limit 8 MiB in Chromium).
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as SimdExports;
    const pages = Math.ceil(BYTES_NEEDED / 65536) - exports.memory.buffer.byteLength / 65536;
    if (pages > 0) exports.memory.grow(pages);
    const buffer = exports.memory.buffer;
    cached = {
      ...exports,
      memory: exports.memory,
      f32: new Float32Array(buffer),
      u16: new Uint16Array(buffer),
      u8: new Uint8Array(buffer),
      f64: new Float64Array(buffer, RESULT, 2),
      i32: new Int32Array(buffer, RESULT, 8),
    };
  } catch {
    cached = null;
  }
  return cached;
}

/**
 * f64 sums of d = x - shift and d^2 over data[start, end), and the number of zeros, streamed
 * through the SIMD stats kernel (any typed array: the chunk copy converts to float32).
 */
export function sumShiftedSimd(k: SimdKernels, data: TypedArray, start: number, end: number, shift: number): { s1: number; s2: number; zeros: number } {
  let s1 = 0;
  let s2 = 0;
  let zeros = 0;
  for (let a = start; a < end; a += CHUNK) {
    const len = Math.min(CHUNK, end - a);
    const len4 = len & ~3;
    if (len4 > 0) {
      k.f32.set(data.subarray(a, a + len4), BUF_A / 4);
      k.stats(BUF_A, len4 >>> 2, shift);
      s1 += k.f64[0]!;
      s2 += k.f64[1]!;
      zeros += k.i32[4]!;
    }
    for (let p = a + len4; p < a + len; p++) {
      const x = data[p]!;
      const d = x - shift;
      s1 += d;
      s2 += d * d;
      zeros += x === 0 ? 1 : 0;
    }
  }
  return { s1, s2, zeros };
}

/**
 * OR of every sample of an 8- or 16-bit array read four bytes at a time, as one 32-bit word: each
 * sample's bits land in one of the word's lanes (the last few samples in the lowest), so a value
 * mask tested against every lane (replicateLanes) tells whether any sample has a bit outside it.
 * Large arrays go through the SIMD OR kernel. null when the view does not start on 4 bytes.
 */
export function orPackedSamples(data: Uint8Array | Uint16Array): number | null {
  if (data.byteOffset % 4 !== 0) return null;
  const words = new Uint32Array(data.buffer, data.byteOffset, Math.floor(data.byteLength / 4));
  const simd = words.length >= 4096 ? getSimdKernels() : null;
  let p0 = 0;
  let acc = 0;
  if (simd !== null) {
    // Whole 16-byte vectors through the SIMD OR kernel; the tail stays scalar.
    p0 = words.length & ~3;
    acc = orWordsSimd(simd, words.subarray(0, p0));
  }
  for (let p = p0; p < words.length; p++) acc |= words[p]!;
  for (let p = words.length * (4 / data.BYTES_PER_ELEMENT); p < data.length; p++) acc |= data[p]!;
  return acc;
}

/** `mask` (bits of one sample) repeated in every 8- or 16-bit lane of a 32-bit word. */
export function replicateLanes(mask: number, bytesPerSample: 1 | 2): number {
  return (bytesPerSample === 1 ? mask * 0x01010101 : mask * 0x00010001) >>> 0;
}

/**
 * Bitwise OR of all words (words.length a multiple of 4), copied through module memory in chunks:
 * faster than a scalar loop over 32-bit words (range checks of 8/16-bit samples; BENCHMARKS.md).
 */
export function orWordsSimd(k: SimdKernels, words: Uint32Array): number {
  let acc = 0;
  for (let p = 0; p < words.length; p += CHUNK) {
    const len = Math.min(CHUNK, words.length - p);
    k.u8.set(new Uint8Array(words.buffer, words.byteOffset + p * 4, len * 4), BUF_A);
    acc |= k.orReduce(BUF_A, len >>> 2);
  }
  return acc;
}

/**
 * out[at + p - start] = (src[p] - mean) * inv (0 where src is 0 and nonzero) over [start, end), in
 * float32 arithmetic: the kernel's f32 subtract and multiply, and for the last n % 4 elements the
 * same two roundings through Math.fround (a double result rounded once to float32 is exact for
 * one f32 operation), so every element's value is independent of where a range starts or ends.
 * A window cutter reading a deferred normalisation row by row (deferred-zscore.ts) relies on it.
 */
export function normalizeSimd(
  k: SimdKernels,
  src: TypedArray,
  out: Float32Array,
  start: number,
  end: number,
  mean: number,
  inv: number,
  nonzero: boolean,
  at = start,
): void {
  const mf = Math.fround(mean);
  const invf = Math.fround(inv);
  for (let a = start; a < end; a += CHUNK) {
    const len = Math.min(CHUNK, end - a);
    const len4 = len & ~3;
    const o = at + (a - start);
    if (len4 > 0) {
      k.f32.set(src.subarray(a, a + len4), BUF_A / 4);
      k.normalize(BUF_A, BUF_A, len4 >>> 2, mf, invf, nonzero ? 1 : 0);
      out.set(k.f32.subarray(BUF_A / 4, BUF_A / 4 + len4), o);
    }
    for (let p = a + len4; p < a + len; p++) {
      const x = src[p]!;
      out[o + p - a] = nonzero && x === 0 ? 0 : Math.fround(Math.fround(x - mf) * invf);
    }
  }
}

/**
 * Adds `b` in place to the 16-bit samples of data[start, end) (16-bit wrap) and returns their
 * stored range from the same pass, streamed through the shiftRange16 kernel (modality LUT with
 * slope 1, io/dicom/modality-lut.ts). Signed lanes for Int16Array, unsigned for Uint16Array.
 */
export function shiftRange16Simd(k: SimdKernels, data: Int16Array | Uint16Array, start: number, end: number, b: number): { min: number; max: number } {
  const signed = data instanceof Int16Array;
  // The chunk goes in and out as the same element type (plain memory copies); signs are the kernel's.
  const words = new Uint16Array(data.buffer, data.byteOffset, data.length);
  const lanes = signed ? new Int16Array(k.memory.buffer, RESULT, 16) : new Uint16Array(k.memory.buffer, RESULT, 16);
  const per = CHUNK * 2;
  let min = signed ? 32767 : 65535;
  let max = signed ? -32768 : 0;
  let a = start;
  for (; a + 8 <= end; a += per) {
    const len = Math.min(per, end - a) & ~7;
    k.u16.set(words.subarray(a, a + len), BUF_A / 2);
    k.shiftRange16(BUF_A, len >>> 3, b, signed ? 1 : 0);
    words.set(k.u16.subarray(BUF_A / 2, BUF_A / 2 + len), a);
    for (let l = 0; l < 8; l++) {
      min = Math.min(min, lanes[l]!);
      max = Math.max(max, lanes[8 + l]!);
    }
    if (len < per) {
      a += len;
      break;
    }
  }
  for (let p = a; p < end; p++) {
    const v = data[p]!;
    min = v < min ? v : min;
    max = v > max ? v : max;
    data[p] = v + b;
  }
  return { min, max };
}
