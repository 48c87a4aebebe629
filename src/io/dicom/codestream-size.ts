/**
 * Frame size as a compressed codestream's own header states it (JPEG SOFn, JPEG-LS SOF55,
 * JPEG 2000 / HTJ2K SIZ), read before the codec runs: a 2x2 DICOM image whose JPEG header claims
 * 65535x65535 would otherwise make the wasm codec allocate gigabytes before the output check
 * (codecs/frame-output.ts) could refuse it. Only the header is parsed; a codestream this does not
 * understand is left to the codec and the output check.
 */
import { DecodeError } from '../../core/errors.js';
import type { PixelModule } from './pixel-module.js';

export interface CodestreamSize {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly format: 'jpeg' | 'jpeg-ls' | 'jpeg-2000';
}

/** Scans at most this far for the SOF / SIZ marker (they sit right after tables and comments). */
const SCAN_LIMIT = 1 << 20;

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 2 ** 24 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** JPEG / JPEG-LS: walk the marker segments after SOI to the first start-of-frame. */
function readJpegSize(b: Uint8Array): CodestreamSize | undefined {
  let p = 2;
  const end = Math.min(b.length, SCAN_LIMIT);
  while (p + 4 <= end) {
    if (b[p] !== 0xff) return undefined;
    const marker = b[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    // Standalone markers (RSTn, TEM) carry no length.
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const length = u16(b, p + 2);
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) {
      if (p + 10 > b.length) return undefined;
      return { height: u16(b, p + 5), width: u16(b, p + 7), components: b[p + 9]!, format: marker === 0xf7 ? 'jpeg-ls' : 'jpeg' };
    }
    if (marker === 0xda || length < 2) return undefined; // scan data before any frame header: malformed
    p += 2 + length;
  }
  return undefined;
}

/** JPEG 2000 / HTJ2K: SIZ follows SOC (FF4F FF51), possibly inside a JP2 'jp2c' box. */
function readJ2kSize(b: Uint8Array): CodestreamSize | undefined {
  const end = Math.min(b.length, SCAN_LIMIT) - 4;
  for (let p = 0; p <= end; p++) {
    if (b[p] !== 0xff || b[p + 1] !== 0x4f || b[p + 2] !== 0xff || b[p + 3] !== 0x51) continue;
    const s = p + 4; // Lsiz
    if (s + 38 > b.length) return undefined;
    const width = u32(b, s + 4) - u32(b, s + 12);
    const height = u32(b, s + 8) - u32(b, s + 16);
    return { width, height, components: u16(b, s + 36), format: 'jpeg-2000' };
  }
  return undefined;
}

export function readCodestreamSize(frame: Uint8Array): CodestreamSize | undefined {
  if (frame.length >= 4 && frame[0] === 0xff && frame[1] === 0xd8) return readJpegSize(frame);
  return readJ2kSize(frame);
}

/**
 * Refuses, before decoding, a frame whose codestream claims more samples than the DICOM header's
 * Rows x Columns x SamplesPerPixel (the buffer the volume will hold). Smaller or equal claims go
 * on to the codec, whose output is checked exactly afterwards. A JPEG height of 0 (set later by a
 * DNL marker) cannot be checked here.
 */
export function checkCodestreamSize(frame: Uint8Array, pm: PixelModule, codec: string, file: string): void {
  const size = readCodestreamSize(frame);
  if (size === undefined || size.height === 0) return;
  const claimed = size.width * size.height * Math.max(1, size.components);
  const expected = pm.rows * pm.columns * pm.samplesPerPixel;
  if (claimed > expected) {
    throw new DecodeError(
      `${file}: ${codec} codestream header claims a ${size.width}x${size.height}x${size.components} frame, the DICOM header ` +
        `${pm.columns}x${pm.rows}x${pm.samplesPerPixel}; not decoded`,
      { file, codec, cause: 'frame-mismatch', claimed, expected },
    );
  }
}
