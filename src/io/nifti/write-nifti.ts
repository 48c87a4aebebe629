/**
 * writeNifti: Volume -> .nii / .nii.gz bytes (isomorphic). The LPS geometry is flipped to
 * NIfTI's RAS+ at this edge. Both sform (exact affine) and qform (rotation + voxel sizes; drops
 * shear) are written with the same code, so nibabel, ITK and dcm2niix-style readers agree.
 * NIfTI-1 unless a dimension exceeds int16 (then NIfTI-2) or `version: 2` is asked for.
 */
import { gzipSync } from 'fflate';
import { UsageError, ShapeError } from '../../core/errors.js';
import { affineFromGeometry, flipAffineLpsRas, type Mat3 } from '../../core/geometry.js';
import { bytesPerElement, VOXEL_TYPES, type TypedArray, type VoxelType } from '../../core/dtype.js';
import type { Volume } from '../../core/volume.js';
import { getNiftiDatatypeCode } from './nifti-datatypes.js';
import { computeQformParameters } from './nifti-quaternion.js';
import { deinterleaveComponents, castSamples } from './nifti-cast.js';

export interface WriteNiftiOptions {
  /** gzip the output (.nii.gz). Default false. */
  gzip?: boolean;
  /** gzip level 1..9 (default 6). */
  level?: number;
  /** gzip compressor replacing fflate (Node callers pass zlib's gzipSync, about 3x faster); `level` is not passed to it. */
  compress?: (bytes: Uint8Array) => Uint8Array;
  /** Store samples as this type (values are rounded for integer types; out-of-range values throw). Default: the volume's type. */
  datatype?: VoxelType;
  /** sform_code: 1 scanner anatomical, 2 aligned, 3 Talairach, 4 MNI-152, 5 other template. Default 1. */
  sformCode?: NiftiXformCode;
  /** qform_code. Default: same as sformCode. */
  qformCode?: NiftiXformCode;
  /** NIfTI-1 or NIfTI-2. Default 1 unless a dimension exceeds 32767. */
  version?: 1 | 2;
  /**
   * scl_slope / scl_inter for the header: the samples are stored as they are and readers map
   * them to value = stored * slope + intercept (dcm2niix keeps DICOM stored values this way).
   * Default: slope 1, intercept 0 (samples are the values).
   */
  scaling?: { slope: number; intercept: number };
}

/** NIfTI xform codes a writer may set (0 'unknown' would make readers ignore the affine). */
export type NiftiXformCode = 1 | 2 | 3 | 4 | 5;
const XFORM_CODES: readonly number[] = [1, 2, 3, 4, 5];
const NIFTI2_MAGIC = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
const PLATFORM_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function writeNifti(volume: Volume, options: WriteNiftiOptions = {}): Uint8Array {
  const { header, payload } = encodeNiftiParts(volume, options);
  const out = new Uint8Array(header.length + payload.byteLength);
  out.set(header, 0);
  out.set(payload, header.length);
  if (!options.gzip) return out;
  // mtime 0: identical volumes give identical files (reproducible outputs, cacheable results).
  return options.compress ? options.compress(out) : gzipSync(out, { level: (options.level ?? 6) as 6, mtime: 0 });
}

/**
 * The uncompressed file as two parts, header (with its 4 extension bytes) and samples, so a
 * caller can write or stream them without concatenating: `payload` is a view of the volume's
 * own samples when no cast or de-interleaving is needed (the file then costs no second copy of
 * the volume in memory). `gzip` / `compress` / `level` are ignored here.
 */
export function encodeNiftiParts(volume: Volume, options: WriteNiftiOptions = {}): { header: Uint8Array; payload: Uint8Array } {
  const { header, type, vector } = encodeHeaderOf(volume, options);
  let samples: TypedArray = type === volume.type ? volume.data : castSamples(volume.data, type);
  // Frames stay outermost within each component block, matching NIfTI's x, y, z, t, c order.
  if (vector) samples = deinterleaveComponents(samples, volume.components, type);
  return { header, payload: new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength) };
}

/**
 * The header encodeNiftiParts writes for a volume, from everything but its samples: for a writer
 * that streams samples it never holds whole (convert, series-stream.ts). The payload must then be
 * the samples as they lie in Volume.data, so no cast (datatype = the volume's type) and one
 * component; anything else is a UsageError.
 */
export function encodeNiftiHeader(volume: Omit<Volume, 'data'>, options: WriteNiftiOptions = {}): Uint8Array {
  if ((options.datatype !== undefined && options.datatype !== volume.type) || volume.components !== 1) {
    throw new UsageError("writeNifti: a header without samples needs the volume's own datatype and one component", { field: 'datatype' });
  }
  return encodeHeaderOf(volume, options).header;
}

function encodeHeaderOf(volume: Omit<Volume, 'data'>, options: WriteNiftiOptions): { header: Uint8Array; type: VoxelType; vector: boolean } {
  // Samples are copied as they lie in memory and the header says little-endian.
  if (!PLATFORM_LITTLE_ENDIAN) throw new ShapeError('writeNifti: big-endian platforms are not supported');
  const sformCode = options.sformCode ?? 1;
  const qformCode = options.qformCode ?? sformCode;
  if (!XFORM_CODES.includes(sformCode) || !XFORM_CODES.includes(qformCode)) {
    throw new UsageError(`writeNifti: sformCode / qformCode must be 1 (scanner), 2 (aligned), 3, 4 or 5 (template spaces), got ${sformCode} / ${qformCode}`, {
      field: 'sformCode',
    });
  }
  const type = options.datatype ?? volume.type;
  if (!VOXEL_TYPES.includes(type))
    throw new UsageError(`writeNifti: datatype must be one of ${VOXEL_TYPES.join(', ')}, got ${String(type)}`, { field: 'datatype' });
  if (options.level !== undefined && !(Number.isInteger(options.level) && options.level >= 1 && options.level <= 9)) {
    throw new UsageError(`writeNifti: level must be an integer 1..9, got ${options.level}`, { field: 'level' });
  }
  const [nx, ny, nz] = volume.geometry.size;
  const rgb = type === 'uint8' && (volume.components === 3 || volume.components === 4);
  const vector = volume.components > 1 && !rgb;
  // Vector components go to dim 5 (after time), as NIfTI's vector intent prescribes.
  const dims = [nx, ny, nz, volume.frames, vector ? volume.components : 1];
  while (dims.length > 3 && dims[dims.length - 1] === 1) dims.pop();
  const version = options.version ?? (dims.some((n) => n > 32767) ? 2 : 1);
  if (version === 1 && dims.some((n) => n > 32767)) throw new ShapeError(`writeNifti: dimension over 32767 needs NIfTI-2 (version: 2)`, { dims });
  const scaling = options.scaling ?? { slope: 1, intercept: 0 };
  if (!Number.isFinite(scaling.slope) || scaling.slope === 0 || !Number.isFinite(scaling.intercept)) {
    throw new UsageError(`writeNifti: scaling needs a finite non-zero slope and a finite intercept, got ${scaling.slope} / ${scaling.intercept}`, {
      field: 'scaling',
    });
  }
  return { header: buildHeader(volume, { version, dims, type, rgb, vector, sformCode, qformCode, scaling }), type, vector };
}

interface HeaderPlan {
  version: 1 | 2;
  dims: number[];
  type: VoxelType;
  rgb: boolean;
  vector: boolean;
  sformCode: number;
  qformCode: number;
  scaling: { slope: number; intercept: number };
}

function buildHeader(volume: Omit<Volume, 'data'>, plan: HeaderPlan): Uint8Array {
  const g = volume.geometry;
  const ras = flipAffineLpsRas(affineFromGeometry(g));
  const rasDirection = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => ras[r * 4 + c]! / g.spacing[c]!)) as unknown as Mat3;
  const q = computeQformParameters(rasDirection);
  const datatype = plan.rgb ? (volume.components === 3 ? 128 : 2304) : getNiftiDatatypeCode(plan.type);
  const bitpix = 8 * bytesPerElement(plan.type) * (plan.rgb ? volume.components : 1);
  // Frame timing survives a NIfTI -> NIfTI rewrite: pixdim[4] and its time unit (s, ms or us).
  const source = typeof volume.meta.nifti === 'object' && volume.meta.nifti !== null ? (volume.meta.nifti as { timeStep?: unknown; xyztUnits?: unknown }) : {};
  // DICOM: pixdim[4] = RepetitionTime in seconds and xyzt_units mm + s, 3D or 4D, as dcm2niix writes.
  const trMs = volume.meta.format === 'dicom' ? Number(volume.meta['repetitionTime']) : NaN;
  const fromDicom = Number.isFinite(trMs) && trMs > 0;
  const timeStep = fromDicom ? trMs / 1000 : Number(source.timeStep);
  const timeUnit = Number(source.xyztUnits) & 0x38 || 8;
  const pixdim = [q.qfac, g.spacing[0], g.spacing[1], g.spacing[2], Number.isFinite(timeStep) && timeStep > 0 ? timeStep : 1, 1, 1, 1];
  const dim = [plan.dims.length, ...plan.dims];
  while (dim.length < 8) dim.push(1);
  // xyzt_units: mm (2), plus the time unit (default seconds, 8) when there is a time axis.
  const units = 2 | ((plan.dims[3] ?? 1) > 1 || fromDicom ? (fromDicom ? 8 : timeUnit) : 0);
  const fields: HeaderFields = {
    dim,
    pixdim,
    datatype,
    bitpix,
    units,
    intent: plan.vector ? 1007 : 0,
    qformCode: plan.qformCode,
    sformCode: plan.sformCode,
    scaling: plan.scaling,
    quatern: q.quatern,
    qoffset: [ras[3]!, ras[7]!, ras[11]!],
    srow: ras.slice(0, 12),
  };
  return plan.version === 1 ? headerV1(fields) : headerV2(fields);
}

interface HeaderFields {
  dim: number[];
  pixdim: number[];
  datatype: number;
  bitpix: number;
  units: number;
  intent: number;
  qformCode: number;
  sformCode: number;
  scaling: { slope: number; intercept: number };
  quatern: number[];
  qoffset: number[];
  srow: number[];
}

function headerV1(f: HeaderFields): Uint8Array {
  const bytes = new Uint8Array(352);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, 348, true);
  bytes[38] = 0x72; // 'r' (regular), as nibabel and FSL write
  f.dim.forEach((n, k) => v.setInt16(40 + 2 * k, n, true));
  v.setInt16(68, f.intent, true);
  v.setInt16(70, f.datatype, true);
  v.setInt16(72, f.bitpix, true);
  f.pixdim.forEach((n, k) => v.setFloat32(76 + 4 * k, n, true));
  v.setFloat32(108, 352, true);
  v.setFloat32(112, f.scaling.slope, true);
  v.setFloat32(116, f.scaling.intercept, true);
  v.setUint8(123, f.units);
  writeAscii(bytes, 148, 'medinfer');
  v.setInt16(252, f.qformCode, true);
  v.setInt16(254, f.sformCode, true);
  f.quatern.forEach((n, k) => v.setFloat32(256 + 4 * k, n, true));
  f.qoffset.forEach((n, k) => v.setFloat32(268 + 4 * k, n, true));
  f.srow.forEach((n, k) => v.setFloat32(280 + 4 * k, n, true));
  writeAscii(bytes, 344, 'n+1');
  return bytes;
}

function headerV2(f: HeaderFields): Uint8Array {
  const bytes = new Uint8Array(544);
  const v = new DataView(bytes.buffer);
  v.setInt32(0, 540, true);
  bytes.set(NIFTI2_MAGIC, 4);
  v.setInt16(12, f.datatype, true);
  v.setInt16(14, f.bitpix, true);
  f.dim.forEach((n, k) => v.setBigInt64(16 + 8 * k, BigInt(n), true));
  f.pixdim.forEach((n, k) => v.setFloat64(104 + 8 * k, n, true));
  v.setBigInt64(168, 544n, true);
  v.setFloat64(176, f.scaling.slope, true);
  v.setFloat64(184, f.scaling.intercept, true);
  writeAscii(bytes, 240, 'medinfer');
  v.setInt32(344, f.qformCode, true);
  v.setInt32(348, f.sformCode, true);
  f.quatern.forEach((n, k) => v.setFloat64(352 + 8 * k, n, true));
  f.qoffset.forEach((n, k) => v.setFloat64(376 + 8 * k, n, true));
  f.srow.forEach((n, k) => v.setFloat64(400 + 8 * k, n, true));
  v.setInt32(500, f.units, true);
  v.setInt32(504, f.intent, true);
  return bytes;
}

function writeAscii(bytes: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[offset + i] = text.charCodeAt(i);
}
