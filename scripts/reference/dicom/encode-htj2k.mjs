// Encodes raw little-endian samples as an HTJ2K codestream with OpenJPH (wasm), lossless.
// Used only by make-fixtures.py to produce HTJ2K test files (no other tool here writes HTJ2K).
// usage: node encode-htj2k.mjs in.raw out.j2c width height bitsPerSample signed(0|1) components
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [input, output, width, height, bits, signed, components] = process.argv.slice(2);
const factory = require('@cornerstonejs/codec-openjph/wasmjs');
const codec = await factory({});
const encoder = new codec.HTJ2KEncoder();
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
