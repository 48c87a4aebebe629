/**
 * Compressed frames decoded on worker threads: a 300-slice JPEG lossless CT spends ~9 ms a slice
 * in the codec (JavaScript or WebAssembly, one frame at a time), ~2.7 s on one core where the
 * other cores idle. Where a platform registers a pool (Node: node-frame-decode-pool.ts, loaded by
 * the Node entry and the CLI) a series with many compressed frames hands each frame to a worker
 * that runs the same codec with the same checks; the reader's lanes keep several in flight. The
 * samples are the same bytes either way (the worker returns what the codec returned).
 *
 * The registration lives on globalThis under a Symbol.for key, not in this module's state: the
 * CLI's bundled commands (scripts/build-cli.mjs) carry their own copy of this module, and the pool
 * the CLI registers must be the one they find.
 */
import type { TypedArray } from '../../../core/dtype.js';
import type { PixelModule } from '../pixel-module.js';
import type { EncapsulatedCodec } from './load-frame-decoder.js';

export interface FrameDecodePool {
  /** Frames decoded at once (one per worker). */
  readonly threads: number;
  /**
   * The frame's samples as the codec returns them, after the codestream size check; rejects with
   * the typed error the codec or the check threw (rebuilt here: same class, message, details).
   * `tsName`: the transfer syntax's name (the size check's messages). `frame` is copied.
   */
  decode(codec: EncapsulatedCodec, tsName: string, frame: Uint8Array, pm: PixelModule, file: string): Promise<TypedArray>;
}

/**
 * Frames of one series (files x frames) from which decoding goes to the pool: below, the round
 * trips and the workers' first codec load cost more than the frames' decoding on this thread.
 */
export const MIN_THREADED_FRAMES = 8;

/**
 * `opts` with frameThreads set when a part's files (one frame each) hold at least
 * MIN_THREADED_FRAMES compressed frames (the reader's lanes then keep several in flight on the
 * pool), else `opts` itself.
 */
export function withFrameThreads<T extends { readonly frameThreads?: boolean }>(
  opts: T,
  files: readonly { readonly transferSyntax: { readonly codec: string } }[],
): T {
  let compressed = 0;
  for (const f of files) if (f.transferSyntax.codec !== 'native') compressed++;
  return compressed >= MIN_THREADED_FRAMES ? { ...opts, frameThreads: true } : opts;
}

interface PoolSlot {
  readonly factory: () => FrameDecodePool | null;
  pool?: FrameDecodePool | null;
  enabled: boolean;
}

const KEY = Symbol.for('medinfer.frameDecodePool');
const slots = globalThis as unknown as Record<symbol, PoolSlot | undefined>;

/** Registers the platform's pool factory (called once, on first use); a second registration is ignored. */
export function registerFrameDecodePool(factory: () => FrameDecodePool | null): void {
  slots[KEY] ??= { factory, enabled: true };
}

/** The pool, or null: none registered, switched off, or none could be made (one core, no worker script). */
export function frameDecodePool(): FrameDecodePool | null {
  const slot = slots[KEY];
  if (slot === undefined || !slot.enabled) return null;
  if (slot.pool === undefined) slot.pool = slot.factory();
  return slot.pool;
}

/** Switches threaded frame decoding off (false) or on again: tests compare both paths. */
export function setFrameDecodeThreads(on: boolean): void {
  const slot = slots[KEY];
  if (slot !== undefined) slot.enabled = on;
}
