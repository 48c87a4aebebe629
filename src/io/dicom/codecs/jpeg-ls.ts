/** JPEG-LS lossless and near-lossless through CharLS (wasm, loaded on first use). */
import type { CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import type { TypedArray } from '../../../core/dtype.js';
import type { PixelModule } from '../pixel-module.js';
import { loadCodecModule, missingCodec, runDecoder } from './emscripten-decoder.js';
import { writeDecodedFrame } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';

const CODEC = 'JPEG-LS (CharLS)';

export async function loadJpegLsDecoder(file: string): Promise<FrameDecoder> {
  let mod: CodecModule;
  try {
    mod = await loadCodecModule('charls', () => import('@cornerstonejs/codec-charls/decodewasmjs'));
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  const Decoder = mod.JpegLSDecoder;
  if (Decoder === undefined) throw missingCodec(CODEC, file, new Error('JpegLSDecoder missing from module'));
  return (frame: Uint8Array, pm: PixelModule, out: TypedArray, offset: number, name: string) => {
    const raw = runDecoder(() => new Decoder(), frame, CODEC, name);
    writeDecodedFrame(raw, pm, out, offset, name, { codec: CODEC, j2kSignCorrection: false });
  };
}
