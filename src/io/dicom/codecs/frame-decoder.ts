/** A loaded codec: decodes one compressed frame into `out` at element `offset` (samples interleaved). */
import type { TypedArray } from '../../../core/dtype.js';
import type { PixelModule } from '../pixel-module.js';

export type FrameDecoder = (frame: Uint8Array, pm: PixelModule, out: TypedArray, offset: number, file: string) => void;
