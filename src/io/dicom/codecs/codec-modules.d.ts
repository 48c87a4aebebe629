/**
 * Minimal typings for the @cornerstonejs emscripten codec builds (they ship none). Each default
 * export is an emscripten factory; decoders follow one pattern: write the compressed bytes into
 * getEncodedBuffer(n), decode(), read getFrameInfo() and getDecodedBuffer(), then delete().
 */
declare module '@cornerstonejs/codec-emscripten-shared' {
  export interface CodecFrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  }
  export interface CodecDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    decode(): void;
    getFrameInfo(): CodecFrameInfo;
    delete(): void;
  }
  export interface CodecEncoder {
    getDecodedBuffer(frameInfo: CodecFrameInfo): Uint8Array;
    getEncodedBuffer(): Uint8Array;
    encode(): void;
    setQuality?(lossless: boolean, quantizationStep: number): void;
    delete(): void;
  }
  export interface CodecModule {
    JpegLSDecoder?: new () => CodecDecoder;
    J2KDecoder?: new () => CodecDecoder;
    HTJ2KDecoder?: new () => CodecDecoder;
    HTJ2KEncoder?: new () => CodecEncoder;
    JPEGDecoder?: new () => CodecDecoder;
  }
  export type CodecFactory = (options: Record<string, unknown>) => Promise<CodecModule>;
}
// The emscripten builds the codec loaders name (codec-loaders.ts: codec-charls/decodewasmjs,
// codec-openjpeg/decodewasmjs, codec-openjph/wasmjs, codec-libjpeg-turbo-8bit/decodewasmjs): one
// pattern, since each default-exports the same kind of factory.
declare module '@cornerstonejs/codec-*wasmjs' {
  const factory: import('@cornerstonejs/codec-emscripten-shared').CodecFactory;
  export default factory;
}
