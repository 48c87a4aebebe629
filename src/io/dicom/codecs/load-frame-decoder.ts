/** Picks (and lazily loads) the frame decoder for an encapsulated transfer syntax. */
import type { PixelCodec } from '../transfer-syntax.js';
import type { FrameDecoder } from './frame-decoder.js';
import { resolveCodecLoader, type DicomCodecLoaders } from './codec-loaders.js';
import { loadJpegBaselineDecoder } from './jpeg-baseline.js';
import { loadJpegLosslessDecoder } from './jpeg-lossless.js';
import { loadJpegLsDecoder } from './jpeg-ls.js';
import { loadJpeg2000Decoder } from './jpeg-2000.js';
import { loadHtj2kDecoder } from './htj2k.js';

export type EncapsulatedCodec = Exclude<PixelCodec, 'native' | 'rle'>;

export function loadFrameDecoder(codec: EncapsulatedCodec, file: string, loaders?: DicomCodecLoaders): Promise<FrameDecoder> {
  const loader = resolveCodecLoader(codec, loaders);
  switch (codec) {
    case 'jpeg-baseline':
      return loadJpegBaselineDecoder(file, loader);
    case 'jpeg-lossless':
      return loadJpegLosslessDecoder(file, loader);
    case 'jpeg-ls':
      return loadJpegLsDecoder(file, loader);
    case 'jpeg-2000':
      return loadJpeg2000Decoder(file, loader);
    case 'htj2k':
      return loadHtj2kDecoder(file, loader);
  }
}
