/**
 * One parsed DICOM file -> raw stored samples of all frames (before the modality LUT), colour
 * already as interleaved RGB. Shared by single-file and series reading.
 */
import { DecodeError, UnsupportedError, isMedinferError, describeError } from '../../core/errors.js';
import { allocateTypedArray, type TypedArray } from '../../core/dtype.js';
import type { DataSet } from './dataset.js';
import type { ParsedDicom } from './parse-header.js';
import { readPixelModule, type PixelModule } from './pixel-module.js';
import { checkCodecDepth, resolveTransferSyntax, type TransferSyntaxInfo } from './transfer-syntax.js';
import { extractEncapsulatedFrames, findPixelDataElement, sliceNativePixelBytes } from './frames.js';
import { decodeExternalNativePixels, decodeNativePixels, type DecodeTarget } from './decode-native.js';
import { decodeRleFrame } from './decode-rle.js';
import { loadFrameDecoder, type EncapsulatedCodec } from './codecs/load-frame-decoder.js';
import { frameDecodePool, MIN_THREADED_FRAMES, type FrameDecodePool } from './codecs/frame-decode-pool.js';
import { checkCodestreamSize } from './codestream-size.js';
import type { DicomCodecLoaders } from './codecs/codec-loaders.js';
import type { ResolvedReadOptions } from './options.js';
import { convertYbrFullToRgb, isYbr } from './color.js';
import { maskStoredBits } from './stored-bits.js';

export interface DecodedImage {
  readonly pm: PixelModule;
  readonly transferSyntax: TransferSyntaxInfo;
  /** frames x rows x columns x samples, column fastest; colour converted to RGB. */
  readonly raw: TypedArray;
  /** Photometric interpretation of `raw` (RGB after YBR conversion). */
  readonly outputPhotometric: string;
  /** Samples whose bits outside BitsStored were set and have been cleared (stored-bits.ts). */
  readonly maskedSamples: number;
}

/** Header-level checks shared with series grouping: transfer syntax, pixel module, limits. */
export function inspectImageHeader(parsed: ParsedDicom, maxVoxels: number): { pm: PixelModule; transferSyntax: TransferSyntaxInfo } {
  const transferSyntax = resolveTransferSyntax(parsed.transferSyntaxUid, parsed.name);
  const pm = readPixelModule(parsed.dataSet, parsed.name, maxVoxels);
  checkCodecDepth(transferSyntax, pm.bitsStored, parsed.name);
  return { pm, transferSyntax };
}

/**
 * Decodes all frames. With `target`, native samples are written straight into that buffer slot
 * (the returned `raw` is then a view of it); other codecs still return their own array.
 */
export async function decodeImage(
  parsed: ParsedDicom,
  opts: Pick<ResolvedReadOptions, 'maxVoxels' | 'codecs' | 'frameThreads'>,
  target?: DecodeTarget,
): Promise<DecodedImage> {
  const { pm, transferSyntax } = inspectImageHeader(parsed, opts.maxVoxels);
  const { dataSet: ds, name } = parsed;
  checkColourModel(pm, transferSyntax, name);
  const el = findPixelDataElement(ds, name);
  let raw: TypedArray;
  try {
    if (transferSyntax.codec !== 'native') raw = await decodeEncapsulated(ds, pm, transferSyntax, name, opts.codecs, opts.frameThreads === true);
    else if (parsed.pixelSource !== undefined && el.encapsulatedPixelData !== true)
      raw = await decodeExternalNativePixels(parsed.pixelSource, pm, transferSyntax.bigEndian, name, target);
    else raw = decodeNativePixels(sliceNativePixelBytes(ds, el, name), pm, transferSyntax.bigEndian, name, target);
  } catch (err) {
    if (isMedinferError(err)) throw err;
    throw new DecodeError(
      `${name}: pixel data could not be decoded: ${describeError(err)}`,
      { file: name, transferSyntax: transferSyntax.uid, cause: 'pixel-data' },
      { cause: err },
    );
  }
  // Garbage above HighBit (and below the value when HighBit is raised) is not part of the value.
  const maskedSamples = maskStoredBits(raw, pm);
  let outputPhotometric = pm.photometric;
  // YBR_FULL(_422) samples - native, RLE, and JPEG baseline, whose codec is told to return YCbCr
  // (codecs/jpeg-colour-transform.ts) - are converted here with pydicom's arithmetic.
  if (pm.samplesPerPixel === 3 && isYbr(pm.photometric)) {
    if (pm.bitsAllocated !== 8)
      throw new UnsupportedError(`${name}: ${pm.photometric} with ${pm.bitsAllocated}-bit samples`, { file: name, photometric: pm.photometric });
    convertYbrFullToRgb(raw);
    outputPhotometric = 'RGB';
  } else if (pm.samplesPerPixel === 3) {
    outputPhotometric = 'RGB';
  }
  return { pm, transferSyntax, raw, outputPhotometric, maskedSamples };
}

/** PackBits expands at most 128 bytes per 2 input bytes: a shorter stream cannot hold the image. */
function checkRleSize(frames: readonly Uint8Array[], pm: PixelModule, name: string): void {
  const bytesPerFrame = pm.rows * pm.columns * pm.samplesPerPixel * (pm.bitsAllocated / 8);
  for (const frame of frames) {
    if (frame.length * 64 + 64 * 16 < bytesPerFrame) {
      throw new DecodeError(`${name}: RLE frame of ${frame.length} bytes cannot hold a ${pm.columns}x${pm.rows} image`, { file: name, cause: 'rle-short' });
    }
  }
}

/**
 * Colour models whose samples this reader can turn into RGB: RGB itself, YBR_FULL(_422) (converted
 * here, or by libjpeg for JPEG), and the JPEG 2000 ICT / RCT models the codecs invert. Anything
 * else (YBR_PARTIAL_*, PALETTE COLOR with 3 samples, ...) is refused rather than shown in wrong colours.
 */
function checkColourModel(pm: PixelModule, ts: TransferSyntaxInfo, name: string): void {
  if (pm.samplesPerPixel !== 3) return;
  const p = pm.photometric;
  const j2k = ts.codec === 'jpeg-2000' || ts.codec === 'htj2k';
  const ok = p === 'RGB' || isYbr(p) || (j2k && (p === 'YBR_ICT' || p === 'YBR_RCT')) || (ts.codec === 'jpeg-baseline' && p.startsWith('YBR_'));
  if (!ok)
    throw new UnsupportedError(`${name}: photometric interpretation ${p} is not supported with ${ts.name}`, {
      file: name,
      photometric: p,
      transferSyntax: ts.uid,
    });
}

async function decodeEncapsulated(
  ds: DataSet,
  pm: PixelModule,
  ts: TransferSyntaxInfo,
  name: string,
  codecs: DicomCodecLoaders | undefined,
  seriesThreads: boolean,
): Promise<TypedArray> {
  const el = findPixelDataElement(ds, name);
  const jpegFamily = ts.codec === 'jpeg-baseline' || ts.codec === 'jpeg-lossless' || ts.codec === 'jpeg-ls';
  const frames = extractEncapsulatedFrames(ds, el, pm.frames, jpegFamily, name);
  const frameSize = pm.rows * pm.columns * pm.samplesPerPixel;
  if (ts.codec === 'rle') {
    checkRleSize(frames, pm, name);
    const out = allocateTypedArray(pm.rawType, frameSize * pm.frames);
    frames.forEach((frame, f) => decodeRleFrame(frame, pm, out, f * frameSize, name));
    return out;
  }
  if (ts.codec === 'native') throw new DecodeError(`${name}: internal: native data routed to a codec`, { file: name });
  if (pm.bitsAllocated === 1) throw new DecodeError(`${name}: compressed 1-bit pixel data is not valid DICOM`, { file: name, cause: 'bits-allocated' });
  // Many frames (a multi-frame file, or a series whose reader asks: frameThreads) with the default
  // codecs go to the worker pool where there is one (codecs/frame-decode-pool.ts); caller-given
  // codec loaders are functions of this thread and stay here.
  const pool = codecs === undefined && (seriesThreads || frames.length >= MIN_THREADED_FRAMES) ? frameDecodePool() : null;
  if (pool !== null) return decodeOnPool(pool, ts, frames, pm, name, frameSize);
  const codec = await loadFrameDecoder(ts.codec, name, codecs);
  // Each codestream's own size claim is checked before the codec can allocate for it.
  const decode: typeof codec = (frame, fpm, file) => {
    checkCodestreamSize(frame, fpm, ts.name, file);
    return codec(frame, fpm, file);
  };
  // The first frame is decoded (and checked against the header) before the volume buffer exists.
  const first = decode(frames[0]!, pm, name);
  if (pm.frames === 1) return first;
  const out = allocateTypedArray(pm.rawType, frameSize * pm.frames);
  out.set(first as never, 0);
  for (let f = 1; f < frames.length; f++) out.set(decode(frames[f]!, pm, name) as never, f * frameSize);
  return out;
}

/**
 * decodeEncapsulated's frames on the pool: the first alone (checked against the header before the
 * volume buffer exists, as on this thread), then the rest with up to two per worker in flight.
 */
async function decodeOnPool(
  pool: FrameDecodePool,
  ts: TransferSyntaxInfo,
  frames: readonly Uint8Array[],
  pm: PixelModule,
  name: string,
  frameSize: number,
): Promise<TypedArray> {
  const codec = ts.codec as EncapsulatedCodec;
  const first = await pool.decode(codec, ts.name, frames[0]!, pm, name);
  if (frames.length === 1) return first;
  const out = allocateTypedArray(pm.rawType, frameSize * pm.frames);
  out.set(first as never, 0);
  let next = 1;
  const lane = async (): Promise<void> => {
    for (let f = next++; f < frames.length; f = next++) out.set((await pool.decode(codec, ts.name, frames[f]!, pm, name)) as never, f * frameSize);
  };
  await Promise.all(Array.from({ length: Math.min(2 * pool.threads, frames.length - 1) }, lane));
  return out;
}
