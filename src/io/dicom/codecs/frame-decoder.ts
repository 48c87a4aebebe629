/**
 * A loaded codec: decodes one compressed frame and returns its samples (raw stored type, samples
 * interleaved), already checked against the header. The caller allocates the volume buffer only
 * after the first frame decoded, so a corrupt header cannot trigger a huge allocation by itself.
 */
import type { TypedArray } from '../../../core/dtype.js';
import type { PixelModule } from '../pixel-module.js';

export type FrameDecoder = (frame: Uint8Array, pm: PixelModule, file: string) => TypedArray;
