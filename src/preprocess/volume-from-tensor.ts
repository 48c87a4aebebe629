/**
 * createVolumeFromTensor: a model output tensor [1, C, ...spatial] as a planar Volume on the
 * preprocessed grid, undoing the toTensor record's axis order (and float16 bits), ready for
 * invertToInputGrid. Channel count may differ from the input (e.g. class logits).
 */
import { ShapeError } from '../core/errors.js';
import { voxelCount } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { createPlanarVolume } from './planar.js';
import { copyPermutedBlock } from '../core/permute-block.js';
import { fromFloat16Bits } from '../core/float16.js';
import type { ModelTensor } from '../core/tensor.js';
import type { PreprocessRecord } from './types.js';

export interface VolumeFromTensorOptions {
  /**
   * The caller hands the tensor over and will not use it again: a float32 tensor already in
   * stored order (axis order 'kji' / 'ji', the default) then becomes the volume's data without a
   * copy (for a 3x240x240x152 output: 105 MB not allocated, ~0.2 s of row copies saved).
   */
  readonly takeOwnership?: boolean;
}

export function createVolumeFromTensor(tensor: ModelTensor, records: readonly PreprocessRecord[], options: VolumeFromTensorOptions = {}): Volume {
  const rec = [...records].reverse().find((r) => r.op === 'toTensor');
  if (rec === undefined) throw new ShapeError('no toTensor record: cannot tell the tensor axis order', { field: 'records' });
  const g = rec.outputGeometry;
  const order = String(rec.details?.['axisOrder'] ?? 'kji');
  const axes = [...order].map((ch) => 'ijk'.indexOf(ch));
  const spatial = tensor.dims.slice(2);
  const expected = (spatial.length === 2 ? axes.slice(1) : axes).map((a) => g.size[a]!);
  if (tensor.dims[0] !== 1 || spatial.length !== expected.length || spatial.some((d, idx) => d !== expected[idx])) {
    throw new ShapeError(`tensor dims [${tensor.dims.join(', ')}] do not match the preprocessed grid (expected [1, C, ${expected.join(', ')}])`, {
      expected,
      actual: [...tensor.dims],
    });
  }
  // Read below as contiguous numbers: a strided view or int64 (BigInt) data would be misread.
  if (tensor.strides !== undefined)
    throw new ShapeError(`tensor [${tensor.dims.join(', ')}] is a strided view: make it contiguous first`, { field: 'strides' });
  if (tensor.data instanceof BigInt64Array) throw new ShapeError(`a ${tensor.type} tensor cannot become a volume`, { actual: tensor.type });
  const channels = tensor.dims[1] ?? 1;
  const n = voxelCount(g);
  const strides = [1, g.size[0], g.size[0] * g.size[1]];
  const [s0, s1, s2] = [strides[axes[0]!]!, strides[axes[1]!]!, strides[axes[2]!]!];
  const [d0, d1, d2] = [g.size[axes[0]!]!, g.size[axes[1]!]!, g.size[axes[2]!]!];
  const half = tensor.type === 'float16';
  const src = tensor.data;
  // Stored order: the tensor's last axis is i, then j, then k (axes of size 1 do not matter).
  const storedOrder = [...axes].reverse().every((a, idx) => a === idx || g.size[a] === 1);
  if (options.takeOwnership === true && storedOrder && src instanceof Float32Array && src.length === n * channels) {
    return createPlanarVolume(g, src, channels, {});
  }
  const out = new Float32Array(n * channels);
  if (!half) {
    // Stored order (k, j, i) read through the tensor's strides, tiled (see permute-block.ts).
    const tensorStride = [d1 * d2, d2, 1];
    const strideOf = (axis: number): number => tensorStride[axes.indexOf(axis)]!;
    for (let c = 0; c < channels; c++) {
      copyPermutedBlock(src, c * n, out, c * n, { dims: [g.size[2], g.size[1], g.size[0]], srcStrides: [strideOf(2), strideOf(1), strideOf(0)] });
    }
    return createPlanarVolume(g, out, channels, {});
  }
  // float16 bits: element by element.
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let x = 0; x < d0; x++) {
      for (let y = 0; y < d1; y++) {
        const row = base + x * s0 + y * s1;
        for (let z = 0; z < d2; z++, o++) out[row + z * s2] = fromFloat16Bits(src[o]!);
      }
    }
  }
  return createPlanarVolume(g, out, channels, {});
}
