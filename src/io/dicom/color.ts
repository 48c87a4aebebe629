/**
 * Colour layout and colour space. Volumes hold colour as interleaved RGB; YBR_FULL and
 * YBR_FULL_422 samples are converted with exactly pydicom's arithmetic (float32, BT.601 full
 * range, round half up, clip to 0..255) so results match `convert_color_space(arr, 'YBR_FULL', 'RGB')`.
 * That applies to JPEG baseline too: pydicom 2.x returns JPEG YBR frames as YCbCr (Pillow in
 * draft('YCbCr') mode, gdcm), so the codec is made to return YCbCr as well
 * (codecs/jpeg-colour-transform.ts) rather than libjpeg's integer RGB (off by 1 on some pixels).
 */
import type { TypedArray } from '../../core/dtype.js';

/** RR..GG..BB.. per frame -> RGBRGB... */
export function interleavePlanes(src: TypedArray, pixelsPerFrame: number, frames: number): TypedArray {
  const out = new (src.constructor as new (n: number) => TypedArray)(src.length);
  for (let f = 0; f < frames; f++) {
    const base = f * pixelsPerFrame * 3;
    for (let c = 0; c < 3; c++) {
      const plane = base + c * pixelsPerFrame;
      for (let p = 0; p < pixelsPerFrame; p++) out[base + p * 3 + c] = src[plane + p]!;
    }
  }
  return out;
}

const f = Math.fround;
// pydicom's float32 matrix (columns: R, G, B); zero entries contribute exactly 0 and are skipped.
const CR_R = f(1.402);
const CB_G = f((-0.114 * 1.772) / 0.587);
const CR_G = f((-0.299 * 1.402) / 0.587);
const CB_B = f(1.772);

function clipRound(x: number): number {
  const r = Math.floor(f(x + 0.5));
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** In place: interleaved 8-bit YBR_FULL -> RGB. */
export function convertYbrFullToRgb(data: TypedArray): void {
  for (let p = 0; p + 2 < data.length; p += 3) {
    const y = data[p]!;
    const cb = f(data[p + 1]! - 128);
    const cr = f(data[p + 2]! - 128);
    data[p] = clipRound(f(y + f(cr * CR_R)));
    data[p + 1] = clipRound(f(f(y + f(cb * CB_G)) + f(cr * CR_G)));
    data[p + 2] = clipRound(f(y + f(cb * CB_B)));
  }
}

export function isYbr(photometric: string): boolean {
  return photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422';
}
