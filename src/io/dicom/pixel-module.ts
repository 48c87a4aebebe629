/**
 * Image Pixel module (rows, columns, bits, samples, photometric ...) read and validated from the
 * header alone, so impossible or oversized images are refused before any pixel buffer exists.
 */
import { DecodeError, LimitError, UnsupportedError } from '../../core/errors.js';
import type { VoxelType } from '../../core/dtype.js';
import type { DataSet } from './dataset.js';
import { readString, readUint16 } from './parse-header.js';
import { TAG } from './tags.js';

export interface PixelModule {
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  /** 0 = unsigned, 1 = two's complement. */
  readonly pixelRepresentation: 0 | 1;
  readonly photometric: string;
  /** 0 = colour-by-pixel (RGBRGB...), 1 = colour-by-plane (RR..GG..BB..). */
  readonly planarConfiguration: 0 | 1;
  /** Type of the raw stored samples, chosen as pydicom's pixel_dtype does. */
  readonly rawType: VoxelType;
}

function need(ds: DataSet, tag: string, field: string, file: string): number {
  const v = readUint16(ds, tag);
  if (v === undefined) throw new DecodeError(`${file}: missing required element ${field} (${tag.slice(1)})`, { file, field, cause: 'missing-element' });
  return v;
}

/** pydicom's pixel_dtype: uint/int of BitsAllocated (1-bit data is unpacked to uint8). */
function rawTypeFor(bitsAllocated: number, signed: boolean, file: string): VoxelType {
  switch (bitsAllocated) {
    case 1:
      return 'uint8';
    case 8:
      return signed ? 'int8' : 'uint8';
    case 16:
      return signed ? 'int16' : 'uint16';
    case 32:
      return signed ? 'int32' : 'uint32';
    default:
      throw new UnsupportedError(`${file}: unsupported BitsAllocated ${bitsAllocated} (expected 1, 8, 16 or 32)`, {
        file,
        field: 'BitsAllocated',
        value: bitsAllocated,
      });
  }
}

export function readPixelModule(ds: DataSet, file: string, maxVoxels: number): PixelModule {
  if (ds.elements[TAG.floatPixelData] !== undefined || ds.elements[TAG.doubleFloatPixelData] !== undefined) {
    throw new UnsupportedError(`${file}: Float / Double Float Pixel Data (parametric maps) is not supported`, { file, cause: 'float-pixel-data' });
  }
  const rows = need(ds, TAG.rows, 'Rows', file);
  const columns = need(ds, TAG.columns, 'Columns', file);
  const bitsAllocated = need(ds, TAG.bitsAllocated, 'BitsAllocated', file);
  const samplesPerPixel = readUint16(ds, TAG.samplesPerPixel) ?? 1;
  const bitsStored = readUint16(ds, TAG.bitsStored) ?? bitsAllocated;
  const highBit = readUint16(ds, TAG.highBit) ?? bitsStored - 1;
  const pr = readUint16(ds, TAG.pixelRepresentation) ?? 0;
  const photometric = readString(ds, TAG.photometric) ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
  const planar = readUint16(ds, TAG.planarConfiguration) ?? 0;
  const framesText = readString(ds, TAG.numberOfFrames);
  const frames = framesText === undefined ? 1 : Number(framesText);

  if (rows < 1 || columns < 1) throw new DecodeError(`${file}: image has ${columns} columns x ${rows} rows`, { file, cause: 'empty-image', rows, columns });
  if (!Number.isInteger(frames) || frames < 1) throw new DecodeError(`${file}: invalid NumberOfFrames '${framesText ?? ''}'`, { file, cause: 'bad-frames' });
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3)
    throw new UnsupportedError(`${file}: SamplesPerPixel ${samplesPerPixel} (expected 1 or 3)`, { file, field: 'SamplesPerPixel', value: samplesPerPixel });
  if (pr !== 0 && pr !== 1) throw new DecodeError(`${file}: invalid PixelRepresentation ${pr}`, { file, field: 'PixelRepresentation', value: pr });
  if (planar !== 0 && planar !== 1)
    throw new DecodeError(`${file}: invalid PlanarConfiguration ${planar}`, { file, field: 'PlanarConfiguration', value: planar });
  if (bitsStored < 1 || bitsStored > bitsAllocated)
    throw new DecodeError(`${file}: BitsStored ${bitsStored} does not fit BitsAllocated ${bitsAllocated}`, { file, field: 'BitsStored' });
  if (photometric === 'PALETTE COLOR') throw new UnsupportedError(`${file}: PALETTE COLOR images are not supported`, { file, photometric });
  const rawType = rawTypeFor(bitsAllocated, pr === 1, file);

  // Checked from the header before anything is allocated (frames x rows x columns x samples).
  const voxels = rows * columns * frames * samplesPerPixel;
  if (voxels > maxVoxels) {
    throw new LimitError(`${file}: image of ${columns}x${rows}x${frames}x${samplesPerPixel} = ${voxels} samples exceeds maxVoxels ${maxVoxels}`, {
      file,
      voxels,
      maxVoxels,
      cause: 'max-voxels',
    });
  }
  return {
    rows,
    columns,
    frames,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: pr,
    photometric,
    planarConfiguration: planar,
    rawType,
  };
}

/** Bytes one native frame occupies (1-bit frames are bit-packed: ceil(bits / 8)). */
export function countNativeFrameBytes(pm: PixelModule): number {
  const samples = pm.rows * pm.columns * pm.samplesPerPixel;
  if (pm.bitsAllocated === 1) return Math.ceil(samples / 8);
  if (pm.photometric === 'YBR_FULL_422') return (samples / 3) * 2 * (pm.bitsAllocated / 8);
  return samples * (pm.bitsAllocated / 8);
}

/** Representable range of the stored values (BitsStored, signedness) before any modality LUT. */
export function getStoredValueRange(pm: PixelModule): { min: number; max: number } {
  if (pm.bitsAllocated === 1) return { min: 0, max: 1 };
  return pm.pixelRepresentation === 1 ? { min: -(2 ** (pm.bitsStored - 1)), max: 2 ** (pm.bitsStored - 1) - 1 } : { min: 0, max: 2 ** pm.bitsStored - 1 };
}
