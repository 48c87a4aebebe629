/**
 * invertArgmaxToInputGrid: the label map nnU-Net computes after inference - class probabilities
 * resampled (trilinear) from the model grid onto the input grid, then argmax - in one pass,
 * without materialising the C probability channels on the input grid (for three classes on a
 * 512x512x300 CT that is 0.9 GB, written once and read back once by the argmax).
 * Exactly equal to invertToInputGrid(linear) followed by argmaxChannels: with the WebAssembly
 * kernels both run the same separable float32 interpolation (separable-trilinear.ts); without
 * them both use the same table arithmetic in float64 rounded to float32 per channel. Ties go to
 * the lower channel; voxels outside the model grid get the same fill in every channel there,
 * hence channel 0.
 */
import { InputError, ShapeError } from '../core/errors.js';
import type { Volume } from '../core/volume.js';
import { resolveInverseMapping } from './invert-to-input-grid.js';
import { buildTransformTables } from './resample-grid.js';
import { labelsTrilinearSeparable } from './separable-trilinear.js';
import type { PreprocessRecord } from './types.js';

export function invertArgmaxToInputGrid(probabilities: Volume, records: readonly PreprocessRecord[]): Uint8Array | Uint16Array {
  const got = probabilities.geometry.size;
  const { inverse, inputGeometry } = resolveInverseMapping(records, got, 'invertArgmaxToInputGrid');
  if (!(probabilities.data instanceof Float32Array) || probabilities.components !== 1) {
    throw new ShapeError('invertArgmaxToInputGrid: expects planar float32 channels', { actual: probabilities.type });
  }
  const src = probabilities.data;
  const channels = probabilities.frames;
  const srcVoxels = got[0] * got[1] * got[2];
  const outSize = inputGeometry.size;
  const [m0, m1, m2] = outSize;
  const tables = buildTransformTables(inverse, got, outSize, true, 'fill');
  if (inverse.axes.every((a, i) => a === i)) {
    const labels = labelsTrilinearSeparable({ src, srcSize: got, channels, outSize, tables, fill: 0 }, { kind: 'argmax' });
    if (labels !== null) return labels;
  }
  const [tx, ty, tz] = tables;
  const out = channels <= 256 ? new Uint8Array(m0 * m1 * m2) : new Uint16Array(m0 * m1 * m2);
  let o = 0;
  for (let k = 0; k < m2; k++) {
    const z0 = tz.off0[k]!;
    const z1 = tz.off1[k]!;
    const wz = tz.weight[k]!;
    for (let j = 0; j < m1; j++) {
      const y0 = ty.off0[j]!;
      const y1 = ty.off1[j]!;
      const wy = ty.weight[j]!;
      const outsideRow = z0 < 0 || y0 < 0;
      for (let i = 0; i < m0; i++, o++) {
        const x0 = tx.off0[i]!;
        if (outsideRow || x0 < 0) continue; // every channel = fill: channel 0 wins the tie
        const x1 = tx.off1[i]!;
        const wx = tx.weight[i]!;
        let best = -Infinity;
        let label = 0;
        for (let c = 0, b = 0; c < channels; c++, b += srcVoxels) {
          let a = src[b + z0 + y0 + x0]!;
          const r00 = a + (src[b + z0 + y0 + x1]! - a) * wx;
          a = src[b + z0 + y1 + x0]!;
          const r01 = a + (src[b + z0 + y1 + x1]! - a) * wx;
          a = src[b + z1 + y0 + x0]!;
          const r10 = a + (src[b + z1 + y0 + x1]! - a) * wx;
          a = src[b + z1 + y1 + x0]!;
          const r11 = a + (src[b + z1 + y1 + x1]! - a) * wx;
          const s0 = r00 + (r01 - r00) * wy;
          const s1 = r10 + (r11 - r10) * wy;
          // Rounded as the stored float32 probability would be, so ties resolve as argmaxChannels does.
          const p = Math.fround(s0 + (s1 - s0) * wz);
          if (p !== p) throw new InputError(`channel ${c} has NaN at voxel ${o}`, { channel: c, voxel: o });
          if (c === 0 || p > best) {
            best = p;
            label = c;
          }
        }
        out[o] = label;
      }
    }
  }
  return out;
}

export interface RegionLabelling {
  readonly order: readonly number[];
  readonly labels: readonly number[];
  readonly threshold?: number;
  readonly comparison?: 'gt' | 'gte';
}

/**
 * The sigmoid-region counterpart (convertRegionsToLabels after invertToInputGrid(linear)), in
 * one pass on the SIMD kernels: the region channels are resampled slice by slice and
 * thresholded, the probabilities never written onto the input grid. Same labels as the two
 * steps (same kernels). Null where it does not apply - kernels unavailable, axis permutation,
 * labels above 255, a threshold not exact in float32 - and the caller runs the two steps.
 */
export function invertRegionsToInputGrid(probabilities: Volume, records: readonly PreprocessRecord[], regions: RegionLabelling): Uint8Array | null {
  const got = probabilities.geometry.size;
  const { inverse, inputGeometry } = resolveInverseMapping(records, got, 'invertRegionsToInputGrid');
  const threshold = regions.threshold ?? 0.5;
  const valid =
    regions.order.length > 0 &&
    regions.order.length === regions.labels.length &&
    regions.order.every((c) => Number.isInteger(c) && c >= 0 && c < probabilities.frames) &&
    regions.labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 255) &&
    Math.fround(threshold) === threshold;
  if (!valid || !(probabilities.data instanceof Float32Array) || probabilities.components !== 1 || !inverse.axes.every((a, i) => a === i)) return null;
  const tables = buildTransformTables(inverse, got, inputGeometry.size, true, 'fill');
  return labelsTrilinearSeparable(
    { src: probabilities.data, srcSize: got, channels: probabilities.frames, outSize: inputGeometry.size, tables, fill: 0 },
    { kind: 'regions', order: regions.order, labels: regions.labels, threshold, gte: (regions.comparison ?? 'gt') === 'gte' },
  );
}
