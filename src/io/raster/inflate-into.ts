/**
 * zlib inflate into a buffer the caller supplies, in Node. Node's public zlib API always allocates
 * its output (inflateSync returns a fresh Buffer; a stream allocates its output chunk when it is
 * made, again each time one fills, and takes no more input once ended, so one stream per image),
 * so a PNG decoded per image allocated its whole inflated size each time: 4 MiB of
 * external memory per 2048^2 8-bit radiograph, which drove V8's collections into the timed runs
 * (BENCHMARKS.md, issue 26, PNG). The zlib engine below the public API writes wherever it is told:
 * an Inflate object's handle, `writeSync(flush, in, inOffset, inLength, out, outOffset,
 * outLength)`, with the bytes left over in `_writeState` ([availOut, availIn]), is what Node's own
 * inflateSync calls in its loop. Same native zlib, same speed, no allocation.
 *
 * That handle is not public API, so it is used only when a self-test at first use inflates a known
 * stream into a buffer exactly (as in Node 20, where it was measured); otherwise `inflateInto` returns undefined and
 * the caller uses zlib.inflateSync. fflate's inflateSync(data, { out }) was measured as the
 * alternative: the same bytes 3x slower than zlib here (51 vs 17 ms for a 2048^2 image), slower
 * than the sharp decode it must beat.
 */
import * as zlib from 'node:zlib';

interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, out: Uint8Array, outOffset: number, outLength: number): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number, code: string) => void;
}

interface Engine {
  readonly handle: ZlibHandle;
  /** [availOut, availIn] after the last writeSync. */
  readonly state: Uint32Array;
  /** zlib's message for the last failed write (the handle reports errors through onerror). */
  error: string | undefined;
}

/** One engine for the process: every use is synchronous, so no two can interleave. */
let engine: Engine | undefined;
let usable: boolean | undefined;

function newEngine(): Engine | undefined {
  const inflate = new zlib.Inflate() as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
  const handle = inflate._handle;
  const state = inflate._writeState;
  if (handle === undefined || typeof handle.writeSync !== 'function' || typeof handle.reset !== 'function' || !(state instanceof Uint32Array)) {
    return undefined;
  }
  const made: Engine = { handle, state, error: undefined };
  // Replaces the stream's own handler (which destroys the stream and emits 'error' later): the
  // failure is read right after the write that caused it.
  handle.onerror = (message) => {
    made.error = message;
  };
  return made;
}

/** The engine, after the self-test; undefined when the handle is missing or misbehaves. */
function getEngine(): Engine | undefined {
  if (usable === false) return undefined;
  engine ??= newEngine();
  if (engine === undefined) {
    usable = false;
    return undefined;
  }
  if (usable === undefined) {
    const known = new Uint8Array(5000);
    for (let i = 0; i < known.length; i++) known[i] = (i * 7 + (i >> 5)) & 255;
    const out = new Uint8Array(known.length + 1);
    try {
      const written = run(engine, zlib.deflateSync(known), out);
      usable = written === known.length && out.subarray(0, known.length).every((b, i) => b === known[i]);
    } catch {
      usable = false; // another Node's internals: the public API from here on
    }
    if (!usable) engine = undefined;
  }
  return usable ? engine : undefined;
}

/** Inflates `input` (one whole zlib stream) into `out`; the bytes written, or zlib's message on a damaged stream. */
function run(e: Engine, input: Uint8Array, out: Uint8Array): number | string {
  e.handle.reset();
  e.error = undefined;
  // One call with Z_FINISH and the whole input: zlib then keeps no copy of its window, which it
  // does after every call that returns early (4 ms per 2048^2 image fed as 300 IDAT chunks).
  e.handle.writeSync(zlib.constants.Z_FINISH, input, 0, input.length, out, 0, out.length);
  if (e.error !== undefined) return e.error;
  // Input left over after a stream that ended is trailing data, which zlib.inflateSync ignores too;
  // with the output full, the caller sees a full buffer.
  return out.length - e.state[0]!;
}

/**
 * Inflates the zlib stream `input` into `out` (which must have room for one byte more than the
 * stream is expected to give, so that a stream inflating to more shows as a full buffer). Returns
 * the bytes written, a string (zlib's message) for a damaged or truncated stream, or undefined when
 * this Node offers no engine (the caller then inflates with zlib.inflateSync).
 */
export function inflateInto(input: Uint8Array, out: Uint8Array): number | string | undefined {
  const e = getEngine();
  if (e === undefined) return undefined;
  const result = run(e, input, out);
  if (typeof result === 'string') {
    // zlib's state after an error is not worth trusting: a fresh engine next time.
    e.handle.close();
    engine = undefined;
  }
  return result;
}
