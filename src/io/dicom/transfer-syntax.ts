/**
 * Transfer syntaxes the reader knows. `codec` says how pixel data is stored: 'native' (raw,
 * possibly big endian), 'rle', or one of the encapsulated image codecs. Anything not listed is
 * refused with UnsupportedError - never guessed.
 */
import { UnsupportedError } from '../../core/errors.js';

export type PixelCodec = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000' | 'htj2k';

export interface TransferSyntaxInfo {
  readonly uid: string;
  readonly name: string;
  readonly codec: PixelCodec;
  readonly bigEndian: boolean;
  /** True when the codec may have discarded information (the decoded pixels are not the originals). */
  readonly lossy: boolean;
}

const TABLE: readonly TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', codec: 'native', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', codec: 'native', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', codec: 'native', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', codec: 'native', bigEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', codec: 'rle', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline', bigEndian: false, lossy: true },
  // 8-bit process 2 streams decode with libjpeg-turbo; 12-bit ones are refused in checkCodecDepth.
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', codec: 'jpeg-baseline', bigEndian: false, lossy: true },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', codec: 'jpeg-lossless', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless SV1 (Process 14, Selection Value 1)', codec: 'jpeg-lossless', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', codec: 'jpeg-ls', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls', bigEndian: false, lossy: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', codec: 'jpeg-2000', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', codec: 'jpeg-2000', bigEndian: false, lossy: true },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', codec: 'htj2k', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', codec: 'htj2k', bigEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', codec: 'htj2k', bigEndian: false, lossy: true },
];

/** Known but deliberately refused, with the reason given to the user. */
const REFUSED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.101': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 video',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 video',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 video',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 multi-component',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP referenced deflate',
};

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** Looks a transfer syntax up; throws UnsupportedError naming the file, the UID and why. */
export function resolveTransferSyntax(uid: string, file: string): TransferSyntaxInfo {
  const info = BY_UID.get(uid);
  if (info !== undefined) return info;
  const reason = REFUSED[uid] ?? 'unknown transfer syntax';
  throw new UnsupportedError(`${file}: unsupported transfer syntax ${uid} (${reason})`, { file, transferSyntax: uid, cause: 'transfer-syntax' });
}

const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';

/**
 * JPEG Extended carries 8-bit (process 2) or 12-bit (process 4) samples. No decoder found on npm
 * returns correct 12-bit pixels, so those are refused outright rather than decoded wrongly.
 */
export function checkCodecDepth(ts: TransferSyntaxInfo, bitsStored: number, file: string): void {
  if (ts.uid === JPEG_EXTENDED && bitsStored > 8) {
    throw new UnsupportedError(
      `${file}: unsupported transfer syntax ${ts.uid} (JPEG Extended with ${bitsStored}-bit samples: no decoder found that returns correct 12-bit ` +
        `pixels in JavaScript)`,
      { file, transferSyntax: ts.uid, cause: 'transfer-syntax' },
    );
  }
}

export function listSupportedTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}
