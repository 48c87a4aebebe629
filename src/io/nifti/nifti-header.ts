/**
 * NIfTI-1 (348-byte) and NIfTI-2 (540-byte) header parsing, either byte order.
 * Parsed by hand rather than with nifti-reader-js so that every field keeps the exact value
 * nibabel sees (float32 fields widened to float64) and so the affine can follow nibabel's rules
 * (see nifti-affine.ts). Analyze 7.5 and two-file NIfTI (.hdr/.img) are rejected explicitly.
 */
import { DecodeError, UnsupportedError } from '../../core/errors.js';

export interface NiftiHeader {
  readonly version: 1 | 2;
  readonly littleEndian: boolean;
  /** dim[0..7] as stored (dim[0] = number of dimensions). */
  readonly dim: readonly number[];
  /** pixdim[0..7] as stored (pixdim[0] = qfac). */
  readonly pixdim: readonly number[];
  readonly datatype: number;
  readonly bitpix: number;
  readonly voxOffset: number;
  readonly sclSlope: number;
  readonly sclInter: number;
  readonly qformCode: number;
  readonly sformCode: number;
  readonly quatern: readonly [number, number, number];
  readonly qoffset: readonly [number, number, number];
  /** srow_x, srow_y, srow_z: the sform's first three rows (RAS world). */
  readonly srow: readonly number[];
  readonly intentCode: number;
  readonly xyztUnits: number;
  readonly calMin: number;
  readonly calMax: number;
}

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/** Which header a block of (decompressed) bytes starts with; undefined when neither. */
export function detectNiftiVersion(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_HEADER_BYTES) return { version: 1, littleEndian };
    if (size === NIFTI2_HEADER_BYTES) return { version: 2, littleEndian };
  }
  return undefined;
}

function readMagic(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

export function parseNiftiHeader(bytes: Uint8Array, file: string): NiftiHeader {
  const detected = detectNiftiVersion(bytes);
  if (!detected) throw new DecodeError(`${file}: not a NIfTI file (sizeof_hdr is neither 348 nor 540)`, { file });
  const { version, littleEndian } = detected;
  const need = version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (bytes.length < need) throw new DecodeError(`${file}: truncated NIfTI-${version} header (${bytes.length} of ${need} bytes)`, { file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = version === 1 ? readMagic(bytes, 344, 4) : readMagic(bytes, 4, 3);
  if ((version === 1 && magic === 'ni1') || (version === 2 && magic === 'ni2')) {
    throw new UnsupportedError(`${file}: two-file NIfTI (.hdr/.img pair) is not supported; convert it to a single .nii first`, { file, magic });
  }
  if (version === 1 && magic !== 'n+1') {
    throw new UnsupportedError(`${file}: Analyze 7.5 (.hdr/.img) is not supported: it has no reliable orientation; convert it to NIfTI first`, {
      file,
      format: 'analyze',
    });
  }
  if (version === 2 && magic !== 'n+2') throw new DecodeError(`${file}: NIfTI-2 header with bad magic '${magic}'`, { file, magic });
  const h = version === 1 ? parseV1(view, littleEndian) : parseV2(view, littleEndian);
  const ndim = h.dim[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw new DecodeError(`${file}: dim[0] must be 1..7, got ${ndim}`, { file, field: 'dim' });
  for (let d = 1; d <= ndim; d++) {
    const n = h.dim[d]!;
    if (!Number.isSafeInteger(n) || n < 1) throw new DecodeError(`${file}: dim[${d}] must be a positive integer, got ${n}`, { file, field: 'dim' });
  }
  return h;
}

function parseV1(v: DataView, le: boolean): NiftiHeader {
  const i16 = (o: number): number => v.getInt16(o, le);
  const f32 = (o: number): number => v.getFloat32(o, le);
  const dim = Array.from({ length: 8 }, (_, k) => i16(40 + 2 * k));
  const pixdim = Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k));
  const srow = Array.from({ length: 12 }, (_, k) => f32(280 + 4 * k));
  return {
    version: 1,
    littleEndian: le,
    dim,
    pixdim,
    datatype: i16(70),
    bitpix: i16(72),
    voxOffset: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    xyztUnits: v.getUint8(123),
    calMax: f32(124),
    calMin: f32(128),
    qformCode: i16(252),
    sformCode: i16(254),
    quatern: [f32(256), f32(260), f32(264)],
    qoffset: [f32(268), f32(272), f32(276)],
    srow,
    intentCode: i16(68),
  };
}

function parseV2(v: DataView, le: boolean): NiftiHeader {
  const i64 = (o: number): number => Number(v.getBigInt64(o, le));
  const f64 = (o: number): number => v.getFloat64(o, le);
  const dim = Array.from({ length: 8 }, (_, k) => i64(16 + 8 * k));
  const pixdim = Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k));
  const srow = Array.from({ length: 12 }, (_, k) => f64(400 + 8 * k));
  return {
    version: 2,
    littleEndian: le,
    dim,
    pixdim,
    datatype: v.getInt16(12, le),
    bitpix: v.getInt16(14, le),
    voxOffset: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    calMax: f64(192),
    calMin: f64(200),
    qformCode: v.getInt32(344, le),
    sformCode: v.getInt32(348, le),
    quatern: [f64(352), f64(360), f64(368)],
    qoffset: [f64(376), f64(384), f64(392)],
    srow,
    xyztUnits: v.getInt32(500, le),
    intentCode: v.getInt32(504, le),
  };
}

/** Extent of each of the 7 possible axes (1 beyond dim[0]). */
export function getNiftiShape(h: NiftiHeader): number[] {
  const ndim = h.dim[0]!;
  return Array.from({ length: 7 }, (_, k) => (k < ndim ? h.dim[k + 1]! : 1));
}
