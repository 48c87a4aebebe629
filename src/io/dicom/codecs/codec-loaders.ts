/**
 * Where the wasm codecs come from. By default each is imported by package name at first use. The
 * specifier is deliberately not a string literal: the emscripten builds contain Node branches
 * (require('fs'), require('path')) and need their .wasm served next to them, so a bundler must not
 * pull them into a browser bundle implicitly. Node resolves them from node_modules unchanged.
 * Browser apps pass `codecs` loaders they bundle and serve themselves, e.g.
 *   { 'jpeg-ls': () => import('@cornerstonejs/codec-charls/decodewasmjs') }
 * (wrap the factory to add `locateFile` if the .wasm is served elsewhere).
 */
export type DicomCodecName = 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

/** Returns the codec package's module: `{ default: emscriptenFactory }` for the wasm codecs. */
export type DicomCodecLoader = () => Promise<unknown>;
export type DicomCodecLoaders = Partial<Record<DicomCodecName, DicomCodecLoader>>;

const PACKAGES: Readonly<Record<Exclude<DicomCodecName, 'jpeg-lossless'>, string>> = {
  'jpeg-baseline': '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
  'jpeg-ls': '@cornerstonejs/codec-charls/decodewasmjs',
  'jpeg-2000': '@cornerstonejs/codec-openjpeg/decodewasmjs',
  htj2k: '@cornerstonejs/codec-openjph/wasmjs',
};

function importPackage(specifier: string): Promise<unknown> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
}

/** Default loaders (one constant function per codec, so module caches keyed by loader work). */
export const DEFAULT_CODEC_LOADERS: Readonly<Record<DicomCodecName, DicomCodecLoader>> = {
  'jpeg-baseline': () => importPackage(PACKAGES['jpeg-baseline']),
  'jpeg-ls': () => importPackage(PACKAGES['jpeg-ls']),
  'jpeg-2000': () => importPackage(PACKAGES['jpeg-2000']),
  htj2k: () => importPackage(PACKAGES.htj2k),
  // Plain JavaScript without Node branches: safe for bundlers to follow.
  'jpeg-lossless': () => import('@cornerstonejs/jpeg-lossless-decoder-js'),
};

export function resolveCodecLoader(codec: DicomCodecName, custom: DicomCodecLoaders | undefined): DicomCodecLoader {
  return custom?.[codec] ?? DEFAULT_CODEC_LOADERS[codec];
}
