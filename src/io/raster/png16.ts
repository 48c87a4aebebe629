/**
 * 16-bit PNG in the browser, at full depth. Browsers decode PNG through canvases that hold 8 bits
 * per channel: a 16-bit radiograph would be silently cut to its top byte (a 12-bit image's 0..4095
 * becoming 0..15), and a model fed that answers confidently and wrongly. So the PNG header is read
 * first (isomorphic, no decoder) and 16-bit files are decoded by fast-png (MIT, pure JS, npm),
 * giving the same samples as sharp in Node: grey -> uint16 x 1, RGB -> uint16 x 3, alpha dropped.
 */
import { decode } from 'fast-png';
import { DecodeError, LimitError, UnsupportedError } from '../../core/errors.js';
import { createVolume, type Volume } from '../../core/volume.js';

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGB + alpha. */
  readonly colorType: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The IHDR fields (the first chunk, PNG spec 11.2.2), or a DecodeError naming the file. */
export function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  const ihdr =
    bytes.length >= 33 && SIGNATURE.every((b, i) => bytes[i] === b) && bytes[12] === 0x49 && bytes[13] === 0x48 && bytes[14] === 0x44 && bytes[15] === 0x52;
  if (!ihdr) throw new DecodeError(`${name}: not a PNG file (no signature and IHDR chunk)`, { file: name, cause: 'png-header' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24]!, colorType: bytes[25]! };
}

/** Refuses a PNG over maxVoxels from its header, before any decoder allocates for it. */
export function checkPngSize(header: PngHeader, name: string, maxVoxels: number | undefined): void {
  const pixels = header.width * header.height;
  if (header.width === 0 || header.height === 0)
    throw new DecodeError(`${name}: PNG of ${header.width}x${header.height} pixels`, { file: name, cause: 'png-header' });
  if (maxVoxels !== undefined && pixels > maxVoxels)
    throw new LimitError(`${name}: ${header.width}x${header.height} pixels exceed maxVoxels ${maxVoxels}`, { file: name, voxels: pixels, maxVoxels });
}

/** A 16-bit PNG -> uint16 Volume ([width, height, 1], 1 or 3 components), as Node's readRaster gives it. */
export function decodePng16(bytes: Uint8Array, name: string): Volume {
  let image: ReturnType<typeof decode>;
  try {
    image = decode(bytes);
  } catch (error) {
    throw new DecodeError(
      `${name}: PNG decode failed (${error instanceof Error ? error.message : String(error)})`,
      { file: name, format: 'png' },
      { cause: error },
    );
  }
  if (image.depth !== 16 || !(image.data instanceof Uint16Array))
    throw new DecodeError(`${name}: expected 16-bit PNG samples, got ${image.depth}-bit`, { file: name, format: 'png' });
  const { width, height, channels } = image;
  if (channels < 1 || channels > 4) throw new UnsupportedError(`${name}: PNG with ${channels} channels`, { file: name, format: 'png' });
  const colour = channels >= 3;
  const components = colour ? 3 : 1;
  const n = width * height;
  if (image.data.length < n * channels)
    throw new DecodeError(`${name}: PNG decoded to ${image.data.length} samples, expected ${n * channels}`, { file: name, format: 'png' });
  const data = new Uint16Array(n * components);
  const src = image.data;
  if (channels === components) data.set(src.subarray(0, n * components));
  else for (let p = 0; p < n; p++) for (let c = 0; c < components; c++) data[p * components + c] = src[p * channels + c]!;
  const warnings = channels === 2 || channels === 4 ? ['alpha channel dropped'] : [];
  return createVolume({
    geometry: { size: [width, height, 1] },
    data,
    components,
    meta: {
      format: 'png',
      source: name,
      modality: 'OT',
      photometric: colour ? 'RGB' : 'MONOCHROME2',
      bitsStored: 16,
      ...(warnings.length ? { warnings } : {}),
    },
  });
}
