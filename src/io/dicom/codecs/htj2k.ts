/** High-Throughput JPEG 2000 (HTJ2K) through OpenJPH (wasm, loaded on first use). */
import type { CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import type { PixelModule } from '../pixel-module.js';
import { loadCodecModule, missingCodec, runDecoder } from './emscripten-decoder.js';
import { toFrameSamples } from './frame-output.js';
import type { FrameDecoder } from './frame-decoder.js';
import type { DicomCodecLoader } from './codec-loaders.js';

const CODEC = 'HTJ2K (OpenJPH)';

export async function loadHtj2kDecoder(file: string, loader: DicomCodecLoader): Promise<FrameDecoder> {
  let mod: CodecModule;
  try {
    mod = await loadCodecModule(loader, loader);
  } catch (err) {
    throw missingCodec(CODEC, file, err);
  }
  const Decoder = mod.HTJ2KDecoder;
  if (Decoder === undefined) throw missingCodec(CODEC, file, new Error('HTJ2KDecoder missing from module'));
  return (frame: Uint8Array, pm: PixelModule, name: string) => {
    const raw = runDecoder(() => new Decoder(), frame, CODEC, name, loader);
    return toFrameSamples(raw, pm, name, { codec: CODEC, j2kSignCorrection: true });
  };
}
