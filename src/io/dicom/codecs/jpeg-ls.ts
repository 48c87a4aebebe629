/** JPEG-LS lossless and near-lossless through CharLS (wasm, loaded on first use). */
import type { CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import type { PixelModule } from '../pixel-module.js';
import { loadCodecModule, missingCodec, runDecoder } from './emscripten-decoder.js';
import { toFrameSamples } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';
import type { DicomCodecLoader } from './codec-loaders.js';

const CODEC = 'JPEG-LS (CharLS)';

export async function loadJpegLsDecoder(file: string, loader: DicomCodecLoader): Promise<FrameDecoder> {
  let mod: CodecModule;
  try {
    mod = await loadCodecModule(loader, loader);
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  const Decoder = mod.JpegLSDecoder;
  if (Decoder === undefined) throw missingCodec(CODEC, file, new Error('JpegLSDecoder missing from module'));
  return (frame: Uint8Array, pm: PixelModule, name: string) => {
    const raw = runDecoder(() => new Decoder(), frame, CODEC, name, loader);
    return toFrameSamples(raw, pm, name, { codec: CODEC, j2kSignCorrection: false });
  };
}
