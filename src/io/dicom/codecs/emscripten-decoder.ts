/**
 * Shared driver for the emscripten codecs (CharLS, OpenJPEG, OpenJPH, libjpeg-turbo). The module
 * is instantiated lazily on first use and reused: instantiating wasm costs tens of ms, and a
 * reader that never meets a JPEG-LS file never loads CharLS. The cache holds promises only, so
 * concurrent first calls share one instantiation.
 */
import type { CodecDecoder, CodecFactory, CodecFrameInfo, CodecModule } from '@cornerstonejs/codec-emscripten-shared';
import { DecodeError, UnsupportedError, describeError } from '../../../core/errors.js';
import type { DicomCodecLoader } from './codec-loaders.js';

export interface RawFrame {
  readonly info: CodecFrameInfo;
  /** Copy of the decoded bytes (the wasm heap view would be invalidated by the next decode). */
  readonly bytes: Uint8Array;
}

const modules = new Map<DicomCodecLoader, Promise<CodecModule>>();

function factoryOf(mod: unknown): CodecFactory {
  const f = (mod as { default?: unknown } | null)?.default ?? mod;
  if (typeof f !== 'function') throw new Error('codec module has no emscripten factory as default export');
  return f as CodecFactory;
}

/** Loads (once per loader) an emscripten codec module; a failed load is not cached so it can be retried. */
export function loadCodecModule(key: DicomCodecLoader, load: DicomCodecLoader): Promise<CodecModule> {
  let p = modules.get(key);
  if (p === undefined) {
    // Fresh options object per factory call (sharing one registers overloads twice); OpenJPEG
    // prints progress to stdout, which a library must not do.
    p = load().then((m) => factoryOf(m)({ print: () => undefined, printErr: () => undefined }));
    p.catch(() => modules.delete(key));
    modules.set(key, p);
  }
  return p;
}

/** Runs one decode; every failure or an empty result becomes a DecodeError naming the file and codec. */
export function runDecoder(create: () => CodecDecoder, frame: Uint8Array, codec: string, file: string, moduleKey: DicomCodecLoader): RawFrame {
  let decoder: CodecDecoder | undefined;
  try {
    decoder = create();
    decoder.getEncodedBuffer(frame.length).set(frame);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const bytes = decoder.getDecodedBuffer().slice();
    // The codecs return an empty buffer on corrupt input instead of throwing.
    if (bytes.length === 0 || !(info.width > 0) || !(info.height > 0)) throw new Error('decoder returned no pixels');
    return { info: { ...info }, bytes };
  } catch (err) {
    // A native exception or abort can leave the wasm instance in a bad state: the next file
    // gets a fresh instance instead of inheriting it.
    if (!(err instanceof Error && err.message === 'decoder returned no pixels')) modules.delete(moduleKey);
    throw new DecodeError(`${file}: ${codec} decoding failed: ${codecMessage(err)}`, { file, codec, cause: 'codec' }, { cause: err });
  } finally {
    try {
      decoder?.delete();
    } catch {
      // Deleting after a failed decode may itself throw; the decode error is what matters.
    }
  }
}

/** Emscripten throws numbers (pointers) or strings for C++ exceptions: give them a readable form. */
function codecMessage(err: unknown): string {
  if (typeof err === 'number') return `codec aborted (native exception ${err})`;
  return describeError(err);
}

export function missingCodec(codec: string, file: string, cause: unknown): UnsupportedError {
  return new UnsupportedError(`${file}: the ${codec} decoder could not be loaded: ${describeError(cause)}`, { file, codec, cause: 'codec-load' }, { cause });
}
