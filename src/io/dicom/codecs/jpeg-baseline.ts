/**
 * JPEG baseline / extended 8-bit (processes 1, 2, 4) through libjpeg-turbo (wasm, loaded on first
 * use). YBR_FULL / YBR_FULL_422 frames are decoded to YCbCr (jpeg-colour-transform.ts) and
 * converted to RGB by the caller with pydicom's arithmetic; other colour frames come out as libjpeg
 * decodes them (RGB, or YCbCr converted by libjpeg for YBR_PARTIAL_* and friends).
 */
import type { CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import type { PixelModule } from '../pixel-module.js';
import { loadCodecModule, missingCodec, runDecoder } from './emscripten-decoder.js';
import { toFrameSamples } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';
import type { DicomCodecLoader } from './codec-loaders.js';
import { DecodeError } from '../../../core/errors.js';
import { isYbr } from '../color.js';
import { withoutColourTransform } from './jpeg-colour-transform.js';

/** Whether this codec returns YCbCr for the frame (then the caller converts it, see decode-image.ts). */
export function keepsYcbcr(pm: Pick<PixelModule, 'samplesPerPixel' | 'photometric'>): boolean {
  return pm.samplesPerPixel === 3 && isYbr(pm.photometric);
}

const CODEC = 'JPEG baseline (libjpeg-turbo)';

export async function loadJpegBaselineDecoder(file: string, loader: DicomCodecLoader): Promise<FrameDecoder> {
  let mod: CodecModule;
  try {
    mod = await loadCodecModule(loader, loader);
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  const Decoder = mod.JPEGDecoder;
  if (Decoder === undefined) throw missingCodec(CODEC, file, new Error('JPEGDecoder missing from module'));
  return (frame: Uint8Array, pm: PixelModule, name: string) => {
    let stream = frame;
    if (keepsYcbcr(pm)) {
      const copy = withoutColourTransform(frame);
      if (copy === undefined) throw new DecodeError(`${name}: ${CODEC}: JPEG header segments are malformed`, { file: name, codec: CODEC, cause: 'codec' });
      stream = copy;
    }
    const raw = runDecoder(() => new Decoder(), stream, CODEC, name, loader);
    return toFrameSamples(raw, pm, name, { codec: CODEC, j2kSignCorrection: false });
  };
}
