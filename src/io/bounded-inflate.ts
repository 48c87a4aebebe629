/**
 * Bounded decompression (isomorphic, fflate streaming): inflates a gzip or raw-deflate stream
 * into a buffer that never grows past a caller-given limit, then stops. Deflate reaches ~1032:1,
 * so a 1 MB file can claim a gigabyte: readers must decide how much output they need (from a
 * header they already read) or accept (a configured limit) before the memory is spent, never
 * after a full inflate.
 *
 * Memory: the output buffer is sized min(limit, what the compressed size can possibly yield),
 * plus one pending chunk (see SMALL_STEP).
 */
import { Gunzip, Inflate } from 'fflate';

export type CompressedFormat = 'gzip' | 'deflate';

export interface BoundedInflateResult {
  /** headroom bytes (left zero for the caller) followed by the inflated bytes, at most `limit` of them. */
  readonly data: Uint8Array;
  /** Inflated bytes written after the headroom. */
  readonly inflated: number;
  /** The stream ended (all members) within the limit. */
  readonly complete: boolean;
  /** The stream yields more than `limit` bytes: what lies beyond was not decompressed. */
  readonly exceeded: boolean;
  /** What the decompressor threw (corrupt or truncated stream), after `inflated` good bytes. */
  readonly error?: unknown;
}

/**
 * Input fed per push. fflate emits one chunk per push (up to ~1032x the input), so highly
 * compressible stretches (ratio over 64: zeros, bombs) are fed in small steps, keeping each
 * transient chunk near 2 MB; ordinary data (2-10x) goes in larger steps, which is faster (BENCHMARKS.md, "Design measurements").
 */
const SMALL_STEP = 2 * 1024;
const LARGE_STEP = 32 * 1024;
const HIGH_RATIO = 64;
/** Deflate's best case is ~1032:1 (258-byte matches coded in ~2 bits); with slack for headers. */
const MAX_RATIO = 1040;

/** Upper bound on what `compressedBytes` of deflate / gzip can inflate to. */
export function maxInflatedSize(compressedBytes: number): number {
  return compressedBytes * MAX_RATIO + 65536;
}

/**
 * Resumable bounded inflater: `fill(target)` inflates until `target` bytes (after the headroom)
 * are in, the stream ends, or it fails; a later fill with a larger target goes on from there, so a
 * reader can inflate a prefix, look at the header in it, and only then decide how far to go.
 */
export class BoundedInflater {
  private out: Uint8Array<ArrayBuffer>;
  private filled = 0;
  private offset = 0;
  private step = SMALL_STEP;
  private emitted = 0;
  /** Output already inflated beyond the last target (at most one chunk), kept for the next fill. */
  private pending: Uint8Array[] = [];
  private readonly stream: Gunzip | Inflate;
  /** The whole stream has been inflated (every byte of it is in `data` or pending). */
  complete = false;
  /** What the decompressor threw (corrupt or truncated stream), after `inflated` good bytes. */
  error: unknown;

  constructor(
    private readonly input: Uint8Array,
    format: CompressedFormat,
    private readonly headroom = 0,
  ) {
    this.out = new Uint8Array(headroom);
    const onData = (chunk: Uint8Array, final: boolean): void => {
      this.emitted += chunk.length;
      if (final) this.complete = true;
      if (chunk.length > 0) this.pending.push(chunk);
    };
    this.stream = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  }

  /** Inflated bytes written after the headroom. */
  get inflated(): number {
    return this.filled;
  }

  /** headroom bytes (zero, for the caller) followed by the inflated bytes. */
  get data(): Uint8Array<ArrayBuffer> {
    const end = this.headroom + this.filled;
    return end === this.out.length ? this.out : this.out.subarray(0, end);
  }

  fill(target: number): void {
    for (;;) {
      this.drain(target);
      if (this.filled >= target) return;
      // A failing push may still have emitted good bytes before it threw: drain them too.
      if (!this.pushMore()) return void this.drain(target);
    }
  }

  /**
   * Inflates and drops the next `count` bytes (they are never stored: a reader skipping data it
   * does not use pays time, not memory); returns how many there were before the stream ended.
   */
  discard(count: number): number {
    let left = this.dropPending(count);
    while (left > 0) {
      const more = this.pushMore();
      // A failing push may still have emitted good bytes before it threw: they count too.
      left = this.dropPending(left);
      if (!more) break;
    }
    return count - left;
  }

  private dropPending(count: number): number {
    let left = count;
    while (left > 0 && this.pending.length > 0) {
      const chunk = this.pending[0]!;
      const n = Math.min(left, chunk.length);
      left -= n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
    return left;
  }

  /** True when the stream yields bytes beyond what has been filled (pushing input until it knows). */
  hasMore(): boolean {
    while (this.pending.length === 0 && this.pushMore());
    return this.pending.length > 0;
  }

  /** Feeds one step of input; false when there is none left or the stream failed. */
  private pushMore(): boolean {
    if (this.error !== undefined || this.complete || this.offset >= this.input.length) {
      if (this.input.length === 0 && !this.complete && this.error === undefined) this.push(this.input, true);
      return false;
    }
    const end = Math.min(this.input.length, this.offset + this.step);
    const before = this.emitted;
    this.push(this.input.subarray(this.offset, end), end === this.input.length);
    this.step = this.emitted - before > HIGH_RATIO * (end - this.offset) ? SMALL_STEP : LARGE_STEP;
    this.offset = end;
    return this.error === undefined;
  }

  private push(chunk: Uint8Array, final: boolean): void {
    try {
      this.stream.push(chunk, final);
    } catch (caught) {
      this.error = caught;
    }
  }

  /** Moves pending output into the buffer, up to `target` bytes in all. */
  private drain(target: number): void {
    while (this.pending.length > 0 && this.filled < target) {
      const chunk = this.pending[0]!;
      const n = Math.min(target - this.filled, chunk.length);
      const need = this.headroom + this.filled + n;
      // Straight to the target (one allocation, exact size for callers that view it in place),
      // but never beyond what the compressed input can possibly yield.
      if (need > this.out.length) this.out = grow(this.out, Math.max(need, this.headroom + Math.min(target, maxInflatedSize(this.input.length))));
      this.out.set(chunk.subarray(0, n), this.headroom + this.filled);
      this.filled += n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
  }
}

/**
 * Inflates at most `limit` bytes of `bytes` (placed after `headroom` zero bytes in the returned
 * buffer, so callers that prepend a header need no second copy). Never throws for stream errors:
 * they come back in `error` with the good prefix, so callers can say "truncated" vs "corrupt".
 */
export function inflateBounded(bytes: Uint8Array, format: CompressedFormat, limit: number, headroom = 0): BoundedInflateResult {
  const inflater = new BoundedInflater(bytes, format, headroom);
  inflater.fill(limit);
  const exceeded = inflater.inflated === limit && inflater.hasMore();
  const { error } = inflater;
  return { data: inflater.data, inflated: inflater.inflated, complete: inflater.complete && !exceeded, exceeded, ...(error !== undefined ? { error } : {}) };
}

function grow(buffer: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(size);
  next.set(buffer);
  return next;
}
