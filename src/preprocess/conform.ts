/**
 * conform {size, voxelSize, axcodes, interpolation, skipConformed}: FreeSurfer's conform as
 * brainchop gets it from niivue (`nv.conform(volume, false)`): the input resliced onto a
 * 256^3, 1 mm, LIA grid centred on the input's centre (conform-grid.ts), intensities rescaled
 * to uint8 (conform-intensity.ts). Any orientation (oblique included), spacing and voxel type.
 *
 * Sampling follows niivue's resampleVolume exactly: trilinear weights summed in its order, an
 * output voxel whose 8 neighbours are not all inside the input gets 0 (no edge clamping),
 * nearest rounds half away from zero like Math.round; the interpolated value is rounded to
 * float32 (niivue's Float32Array), then scaled, clamped to [0, 255] and truncated (a Uint8Array
 * store truncates). Output: one uint8 volume, the only full-size allocation of the step.
 *
 * The record carries the index map (`reslice`); results come back onto the input grid through
 * it (reslice-records.ts). A volume that already is conformed (size, uint8, orientation, voxel
 * size) passes untouched when `skipConformed` (brainchop's ensureConformed; brainchop checks the
 * closest axes only and not the voxel size - an oblique or non-1 mm 256^3 uint8 volume is
 * conformed here, not fed as is).
 */
import { InputError } from '../core/errors.js';
import type { TypedArray } from '../core/dtype.js';
import { createVolume, type Volume } from '../core/volume.js';
import { isConformedGrid, planConformGrid } from './conform-grid.js';
import { computeConformScale } from './conform-intensity.js';
import { IDENTITY_TRANSFORM } from './index-transform.js';
import type { ParamReader } from './param-reader.js';
import type { ConformParams, StepResult } from './types.js';

export function readConformParams(r: ParamReader): ConformParams {
  const size = r.has('size') ? r.numberArray('size', [3], { integer: true, min: 2, max: 2048 }) : [256, 256, 256];
  const voxelSize = r.has('voxelSize') ? r.number('voxelSize', { above: 0 }) : 1;
  const axcodes = r.oneOf('axcodes', ['LIA', 'RAS'] as const, 'LIA');
  const interpolation = r.oneOf('interpolation', ['linear', 'nearest'] as const, 'linear');
  const skipConformed = r.boolean('skipConformed', true);
  return { size, voxelSize, axcodes, interpolation, skipConformed };
}

interface SampleJob {
  readonly src: TypedArray;
  readonly dims: readonly [number, number, number];
  readonly outSize: readonly number[];
  readonly m: readonly number[];
  readonly srcMin: number;
  readonly scale: number;
}

function toUint8(value: number, srcMin: number, scale: number): number {
  let v = scale * (Math.fround(value) - srcMin);
  v = v < 0 ? 0 : v > 255 ? 255 : v;
  return v; // the Uint8Array store truncates, as niivue's scalecropUint8
}

/**
 * Samples one output row of outSize[0] voxels starting at out[o]; (ix, iy, iz) is the input index
 * position of the row's x = 0 voxel, each step in x adds column 0 of the index map.
 */
type RowSampler = (job: SampleJob, out: Uint8Array, o: number, ixYZ: number, iyYZ: number, izYZ: number) => void;

/** The output grid row by row (x fastest, as niivue): the per-row part of the index map once. */
function sampleRows(job: SampleJob, out: Uint8Array, sampleRow: RowSampler): void {
  const { outSize, m } = job;
  let o = 0;
  for (let z = 0; z < outSize[2]!; z++) {
    for (let y = 0; y < outSize[1]!; y++, o += outSize[0]!) {
      sampleRow(job, out, o, y * m[1]! + z * m[2]! + m[3]!, y * m[5]! + z * m[6]! + m[7]!, y * m[9]! + z * m[10]! + m[11]!);
    }
  }
}

function sampleRowLinear(job: SampleJob, out: Uint8Array, o: number, ixYZ: number, iyYZ: number, izYZ: number): void {
  const { src, dims, outSize, m, srcMin, scale } = job;
  const [dimX, dimY, dimZ] = dims;
  const dimXY = dimX * dimY;
  for (let x = 0; x < outSize[0]!; x++) {
    const ix = x * m[0]! + ixYZ;
    const iy = x * m[4]! + iyYZ;
    const iz = x * m[8]! + izYZ;
    const fx = Math.floor(ix),
      fy = Math.floor(iy),
      fz = Math.floor(iz);
    if (fx < 0 || fy < 0 || fz < 0) continue;
    if (Math.ceil(ix) >= dimX || Math.ceil(iy) >= dimY || Math.ceil(iz) >= dimZ) continue;
    const rcx = ix - fx,
      rcy = iy - fy,
      rcz = iz - fz;
    const rfx = 1 - rcx,
      rfy = 1 - rcy,
      rfz = 1 - rcz;
    const f = fx + fy * dimX + fz * dimXY;
    // At an integer coordinate ceil = floor and the +1 neighbour has weight 0; past the array's
    // end niivue reads undefined, so the sum is NaN and the stored voxel 0 - kept here.
    const at = (p: number): number => (p < src.length ? Math.fround(src[p]!) : NaN);
    let v = 0;
    v += at(f) * rfx * rfy * rfz;
    v += at(f + dimXY) * rfx * rfy * rcz;
    v += at(f + dimX) * rfx * rcy * rfz;
    v += at(f + dimX + dimXY) * rfx * rcy * rcz;
    v += at(f + 1) * rcx * rfy * rfz;
    v += at(f + 1 + dimXY) * rcx * rfy * rcz;
    v += at(f + 1 + dimX) * rcx * rcy * rfz;
    v += at(f + 1 + dimX + dimXY) * rcx * rcy * rcz;
    out[o + x] = toUint8(v, srcMin, scale);
  }
}

function sampleRowNearest(job: SampleJob, out: Uint8Array, o: number, ixYZ: number, iyYZ: number, izYZ: number): void {
  const { src, dims, outSize, m, srcMin, scale } = job;
  const [dimX, dimY, dimZ] = dims;
  for (let x = 0; x < outSize[0]!; x++) {
    const ix = Math.round(x * m[0]! + ixYZ),
      iy = Math.round(x * m[4]! + iyYZ),
      iz = Math.round(x * m[8]! + izYZ);
    if (ix < 0 || iy < 0 || iz < 0 || ix >= dimX || iy >= dimY || iz >= dimZ) continue;
    out[o + x] = toUint8(src[ix + iy * dimX + iz * dimX * dimY]!, srcMin, scale);
  }
}

export function conformVolume(volume: Volume, params: ConformParams): StepResult {
  const g = volume.geometry;
  const source = volume.meta.source ?? 'the input';
  if (volume.components !== 1 || volume.frames !== 1) {
    throw new InputError(`conform: ${source} has ${volume.components} components x ${volume.frames} frames; conform takes one scalar 3D volume`, {
      field: 'conform',
      file: source,
    });
  }
  if (params.skipConformed && volume.type === 'uint8' && isConformedGrid(g, params.size, params.voxelSize, params.axcodes)) {
    return {
      volume,
      record: { op: 'conform', params: { ...params }, inputGeometry: g, outputGeometry: g, transform: IDENTITY_TRANSFORM, details: { skipped: true } },
    };
  }
  const grid = planConformGrid(g, params.size, params.voxelSize, params.axcodes);
  const { srcMin, scale } = computeConformScale(volume.data, g.size, volume.type === 'uint8', source);
  const out = new Uint8Array(params.size[0]! * params.size[1]! * params.size[2]!);
  const job: SampleJob = { src: volume.data, dims: g.size, outSize: params.size, m: grid.outToIn, srcMin, scale };
  sampleRows(job, out, params.interpolation === 'linear' ? sampleRowLinear : sampleRowNearest);
  const conformed = createVolume({ geometry: grid.geometry, data: out, meta: { ...volume.meta } });
  return {
    volume: conformed,
    record: {
      op: 'conform',
      params: { ...params },
      inputGeometry: g,
      outputGeometry: grid.geometry,
      transform: null,
      reslice: grid.outToIn,
      details: { skipped: false, srcMin, scale },
    },
  };
}
