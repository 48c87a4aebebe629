/** Messages between node-frame-decode-pool.ts and frame-decode-worker.ts. */
import type { TypedArray } from '../../../core/dtype.js';
import type { ErrorDetails } from '../../../core/errors.js';
import type { PixelModule } from '../pixel-module.js';
import type { EncapsulatedCodec } from './load-frame-decoder.js';

export interface FrameJob {
  readonly id: number;
  readonly codec: EncapsulatedCodec;
  readonly tsName: string;
  /** The frame's bytes on a buffer of their own (transferred). */
  readonly frame: Uint8Array;
  readonly pm: PixelModule;
  readonly file: string;
}

export type FrameReply =
  | { readonly id: number; readonly ok: true; readonly samples: TypedArray }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly details: ErrorDetails } };
