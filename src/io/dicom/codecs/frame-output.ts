/**
 * Turns a codec's decoded frame into samples of the raw stored type after checking it is the frame the header
 * promised (size, samples). Decoded samples are read with the dataset's signedness, as pydicom
 * does, except for JPEG 2000 family codestreams that store signed data as unsigned: those are
 * sign-extended from the codestream precision (pydicom's APPLY_J2K_CORRECTIONS).
 */
import { DecodeError } from '../../../core/errors.js';
import { allocateTypedArray, type TypedArray } from '../../../core/dtype.js';
import type { PixelModule } from '../pixel-module.js';
import type { RawFrame } from './emscripten-decoder.js';
import { copyBytes, isAligned } from '../byte-views.js';

export interface FrameOutputOptions {
  readonly codec: string;
  /** Apply the J2K unsigned-codestream-for-signed-data correction. */
  readonly j2kSignCorrection: boolean;
}

export function toFrameSamples(raw: RawFrame, pm: PixelModule, file: string, opts: FrameOutputOptions): TypedArray {
  const { info, bytes } = raw;
  if (info.width !== pm.columns || info.height !== pm.rows || info.componentCount !== pm.samplesPerPixel) {
    throw new DecodeError(
      `${file}: ${opts.codec} frame is ${info.width}x${info.height}x${info.componentCount}, header says ${pm.columns}x${pm.rows}x${pm.samplesPerPixel}`,
      { file, codec: opts.codec, cause: 'frame-mismatch' },
    );
  }
  const count = pm.rows * pm.columns * pm.samplesPerPixel;
  const width = info.bitsPerSample > 8 ? 2 : 1;
  if (bytes.length < count * width) {
    throw new DecodeError(`${file}: ${opts.codec} returned ${bytes.length} bytes, expected ${count * width}`, {
      file,
      codec: opts.codec,
      cause: 'short-frame',
    });
  }
  if (width === 2 && pm.bitsAllocated < 16) {
    throw new DecodeError(`${file}: ${opts.codec} frame has ${info.bitsPerSample}-bit samples but BitsAllocated is ${pm.bitsAllocated}`, {
      file,
      codec: opts.codec,
      cause: 'frame-mismatch',
    });
  }
  const signed = pm.pixelRepresentation === 1;
  // Codec output is normally a fresh buffer; a view at an odd offset is copied before a 16-bit view.
  const aligned = width === 2 && !isAligned(bytes, 2) ? copyBytes(bytes, 0, count * 2) : bytes;
  let src: TypedArray;
  if (width === 1) src = signed && pm.bitsAllocated === 8 ? new Int8Array(bytes.buffer, bytes.byteOffset, count) : bytes.subarray(0, count);
  else src = signed ? new Int16Array(aligned.buffer, aligned.byteOffset, count) : new Uint16Array(aligned.buffer, aligned.byteOffset, count);

  const out = allocateTypedArray(pm.rawType, count);
  const precision = info.bitsPerSample;
  if (opts.j2kSignCorrection && signed && info.isSigned !== true && precision < pm.bitsAllocated) {
    const shift = 32 - precision;
    for (let p = 0; p < count; p++) out[p] = (src[p]! << shift) >> shift;
    return out;
  }
  // Typed-array stores convert (e.g. 8-bit codec output into a 16-bit container).
  for (let p = 0; p < count; p++) out[p] = src[p]!;
  return out;
}
