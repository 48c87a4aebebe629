/**
 * Getting YCbCr (not RGB) out of libjpeg for YBR_FULL / YBR_FULL_422 JPEG frames, so that colour is
 * converted with pydicom's arithmetic (color.ts) and pixels equal pydicom's: pydicom 2.x's pillow
 * and gdcm handlers return JPEG YBR data as YCbCr (Pillow is put in draft('YCbCr') mode), and
 * convert_color_space(arr, 'YBR_FULL', 'RGB') gives RGB. libjpeg's own integer YCbCr -> RGB
 * conversion differs from that by +-1 on a few pixels in a thousand, and the wasm TurboJPEG build
 * has no YCbCr output option.
 * libjpeg decides the JPEG colour space from the stream: a JFIF APP0 marker means YCbCr, else an
 * Adobe APP14 marker's transform flag (0 = no transform), else the component ids. So a private
 * copy of the frame gets its JFIF identifier disabled and an Adobe marker with transform 0: libjpeg
 * then decodes (with the same fancy chroma upsampling as for RGB output) and returns the stored
 * Y, Cb, Cr samples unconverted. Entropy-coded data is not touched.
 */
const SOI = 0xd8;
const SOS = 0xda;
const APP0 = 0xe0;
const APP14 = 0xee;

/** Adobe APP14: 'Adobe', version 100, flags0 0, flags1 0, transform 0 (no colour transform). */
const ADOBE_NO_TRANSFORM = Uint8Array.from([0xff, APP14, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00]);

function isAscii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Copy of a JPEG stream that libjpeg decodes without colour conversion; undefined when the header
 * segments cannot be walked (the caller then reports the frame as undecodable as YCbCr).
 */
export function withoutColourTransform(frame: Uint8Array): Uint8Array | undefined {
  if (frame.length < 4 || frame[0] !== 0xff || frame[1] !== SOI) return undefined;
  let hasAdobe = false;
  const out = new Uint8Array(frame.length + ADOBE_NO_TRANSFORM.length);
  out.set(frame.subarray(0, 2), 0);
  const body = out.subarray(2 + ADOBE_NO_TRANSFORM.length);
  body.set(frame.subarray(2));
  // Walk the marker segments of the copy (body) up to the first scan.
  let p = 0;
  for (;;) {
    if (p + 4 > body.length || body[p] !== 0xff) return undefined;
    const marker = body[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === SOS) break;
    const length = (body[p + 2]! << 8) | body[p + 3]!;
    if (length < 2 || p + 2 + length > body.length) return undefined;
    const payload = p + 4;
    // JFIF would force YCbCr: rename the identifier so libjpeg ignores the segment.
    if (marker === APP0 && length >= 7 && isAscii(body, payload, 'JFIF')) body[payload] = 0x58; // 'XFIF'
    if (marker === APP14 && length >= 14 && isAscii(body, payload, 'Adobe')) {
      body[payload + 11] = 0;
      hasAdobe = true;
    }
    p += 2 + length;
  }
  if (hasAdobe) {
    // The stream's own (now transform 0) Adobe marker suffices: no insertion.
    const copy = new Uint8Array(frame.length);
    copy.set(out.subarray(0, 2), 0);
    copy.set(body, 2);
    return copy;
  }
  out.set(ADOBE_NO_TRANSFORM, 2);
  return out;
}
