/**
 * PNG / JPEG (and TIFF / WebP, which sharp decodes the same way) <-> 2D Volume, Node only (sharp).
 * A raster is a Volume of size [width, height, 1] with 1 (grey) or 3 (RGB) interleaved
 * components, uint8 or uint16; alpha is dropped (it carries no intensity). Pixel spacing is
 * 1 mm by convention: a file's print resolution (DPI) is not a patient-space spacing.
 * EXIF orientation is NOT applied: pixels stay in stored order, as a DICOM reader would.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type SharpConstructor from 'sharp';
import { DecodeError, InputError, LimitError, ShapeError, UnsupportedError } from '../../core/errors.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { importPeer } from '../../runtime/optional-peers.js';
import { decodePngDirect, type PngDecodeMemory } from './png-direct.js';

export interface ReadRasterOptions {
  /** Name for errors and meta.source (default: the path's base name, or 'memory'). */
  name?: string;
  /** Refuse images with more pixels than this, checked from the header before decoding. */
  maxVoxels?: number;
}

/** Raw interleaved pixels (e.g. an RGBA overlay) for writePng. */
export interface RasterPixels {
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

const FORMATS = new Set(['png', 'jpeg', 'tiff', 'webp']);

let sharpModule: Promise<typeof SharpConstructor> | undefined;
/**
 * sharp (libvips, ~90 ms to load) is imported on first raster use: DICOM and NIfTI work never pays
 * for it, and it is an optional peer (a browser app does not install it): absent, raster calls
 * throw a MissingPackageError with the install line.
 */
function loadSharp(): Promise<typeof SharpConstructor> {
  sharpModule ??= importPeer('sharp', () => import('sharp')).then(
    (m) => m.default,
    (error: unknown) => {
      sharpModule = undefined;
      throw error;
    },
  );
  return sharpModule;
}

export async function readRaster(input: Uint8Array | string, options: ReadRasterOptions = {}): Promise<Volume> {
  return readRasterWith(input, options);
}

/**
 * readRaster; `memory` (internal): where a PNG on the direct path is inflated, and whether the bytes
 * given were read for this call alone (png-direct.ts PngDecodeMemory; a file read here is).
 */
export async function readRasterWith(input: Uint8Array | string, options: ReadRasterOptions, memory: PngDecodeMemory = {}): Promise<Volume> {
  const name = options.name ?? (typeof input === 'string' ? basename(input) : 'memory');
  const bytes =
    typeof input === 'string'
      ? await readFile(input).catch((error: unknown) => {
          const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
          throw new InputError(`${name}: cannot read file (${code})`, { file: name, errno: code }, { cause: error });
        })
      : input;
  // Common radiograph PNGs (8/16-bit grey or RGB, not interlaced) without sharp: faster, same samples.
  const direct = decodePngDirect(bytes, name, options.maxVoxels, typeof input === 'string' ? { ...memory, ownsBytes: true } : memory);
  if (direct !== undefined) return direct;
  const sharp = await loadSharp();
  const metadata = await sharp(bytes, { failOn: 'error' })
    .metadata()
    .catch((error: unknown) => {
      throw new DecodeError(`${name}: not a decodable raster image (${(error as Error).message})`, { file: name }, { cause: error });
    });
  const format = metadata.format;
  if (!FORMATS.has(format)) throw new UnsupportedError(`${name}: raster format '${format}' is not supported (png, jpeg, tiff, webp)`, { file: name, format });
  const width = metadata.width;
  const height = metadata.height;
  if (options.maxVoxels !== undefined && width * height > options.maxVoxels) {
    throw new LimitError(`${name}: ${width}x${height} pixels exceed maxVoxels ${options.maxVoxels}`, {
      file: name,
      voxels: width * height,
      maxVoxels: options.maxVoxels,
    });
  }
  const colour = metadata.channels >= 3 && metadata.space !== 'b-w' && metadata.space !== 'grey16';
  const sixteen = metadata.depth === 'ushort';
  // Plain raw({depth:'ushort'}) silently goes through 8 bits; the 16-bit colourspace keeps all bits.
  let pipeline = sharp(bytes, { failOn: 'error' }).removeAlpha();
  pipeline = sixteen ? pipeline.toColourspace(colour ? 'rgb16' : 'grey16') : pipeline.toColourspace(colour ? 'srgb' : 'b-w');
  const { data, info } = await pipeline
    .raw(sixteen ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new DecodeError(`${name}: ${format} decode failed (${(error as Error).message})`, { file: name, format }, { cause: error });
    });
  const components = colour ? 3 : 1;
  if (info.channels !== components) throw new DecodeError(`${name}: decoder returned ${info.channels} channels, expected ${components}`, { file: name });
  const count = width * height * components;
  const pixels = sixteen ? new Uint16Array(count) : new Uint8Array(count);
  // Copy out of sharp's pooled Buffer into an aligned array the Volume owns.
  const source = sixteen ? new Uint16Array(data.buffer, data.byteOffset, count) : data;
  if (source.length < count) throw new DecodeError(`${name}: decoded ${source.length} samples, expected ${count}`, { file: name });
  pixels.set(source.subarray(0, count));
  const warnings = metadata.hasAlpha ? ['alpha channel dropped'] : [];
  return createVolume({
    geometry: { size: [width, height, 1] },
    data: pixels,
    components,
    meta: {
      format,
      source: name,
      modality: 'OT',
      photometric: colour ? 'RGB' : 'MONOCHROME2',
      bitsStored: sixteen ? 16 : 8,
      ...(warnings.length ? { warnings } : {}),
    },
  });
}

/** Encodes a 2D uint8 / uint16 volume (1, 3 or 4 components) or raw pixels as PNG. */
export async function writePng(input: Volume | RasterPixels, options: { compressionLevel?: number } = {}): Promise<Uint8Array> {
  const raster = 'geometry' in input ? pixelsOfVolume(input) : input;
  const { data, width, height, channels } = raster;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0))
    throw new ShapeError(`writePng: width and height must be positive integers, got ${width}x${height}`);
  if (![1, 2, 3, 4].includes(channels)) throw new ShapeError(`writePng: channels must be 1..4, got ${channels}`);
  if (data.length !== width * height * channels)
    throw new ShapeError(`writePng: ${data.length} samples for ${width}x${height}x${channels}`, { expected: width * height * channels, actual: data.length });
  const sixteen = data instanceof Uint16Array;
  const sharp = await loadSharp();
  let pipeline = sharp(sixteen ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
  // Without an explicit colour space sharp writes 1-channel input as an RGB PNG.
  pipeline = pipeline.toColourspace(sixteen ? (channels <= 2 ? 'grey16' : 'rgb16') : channels <= 2 ? 'b-w' : 'srgb');
  const png = await pipeline.png({ compressionLevel: options.compressionLevel ?? 6 }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function pixelsOfVolume(v: Volume): RasterPixels {
  if (v.geometry.size[2] !== 1 || v.frames !== 1)
    throw new ShapeError(`writePng: needs a 2D volume (k = 1, one frame), got [${v.geometry.size.join('x')}] x ${v.frames} frames`);
  if (v.type !== 'uint8' && v.type !== 'uint16')
    throw new ShapeError(`writePng: needs uint8 or uint16 samples, got ${v.type} (window / rescale first)`, { type: v.type });
  if (v.components < 1 || v.components > 4) throw new ShapeError(`writePng: needs 1 to 4 components, got ${v.components}`);
  return { data: v.data as Uint8Array | Uint16Array, width: v.geometry.size[0], height: v.geometry.size[1], channels: v.components as 1 | 2 | 3 | 4 };
}
