/**
 * JPEG lossless (process 14, any predictor incl. selection value 1) through
 * @cornerstonejs/jpeg-lossless-decoder-js 2.2 (plain JS; the unscoped 2.1 package drops the last
 * pixel of 8-bit images). Loaded on first use.
 */
import { DecodeError, describeError } from '../../../core/errors.js';
import type { PixelModule } from '../pixel-module.js';
import { missingCodec } from './emscripten-decoder.js';
import { copyBytes } from '../byte-views.js';
import { toFrameSamples } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';
import type { DicomCodecLoader } from './codec-loaders.js';

const CODEC = 'JPEG lossless';

export async function loadJpegLosslessDecoder(file: string, loader: DicomCodecLoader): Promise<FrameDecoder> {
  let Decoder: typeof import('@cornerstonejs/jpeg-lossless-decoder-js').Decoder;
  try {
    const mod = (await loader()) as { Decoder?: typeof Decoder };
    if (typeof mod.Decoder !== 'function') throw new Error('module has no Decoder export');
    Decoder = mod.Decoder;
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  return (frame: Uint8Array, pm: PixelModule, name: string) => {
    const numBytes = pm.bitsAllocated > 8 ? 2 : 1;
    let decoded: Uint8Array | Uint16Array;
    let info: { width: number; height: number; componentCount: number; bitsPerSample: number };
    try {
      // The decoder reads a whole ArrayBuffer: give it a private copy of just this frame. Not
      // frame.slice(): on a Node Buffer that is a view, whose .buffer is the whole file (or pool).
      const copy = copyBytes(frame);
      const decoder = new Decoder();
      decoded = decoder.decode(copy.buffer, 0, copy.length, numBytes);
      info = { width: decoder.xDim, height: decoder.yDim, componentCount: decoder.numComp, bitsPerSample: numBytes * 8 };
    } catch (err) {
      throw new DecodeError(`${name}: ${CODEC} decoding failed: ${describeError(err)}`, { file: name, codec: CODEC, cause: 'codec' }, { cause: err });
    }
    const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
    return toFrameSamples({ info, bytes }, pm, name, { codec: CODEC, j2kSignCorrection: false });
  };
}
