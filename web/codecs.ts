/**
 * The wasm DICOM codecs of the demo (JPEG baseline / extended, JPEG-LS, JPEG 2000, HTJ2K). The
 * SDK's default loaders import them by package name at run time, which a browser cannot resolve;
 * a browser app bundles the emscripten glue itself and serves the .wasm files. Here the glue is
 * bundled (a chunk per codec, fetched on the first file that needs it) and the .wasm files are
 * copied to dist/web/codecs/ by scripts/build-web.mjs; `locateFile` points the glue there.
 */
import type { DicomCodecLoader, DicomCodecLoaders } from '../src/browser.js';

type Factory = (options: Record<string, unknown>) => Promise<unknown>;

/** Folder the .wasm files are served from, next to the page (scripts/build-web.mjs: CODEC_WASM). */
const wasmUrl = (file: string) => new URL(`codecs/${file}`, document.baseURI).href;

function served(load: () => Promise<{ default: Factory }>): DicomCodecLoader {
  return async () => {
    const factory = (await load()).default;
    return { default: (options: Record<string, unknown>) => factory({ ...options, locateFile: (file: string) => wasmUrl(file) }) };
  };
}

export const DEMO_CODECS: DicomCodecLoaders = {
  'jpeg-baseline': served(() => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')),
  'jpeg-ls': served(() => import('@cornerstonejs/codec-charls/decodewasmjs')),
  'jpeg-2000': served(() => import('@cornerstonejs/codec-openjpeg/decodewasmjs')),
  htj2k: served(() => import('@cornerstonejs/codec-openjph/wasmjs')),
};
