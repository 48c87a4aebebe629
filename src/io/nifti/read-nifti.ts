/**
 * readNifti: .nii / .nii.gz bytes -> Volume in LPS world space (isomorphic: bytes in, no node:*).
 * The affine follows nibabel (nifti-affine.ts); NIfTI's RAS+ world is flipped to LPS here, at
 * the I/O edge. dims 4..7 become `frames` (frame-major after the 3D block, as NIfTI stores
 * them), except vector-intent images (intent 1007) whose dim 5 becomes interleaved components.
 */
import { DecodeError, LimitError, UnsupportedError } from '../../core/errors.js';
import { flipAffineLpsRas, geometryFromAffine, type Geometry, type Mat4 } from '../../core/geometry.js';
import { createVolume, type Volume } from '../../core/volume.js';
import type { TypedArray, VoxelType } from '../../core/dtype.js';
import { findNiftiDatatype, getNiftiDatatypeName } from './nifti-datatypes.js';
import { NIFTI2_HEADER_BYTES, getNiftiShape, parseNiftiHeader, type NiftiHeader } from './nifti-header.js';
import { computeBaseAffine, resolveXformCodes, computeQformAffine, selectNiftiAffine, type NiftiAffineSource } from './nifti-affine.js';
import {
  applyNiftiScaling,
  countNonFinite,
  describeNonFinite,
  decodeNiftiSamples,
  interleaveComponents,
  resolveNiftiScaling,
  chooseScaledVoxelType,
} from './nifti-data.js';
import { gunzipPrefix, gunzipPrefixStreaming, isGzip, peekGunzip, type GunzipFunction, type GunzipPrefix, type NiftiStreamLayout } from './nifti-gzip.js';

export interface ReadNiftiOptions {
  /** Name used in errors and meta.source (a file name; default 'memory'). */
  name?: string;
  /** Refuse images with more voxels (i*j*k*frames) than this, before allocating. Default: no limit. */
  maxVoxels?: number;
  /**
   * Refuse images whose data (vox_offset + voxels x bytes, as the header says) is larger than
   * this, before allocating or inflating. Default: no limit beyond maxVoxels. A .nii.gz is never
   * inflated past what the header implies, whatever this is.
   */
  maxBytes?: number;
  /**
   * gzip decompressor, called with the most it may return. Default: DecompressionStream where
   * available (readNifti) or fflate (readNiftiSync); Node callers may pass
   * `(b, max) => zlib.gunzipSync(b, { maxOutputLength: max })` (fastest).
   */
  gunzip?: GunzipFunction;
  /**
   * Let the Volume share memory with `bytes` (no copy) when the samples are aligned; only for
   * callers that hand the bytes over: they must not modify them afterwards, and big-endian
   * files are byte-swapped inside them. Default false.
   */
  inPlace?: boolean;
}

export interface NiftiMeta {
  version: 1 | 2;
  /** Datatype as stored in the file (before scaling). */
  datatype: string;
  sformCode: number;
  qformCode: number;
  affineSource: NiftiAffineSource;
  scaling?: { slope: number; inter: number };
  intentCode: number;
  /** pixdim[4]: time step between frames, in the file's time units. */
  timeStep: number;
  xyztUnits: number;
}

const VECTOR_INTENT = 1007;

/**
 * Reads .nii / .nii.gz bytes. Without a `gunzip` option, gzip goes through the platform's
 * DecompressionStream when there is one (a standard API in browsers and Node >= 18; about 2x
 * faster than fflate in Node, native zlib in browsers), else fflate. The header is always
 * peeked first, so limits are checked before the volume is decompressed.
 */
export async function readNifti(bytes: Uint8Array, options: ReadNiftiOptions = {}): Promise<Volume> {
  const plan = planRead(bytes, options);
  if (!plan.gz || options.gunzip !== undefined || typeof DecompressionStream === 'undefined') return finishRead(plan, bytes, options);
  return finishRead(plan, bytes, options, await gunzipPrefixStreaming(bytes, streamLayout(plan), plan.file));
}

/** Synchronous form of readNifti (gzip through `options.gunzip` or fflate). */
export function readNiftiSync(bytes: Uint8Array, options: ReadNiftiOptions = {}): Volume {
  return finishRead(planRead(bytes, options), bytes, options);
}

interface ReadPlan {
  file: string;
  gz: boolean;
  header: NiftiHeader;
  layout: Layout;
  offset: number;
  needed: number;
}

/** Header bytes kept before the data when a .nii.gz is inflated (extensions in between are dropped). */
function streamLayout(plan: ReadPlan): NiftiStreamLayout {
  return { headerBytes: plan.header.version === 1 ? 352 : 544, offset: plan.offset, needed: plan.needed };
}

function planRead(bytes: Uint8Array, options: ReadNiftiOptions): ReadPlan {
  const file = options.name ?? 'memory';
  const gz = isGzip(bytes);
  const head = gz ? peekGunzip(bytes, NIFTI2_HEADER_BYTES, file) : bytes;
  const header = parseNiftiHeader(head, file);
  refuseCifti(header, file);
  const layout = planLayout(header, file);
  if (options.maxVoxels !== undefined && layout.voxels * layout.frames > options.maxVoxels) {
    throw new LimitError(
      `${file}: ${layout.voxels * layout.frames} voxels (${layout.shape.filter((n) => n > 1).join('x')}) exceed maxVoxels ${options.maxVoxels}`,
      { file, voxels: layout.voxels * layout.frames, maxVoxels: options.maxVoxels },
    );
  }
  const offset = dataOffset(header, file);
  const needed = offset + layout.samples * layout.bytesPerSample;
  // Past 2^53 bytes sizes round in a double (a corrupt vox_offset): `needed - offset` could lose
  // the data's length and samples would be read past what was inflated. No file is that large.
  if (!Number.isSafeInteger(needed)) {
    throw new DecodeError(`${file}: header places the image data at byte ${offset}, beyond any file (corrupt vox_offset or dimensions)`, {
      file,
      offset,
      cause: 'vox-offset',
    });
  }
  if (options.maxBytes !== undefined && needed > options.maxBytes) {
    throw new LimitError(
      `${file}: header implies ${needed} bytes of image data (${layout.shape.filter((n) => n > 1).join('x')} ${layout.datatype.name}), over maxBytes ` +
        `${options.maxBytes}`,
      { file, bytes: needed, maxBytes: options.maxBytes },
    );
  }
  return { file, gz, header, layout, offset, needed };
}

/**
 * CIFTI-2 files are NIfTI-2 (or -1) containers whose dims index brain-ordinates and parcels, not
 * a voxel grid: reading them as a volume would give a meaningless geometry (nibabel refuses too).
 */
function refuseCifti(h: NiftiHeader, file: string): void {
  if (h.intentCode >= 3000 && h.intentCode <= 3099) {
    throw new UnsupportedError(
      `${file}: not a spatial volume (CIFTI-2 intent code ${h.intentCode}: a surface / grayordinate matrix such as .dconn/.dtseries/.dscalar); read ` +
        `it with a CIFTI reader`,
      { file, intentCode: h.intentCode, format: 'cifti-2' },
    );
  }
}

/** Decodes samples and geometry; `gunzipped` is the decompressed prefix when the caller already has it. */
function finishRead(plan: ReadPlan, bytes: Uint8Array, options: ReadNiftiOptions, gunzipped?: GunzipPrefix): Volume {
  const { file, gz, header, layout, offset, needed } = plan;
  const prefix = gz ? (gunzipped ?? gunzipPrefix(bytes, streamLayout(plan), file, options.gunzip)) : undefined;
  const body = prefix?.data ?? bytes;
  // Where the samples start in `body`: the header's vox_offset, or right after the header when
  // the extensions were dropped while inflating.
  const at = prefix?.dataOffset ?? offset;
  const warnings: string[] = [];
  if (prefix?.trailing) warnings.push(`the gzip stream continues past the ${needed} bytes the header implies; the rest was not decompressed`);
  if (body.length < at + (needed - offset)) {
    throw new DecodeError(
      `${file}: truncated NIfTI data: header needs ${needed} bytes (offset ${offset} + ${layout.samples} x ${layout.bytesPerSample}), file has ${body.length}`,
      { file, expected: needed, actual: body.length },
    );
  }
  // A gunzipped body is ours alone, so aligned samples can be viewed in place instead of copied.
  let data = decodeNiftiSamples(body, at, layout.samples, layout.datatype, header.littleEndian, gz || options.inPlace === true);
  let type: VoxelType = layout.datatype.voxelType!;
  const scaling = layout.datatype.components === 1 ? resolveNiftiScaling(header.sclSlope, header.sclInter, file) : undefined;
  if (scaling) {
    type = chooseScaledVoxelType(type, scaling);
    data = applyNiftiScaling(data, scaling, type);
  }
  const nonFinite = type === 'float32' || type === 'float64' ? countNonFinite(data) : 0;
  if (nonFinite > 0) warnings.push(describeNonFinite(nonFinite, data.length, scaling));
  if (layout.vectorComponents > 1) data = interleaveComponents(data, layout.vectorComponents, type);
  const { geometry, source } = resolveGeometry(header, layout.shape, file, warnings);
  const spatialUnit = header.xyztUnits & 0x07;
  // nibabel (and this reader) never rescale the affine by its unit; say so when it is not mm.
  if (spatialUnit === 1 || spatialUnit === 3)
    warnings.push(`xyzt_units says the spatial unit is ${spatialUnit === 1 ? 'metre' : 'micron'}; affine values are kept as stored and treated as mm`);
  const codes = resolveXformCodes(header);
  const nifti: NiftiMeta = {
    version: header.version,
    datatype: getNiftiDatatypeName(header.datatype),
    sformCode: codes.sform,
    qformCode: codes.qform,
    affineSource: source,
    intentCode: header.intentCode,
    timeStep: header.pixdim[4] ?? 0,
    xyztUnits: header.xyztUnits,
    ...(scaling ? { scaling: { slope: scaling.slope, inter: scaling.inter } } : {}),
  };
  return createVolume({
    geometry,
    data: data as TypedArray as Volume['data'],
    components: layout.datatype.components * layout.vectorComponents,
    frames: layout.frames,
    meta: {
      format: 'nifti',
      source: file,
      modality: 'OT',
      nifti,
      ...(nonFinite > 0 ? { nonFiniteVoxels: nonFinite } : {}),
      ...(warnings.length ? { warnings } : {}),
    },
  });
}

interface Layout {
  shape: number[];
  voxels: number;
  frames: number;
  vectorComponents: number;
  samples: number;
  bytesPerSample: number;
  datatype: NonNullable<ReturnType<typeof findNiftiDatatype>>;
}

function planLayout(h: NiftiHeader, file: string): Layout {
  const datatype = findNiftiDatatype(h.datatype);
  if (!datatype) throw new DecodeError(`${file}: unknown NIfTI datatype code ${h.datatype}`, { file, datatype: h.datatype });
  if (!datatype.voxelType)
    throw new UnsupportedError(`${file}: NIfTI datatype ${datatype.name} is not supported (complex, float128 and 1-bit data have no SDK voxel type)`, {
      file,
      datatype: datatype.name,
    });
  const shape = getNiftiShape(h);
  const voxels = shape[0]! * shape[1]! * shape[2]!;
  // Vector intent: dim 5 holds components (e.g. displacement fields), interleaved on read.
  const vectorComponents = h.intentCode === VECTOR_INTENT && shape[5] === 1 && shape[6] === 1 ? shape[4]! : 1;
  const frames = (shape[3]! * shape[4]! * shape[5]! * shape[6]!) / vectorComponents;
  const samples = voxels * frames * vectorComponents * datatype.components;
  if (!Number.isSafeInteger(samples * datatype.bytes)) throw new DecodeError(`${file}: image dimensions overflow (${shape.join('x')})`, { file });
  return { shape, voxels, frames, vectorComponents, samples, bytesPerSample: datatype.bytes, datatype };
}

function dataOffset(h: NiftiHeader, file: string): number {
  if (!Number.isFinite(h.voxOffset)) throw new DecodeError(`${file}: vox_offset is not a finite number (${h.voxOffset})`, { file, field: 'vox_offset' });
  // Offsets past 2^53 cannot be byte positions (and lose precision in every sum made with them:
  // offset + data size would compare equal to offset): no file is that large.
  if (h.voxOffset > Number.MAX_SAFE_INTEGER) throw new DecodeError(`${file}: vox_offset ${h.voxOffset} is beyond any file size`, { file, field: 'vox_offset' });
  // nibabel moves a single-file vox_offset below the minimum (352 / 544) up to that minimum.
  const minimum = h.version === 1 ? 352 : 544;
  return Math.max(Math.floor(h.voxOffset), minimum);
}

/** LPS geometry from the nibabel affine; falls back (with a warning) when it is degenerate. */
function resolveGeometry(h: NiftiHeader, shape: number[], file: string, warnings: string[]): { geometry: Geometry; source: NiftiAffineSource } {
  const size = shape.slice(0, 3);
  const chosen = selectNiftiAffine(h, file);
  // Fallbacks are built lazily: a broken qform must not fail a file whose sform is fine.
  const candidates: (() => { affine: Mat4; source: NiftiAffineSource })[] = [() => chosen];
  if (chosen.source === 'sform' && resolveXformCodes(h).qform > 0) candidates.push(() => ({ affine: computeQformAffine(h, file), source: 'qform' }));
  if (chosen.source !== 'base') candidates.push(() => ({ affine: computeBaseAffine(h), source: 'base' }));
  for (const make of candidates) {
    try {
      const candidate = make();
      const geometry = geometryFromAffine(flipAffineLpsRas(candidate.affine), size);
      if (candidate !== chosen) warnings.push(`${chosen.source} affine is degenerate (singular or non-finite); used the ${candidate.source} affine instead`);
      const shear = measureAxisShear(geometry);
      if (shear > 1e-4)
        warnings.push(
          `${candidate.source} axes are not orthogonal (shear, max |cos| ${shear.toPrecision(3)}): kept exactly in the geometry, but a qform can ` +
            `only store the nearest rotation`,
        );
      return { geometry, source: candidate.source };
    } catch {
      // Degenerate matrix: try the next candidate, as a viewer would.
    }
  }
  throw new DecodeError(`${file}: no usable affine (sform, qform and pixdim all degenerate)`, { file });
}

/** Largest |cos| between two voxel axes' world directions (0 for an orthogonal grid). */
export function measureAxisShear(g: Geometry): number {
  const d = g.direction;
  let worst = 0;
  for (const [a, b] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const) {
    worst = Math.max(worst, Math.abs(d[a]! * d[b]! + d[3 + a]! * d[3 + b]! + d[6 + a]! * d[6 + b]!));
  }
  return worst;
}
