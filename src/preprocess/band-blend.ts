/**
 * The j and k passes of filterAxis (filter-axis.ts) through the band kernels of the SDK's SIMD
 * module: a band of consecutive source lines is copied into module memory once (uint16 stays
 * uint16, other types convert to float32 in the copy, as before) and every output line whose taps
 * fall inside it is one kernel call that keeps its sums in registers (uint8 is copied as uint8 too
 * and widened in the kernel). The per-tap path
 * (blendLineSimd) copied each source line once per output that used it (about twice for an
 * antialiased downscale) and loaded and stored the accumulator once per tap; for the
 * 2048^2 -> 224^2 radiograph resize this path is about 3x faster (BENCHMARKS.md, issue 26).
 * Sums start at 0 and add the taps in table order in float32, so the values equal the per-tap
 * path's bit for bit, except that taps with weight 0 between the first and last non-zero one are
 * added (+0, which only turns a -0 sum into +0; inputs are assumed finite, as in filter-axis.ts).
 */
import type { TypedArray } from '../core/dtype.js';
import { BAND, BAND_BYTES, BUF_A, CHUNK, TABLE, TABLE_BYTES, type SimdKernels } from './simd.js';

/** Narrower column chunks than this leave too little per kernel call: the per-tap path is as good. */
const MIN_CHUNK = 64;

/**
 * Receives output line t of block u, columns [x0, x0 + len): its float32 samples are in module
 * memory at BUF_A until the next line is blended.
 */
export type LineSink = (u: number, t: number, x0: number, len: number) => void;

/**
 * Collects the bitwise OR of every sample of `data` (uint8 / uint16) from the band copies of a
 * pass that reads it, as the OR of 32-bit words of packed samples (and of single samples at line
 * tails): `covered` is set only when the bands held every line of every block and column chunk,
 * i.e. `acc` then has every bit any sample sets, in some lane (a range check without its own pass
 * over the data; xrvNormalize's, see defer-intensity.ts). Left false when the pass did not read
 * `data` itself or declined.
 */
export interface RangeProbe {
  readonly data: TypedArray;
  acc: number;
  covered: boolean;
}

export interface BandOptions {
  /** OR the samples of each band copy into this probe (when it is for `src`). */
  readonly probe?: RangeProbe;
  /** Byte offset in module memory for the tap weights (default TABLE; inside the TABLE area). */
  readonly tableAt?: number;
  /** Takes each output line instead of `out` (whole lines only: false when they do not fit a band). */
  readonly sink?: LineSink;
}

interface Taps {
  readonly start: Int32Array;
  readonly width: number;
  readonly weights: Float32Array;
}

/**
 * Blends `outer` blocks of n lines of `run` samples into m lines each (out: outer * m * run
 * float32, or each line handed to options.sink). Returns false, having written nothing, when the taps do not suit the band layout
 * (a table too large for module memory, windows too wide for a useful band, a tap past the
 * line): the caller then runs the per-tap path.
 */
export function blendLinesBand(
  k: SimdKernels,
  src: TypedArray,
  out: Float32Array | null,
  outer: number,
  n: number,
  run: number,
  m: number,
  taps: Taps,
  options: BandOptions = {},
): boolean {
  const { start, width, weights } = taps;
  const tableAt = options.tableAt ?? TABLE;
  if (tableAt + m * width * 4 > TABLE + TABLE_BYTES) return false;
  // Per output: its first non-zero tap and how many taps from there to its last non-zero one
  // (tables are zero-padded to the widest output).
  const first = new Int32Array(m);
  const count = new Int32Array(m);
  let widest = 1;
  for (let t = 0; t < m; t++) {
    let lo = -1;
    let hi = -1;
    for (let q = 0; q < width; q++) {
      if (weights[t * width + q] === 0) continue;
      if (lo < 0) lo = q;
      hi = q;
    }
    if (lo < 0) continue;
    if (start[t]! + hi >= n || start[t]! + lo < 0) return false;
    first[t] = lo;
    count[t] = hi - lo + 1;
    widest = Math.max(widest, hi - lo + 1);
  }
  const u16 = src instanceof Uint16Array;
  const u8 = src instanceof Uint8Array;
  const bytes = u16 ? 2 : u8 ? 1 : 4;
  // Column chunks of whole lines when a band of twice the widest window fits, else narrower.
  const bandRows = Math.min(n, 2 * widest);
  let chunk = Math.min(run, CHUNK);
  if (pitchBytes(chunk, bytes) * bandRows > BAND_BYTES) chunk = (Math.floor(BAND_BYTES / bandRows - 80) / bytes) & ~15;
  if (chunk < Math.min(MIN_CHUNK, run) || (options.sink !== undefined && chunk < run)) return false;
  const rowsHeld = Math.min(n, Math.floor(BAND_BYTES / pitchBytes(chunk, bytes)));
  k.f32.set(weights, tableAt / 4);
  const line = BUF_A / 4;
  const sink: LineSink = options.sink ?? ((u, t, x0, len) => out!.set(k.f32.subarray(line, line + len), u * m * run + t * run + x0));
  const kernel = u16 ? k.bandU16 : u8 ? k.bandU8 : k.bandF32;
  const probe = options.probe;
  const probing = probe !== undefined && probe.data === src && (u16 || u8);
  let covered = true;
  for (let u = 0; u < outer; u++) {
    const sBase = u * n * run;
    for (let x0 = 0; x0 < run; x0 += chunk) {
      const len = Math.min(chunk, run - x0);
      const vec = len & ~15;
      const pitch = pitchBytes(len, bytes);
      // Source lines [b0, b1) of this column chunk are in the band, line r at (r - b0) * pitch bytes.
      let b0 = 0;
      let b1 = 0;
      // Lines [0, seen) of this chunk have been in a band (for the probe).
      let seen = 0;
      for (let t = 0; t < m; t++) {
        const c = count[t]!;
        if (c === 0) {
          k.f32.fill(0, line, line + len);
          sink(u, t, x0, len);
          continue;
        }
        const r0 = start[t]! + first[t]!;
        if (r0 < b0 || r0 + c > b1) {
          b0 = r0;
          b1 = Math.min(n, r0 + rowsHeld);
          const span: BandSpan = { src, sBase, run, x0, len, b0, b1, bytes, pitch };
          copyBand(k, span);
          if (probing) {
            probe.acc |= orBand(k, span);
            if (b0 <= seen) seen = Math.max(seen, b1);
          }
        }
        const wAt = t * width + first[t]!;
        if (vec > 0) kernel(BUF_A, BAND + (r0 - b0) * pitch, vec >>> 4, c, tableAt + wAt * 4, pitch);
        for (let x = vec; x < len; x++) k.f32[line + x] = tailSum(src, sBase + r0 * run + x0 + x, run, weights, wAt, c, rounded(x0 + x, run, u16 ? 8 : 4));
        sink(u, t, x0, len);
      }
      if (seen < n) covered = false;
    }
  }
  if (probing) probe.covered = covered;
  return true;
}

/** Columns [x0, x0 + len) of source lines [b0, b1) of one block (sBase) and their band layout. */
interface BandSpan {
  readonly src: TypedArray;
  readonly sBase: number;
  readonly run: number;
  readonly x0: number;
  readonly len: number;
  readonly b0: number;
  readonly b1: number;
  /** Bytes per sample in the band, and from one band line to the next. */
  readonly bytes: number;
  readonly pitch: number;
}

/** OR of a span as copied into the band (whole vectors), the rest from `src`. */
function orBand(k: SimdKernels, { src, sBase, run, x0, len, b0, b1, bytes, pitch }: BandSpan): number {
  const vecs = (len * bytes) >>> 4;
  const rest = vecs * (16 / bytes);
  let acc = 0;
  for (let r = b0; r < b1; r++) {
    if (vecs > 0) acc |= k.orReduce(BAND + (r - b0) * pitch, vecs);
    for (let x = rest; x < len; x++) acc |= src[sBase + r * run + x0 + x]!;
  }
  return acc;
}

/**
 * Whether the per-tap path computed sample x of a line in its vector part (products rounded to
 * float32, then the sum) or in its scalar tail (the exact product added, then rounded): it ran
 * chunks of CHUNK samples, each vectorised up to a multiple of `lanes`. The band tail rounds the
 * same way, so every value keeps its bits.
 */
function rounded(x: number, run: number, lanes: number): boolean {
  const from = x - (x % CHUNK);
  const len = Math.min(CHUNK, run - from);
  return x - from < len - (len % lanes);
}

/** One output sample in scalar code: 0 plus the taps in order, float32 after every add. */
function tailSum(src: TypedArray, s: number, run: number, weights: Float32Array, wAt: number, taps: number, roundProducts: boolean): number {
  let acc = 0;
  for (let q = 0; q < taps; q++) {
    const w = weights[wAt + q]!;
    const x = src[s + q * run]!;
    // Vector lanes saw the sample as float32 (exact for uint16) and rounded the product.
    acc = Math.fround(acc + (roundProducts ? Math.fround(w * Math.fround(x)) : w * x));
  }
  return acc;
}

/**
 * Bytes from one band line to the next: 16-byte aligned plus 64, so that the lines a kernel step
 * reads fall in different L1 cache sets (at a power-of-two pitch such as a 2048-sample uint16 line,
 * 4096 bytes, the 19 taps of a 2048 -> 224 resize all map to one 8-way set and thrash it: 3x slower).
 */
function pitchBytes(len: number, bytes: number): number {
  return ((len * bytes + 15) & ~15) + 64;
}

/** Copies a span into the band buffer, line after line. */
function copyBand(k: SimdKernels, { src, sBase, run, x0, len, b0, b1, bytes, pitch }: BandSpan): void {
  const view = bytes === 2 ? k.u16 : bytes === 1 ? k.u8 : k.f32;
  const at = BAND / bytes;
  for (let r = b0; r < b1; r++) view.set(src.subarray(sBase + r * run + x0, sBase + r * run + x0 + len), at + ((r - b0) * pitch) / bytes);
}
