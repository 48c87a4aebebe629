/**
 * Streaming multipart/related parser (RFC 2046 section 5.1.1, as used by WADO-RS and STOW-RS).
 * Bytes are pushed in arbitrary chunks and whole parts come out; a part's body is kept as the
 * list of chunk views it arrived in and joined once, and inside a body each chunk is scanned in
 * place (only a delimiter-length tail is ever carried over), so parsing costs one copy of the
 * bytes whatever the chunk size. It is pure (no I/O) so it can be fuzzed with any split of any input.
 * Bounds: a part larger than `maxPartBytes`, a body larger than `maxTotalBytes` or more than
 * `maxParts` parts -> LimitError (checked as bytes arrive, before they are kept); a header block
 * over 16 KiB, a bad delimiter line or header line -> DecodeError; a body that ends before the
 * closing delimiter (`finish()`) -> DecodeError (truncated). Preamble and epilogue are ignored.
 */
import { DecodeError, LimitError } from '../../core/errors.js';

export interface MultipartLimits {
  /** Largest single part body, bytes (default 2 GiB - 1: a typed array's practical limit). */
  readonly maxPartBytes?: number;
  /** Largest whole multipart body, bytes (default 16 GiB). */
  readonly maxTotalBytes?: number;
  /** Most parts (default 100 000). */
  readonly maxParts?: number;
}

export interface MultipartPart {
  /** Header names lower-cased; the last of repeated headers wins. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export const DEFAULT_MULTIPART_LIMITS: Required<MultipartLimits> = { maxPartBytes: 2 ** 31 - 1, maxTotalBytes: 16 * 2 ** 30, maxParts: 100_000 };
const MAX_HEADER_BYTES = 16 * 1024;
const CR = 13;
const LF = 10;
const DASH = 45;
const HEADER_END = new Uint8Array([CR, LF, CR, LF]);

type State = 'preamble' | 'delimiter-tail' | 'headers' | 'body' | 'done';

/** Index of `needle` in `hay` at or after `from`, or -1. */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** One array of `parts` (the part itself when there is only one: no copy). */
export function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class MultipartParser {
  private readonly delimiter: Uint8Array;
  private readonly limits: Required<MultipartLimits>;
  private state: State = 'preamble';
  /** Bytes received but not yet assigned to a part body (a short tail while in a body). */
  private pending: Uint8Array;
  private bodyChunks: Uint8Array[] = [];
  private bodyBytes = 0;
  private headers: Record<string, string> = {};
  private total = 0;
  private parts = 0;

  /** `name` labels errors (a URL without credentials, or a file name). */
  constructor(
    boundary: string,
    limits: MultipartLimits = {},
    private readonly name = 'multipart body',
  ) {
    if (boundary.length === 0 || boundary.length > 70)
      throw new DecodeError(`${name}: multipart boundary must be 1 to 70 characters, got ${boundary.length}`, { file: name, cause: 'boundary' });
    // The delimiter is CRLF "--" boundary; a virtual CRLF before the first byte lets the opening
    // delimiter (which usually starts the body) match the same pattern.
    this.delimiter = new TextEncoder().encode(`\r\n--${boundary}`);
    this.pending = new Uint8Array([CR, LF]);
    this.limits = { ...DEFAULT_MULTIPART_LIMITS, ...limits };
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Feeds the next bytes; returns the parts completed by them, in order. */
  push(chunk: Uint8Array): MultipartPart[] {
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes)
      throw new LimitError(`${this.name}: multipart body over ${this.limits.maxTotalBytes} bytes`, {
        file: this.name,
        limit: 'maxTotalBytes',
        max: this.limits.maxTotalBytes,
      });
    if (this.state === 'done') return []; // epilogue
    const out: MultipartPart[] = [];
    if (this.state === 'body' && this.pending.length < this.delimiter.length) {
      // Inside a body only a short tail is pending: settle a delimiter that would start in the
      // tail with a small window, then scan the chunk in place (no copy of the chunk's bytes).
      if (!this.settleTail(chunk, out)) return out;
    } else {
      const joined = new Uint8Array(this.pending.length + chunk.length);
      joined.set(this.pending, 0);
      joined.set(chunk, this.pending.length);
      this.pending = joined;
    }
    while (this.step(out));
    return out;
  }

  /**
   * Body state with a tail shorter than the delimiter: a delimiter beginning in the tail ends
   * within the first delimiter-length bytes of `chunk`, so that window decides it. Leaves
   * `pending` as the rest of the chunk (a view); false when the window needs more bytes.
   */
  private settleTail(chunk: Uint8Array, out: MultipartPart[]): boolean {
    const tail = this.pending;
    const need = this.delimiter.length - 1;
    if (chunk.length < need) {
      // Tiny chunk: fall back to joining (still bounded by the delimiter length).
      const joined = new Uint8Array(tail.length + chunk.length);
      joined.set(tail, 0);
      joined.set(chunk, tail.length);
      this.pending = joined;
      return true;
    }
    const window = new Uint8Array(tail.length + need);
    window.set(tail, 0);
    window.set(chunk.subarray(0, need), tail.length);
    const at = tail.length === 0 ? -1 : indexOfBytes(window, this.delimiter, 0);
    if (at !== -1 && at < tail.length) {
      this.addBody(tail.subarray(0, at));
      out.push({ headers: this.headers, body: concat(this.bodyChunks, this.bodyBytes) });
      this.bodyChunks = [];
      this.pending = chunk.subarray(at + this.delimiter.length - tail.length);
      this.state = 'delimiter-tail';
      return true;
    }
    this.addBody(tail);
    this.pending = chunk;
    return true;
  }

  private addBody(bytes: Uint8Array): void {
    if (this.bodyBytes + bytes.length > this.limits.maxPartBytes) {
      throw new LimitError(`${this.name}: multipart part ${this.parts} over ${this.limits.maxPartBytes} bytes`, {
        file: this.name,
        limit: 'maxPartBytes',
        max: this.limits.maxPartBytes,
      });
    }
    if (bytes.length > 0) {
      this.bodyChunks.push(bytes);
      this.bodyBytes += bytes.length;
    }
  }

  /** Call at end of input: throws DecodeError unless the closing delimiter was seen. */
  finish(): void {
    if (this.state !== 'done') {
      throw new DecodeError(
        `${this.name}: multipart body truncated (ended ${this.state === 'preamble' ? 'before its first boundary' : 'before its closing boundary'})`,
        { file: this.name, cause: 'truncated', parts: this.parts },
      );
    }
  }

  /** Advances the state machine once; false when more bytes are needed (or done). */
  private step(out: MultipartPart[]): boolean {
    const buf = this.pending;
    switch (this.state) {
      case 'preamble': {
        const at = indexOfBytes(buf, this.delimiter, 0);
        if (at === -1) {
          this.pending = buf.slice(Math.max(0, buf.length - this.delimiter.length + 1));
          return false;
        }
        this.pending = buf.subarray(at + this.delimiter.length);
        this.state = 'delimiter-tail';
        return true;
      }
      case 'delimiter-tail': {
        // After a delimiter: "--" closes the body; else optional transport padding, then CRLF.
        if (buf.length < 2) return false;
        if (buf[0] === DASH && buf[1] === DASH) {
          this.state = 'done';
          this.pending = new Uint8Array(0);
          return false;
        }
        let i = 0;
        while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
        if (i + 2 > buf.length) {
          if (i > 998) throw this.malformed('delimiter line too long');
          return false;
        }
        if (buf[i] !== CR || buf[i + 1] !== LF) throw this.malformed('boundary delimiter not followed by CRLF or "--"');
        if (this.parts >= this.limits.maxParts)
          throw new LimitError(`${this.name}: more than ${this.limits.maxParts} multipart parts`, {
            file: this.name,
            limit: 'maxParts',
            max: this.limits.maxParts,
          });
        this.parts++;
        this.pending = buf.subarray(i + 2);
        this.state = 'headers';
        this.headers = {};
        return true;
      }
      case 'headers':
        return this.stepHeaders(buf);
      case 'body':
        return this.stepBody(buf, out);
      case 'done':
        return false;
    }
  }

  private stepHeaders(buf: Uint8Array): boolean {
    // A part with no headers starts with CRLF directly (defaults: text/plain, RFC 2046).
    if (buf.length < 2) return false;
    const end = buf[0] === CR && buf[1] === LF ? -2 : indexOfBytes(buf, HEADER_END, 0);
    if (end === -1) {
      if (buf.length > MAX_HEADER_BYTES) throw this.malformed(`part headers longer than ${MAX_HEADER_BYTES} bytes`);
      return false;
    }
    if (end > MAX_HEADER_BYTES) throw this.malformed(`part headers longer than ${MAX_HEADER_BYTES} bytes`);
    if (end >= 0) {
      const text = new TextDecoder('latin1').decode(buf.subarray(0, end));
      for (const line of text.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) throw this.malformed('part header line without a name');
        this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
    }
    this.pending = buf.subarray(end + 4);
    this.state = 'body';
    this.bodyChunks = [];
    this.bodyBytes = 0;
    return true;
  }

  private stepBody(buf: Uint8Array, out: MultipartPart[]): boolean {
    const at = indexOfBytes(buf, this.delimiter, 0);
    const take = at === -1 ? Math.max(0, buf.length - this.delimiter.length + 1) : at;
    this.addBody(buf.subarray(0, take));
    if (at === -1) {
      // Keep only the tail that could still begin a delimiter (copied so the big chunk can go).
      this.pending = buf.slice(take);
      return false;
    }
    out.push({ headers: this.headers, body: concat(this.bodyChunks, this.bodyBytes) });
    this.bodyChunks = [];
    this.pending = buf.subarray(at + this.delimiter.length);
    this.state = 'delimiter-tail';
    return true;
  }

  private malformed(reason: string): DecodeError {
    return new DecodeError(`${this.name}: malformed multipart body: ${reason}`, { file: this.name, cause: 'multipart', part: this.parts });
  }
}

/** Whole-body convenience: every part of `bytes`, or the parser's typed error. */
export function parseMultipart(bytes: Uint8Array, boundary: string, limits?: MultipartLimits, name?: string): MultipartPart[] {
  const parser = new MultipartParser(boundary, limits, name);
  const parts = parser.push(bytes);
  parser.finish();
  return parts;
}

/** Parses a fetch body stream part by part (parts are yielded as soon as they are complete). */
export async function* readMultipartStream(
  stream: ReadableStream<Uint8Array>,
  boundary: string,
  limits?: MultipartLimits,
  name?: string,
): AsyncGenerator<MultipartPart> {
  const parser = new MultipartParser(boundary, limits, name);
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  parser.finish();
}
