/** JPEG 2000 (lossless and lossy) through OpenJPEG (wasm, loaded on first use). */
import type { CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import type { PixelModule } from '../pixel-module.js';
import { loadCodecModule, missingCodec, runDecoder } from './emscripten-decoder.js';
import { toFrameSamples } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';
import type { DicomCodecLoader } from './codec-loaders.js';

const CODEC = 'JPEG 2000 (OpenJPEG)';

export async function loadJpeg2000Decoder(file: string, loader: DicomCodecLoader): Promise<FrameDecoder> {
  let mod: CodecModule;
  try {
    mod = await loadCodecModule(loader, loader);
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  const Decoder = mod.J2KDecoder;
  if (Decoder === undefined) throw missingCodec(CODEC, file, new Error('J2KDecoder missing from module'));
  return (frame: Uint8Array, pm: PixelModule, name: string) => {
    const raw = runDecoder(() => new Decoder(), frame, CODEC, name, loader);
    return toFrameSamples(raw, pm, name, { codec: CODEC, j2kSignCorrection: true });
  };
}
