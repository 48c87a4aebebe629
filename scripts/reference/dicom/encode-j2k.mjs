// Encodes raw little-endian samples losslessly as an HTJ2K (OpenJPH) or JPEG 2000 (OpenJPEG)
// codestream with the wasm encoders. Used only by make-fixtures.py: no other tool here writes
// HTJ2K, and gdcmconv cannot write a JPEG 2000 codestream with a precision below 16 bits.
// usage: node encode-j2k.mjs htj2k|j2k in.raw out.j2c width height bitsPerSample signed(0|1) components
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [kind, input, output, width, height, bits, signed, components] = process.argv.slice(2);
const factory = require(kind === 'j2k' ? '@cornerstonejs/codec-openjpeg/wasmjs' : '@cornerstonejs/codec-openjph/wasmjs');
const codec = await factory({});
const encoder = kind === 'j2k' ? new codec.J2KEncoder() : new codec.HTJ2KEncoder();
const raw = readFileSync(input);
const frameInfo = {
  width: Number(width),
  height: Number(height),
  bitsPerSample: Number(bits),
  componentCount: Number(components),
  isSigned: signed === '1',
  isUsingColorTransform: false,
};
encoder.getDecodedBuffer(frameInfo).set(raw);
encoder.setQuality(true, 0);
encoder.encode();
writeFileSync(output, encoder.getEncodedBuffer().slice());
encoder.delete();
