/**
 * Cubic B-spline resampling (resample mode 'cubic'), reproducing
 * scipy.ndimage.map_coordinates(order=3, mode='nearest', prefilter=True) - what nnU-Net's
 * skimage / scipy resampling of images does (order 3). scipy pads each axis with 12 edge values
 * before computing the spline coefficients (float64, pole sqrt(3) - 2), so we do the same; the
 * boundary initialisation then only matters below 1e-7.
 *
 * Spline interpolation is a tensor product and the coefficient filter is separable, so each axis
 * is processed on its own: per line, pad -> prefilter -> evaluate the 4-tap B-spline at the
 * output coordinates. Each pass holds its input and output only (no full coefficient volume).
 */
import type { TypedArray } from '../core/dtype.js';
import type { Vec3 } from '../core/geometry.js';

/**
 * The arguments every one-axis resampling pass takes (this one and resampleAxisByOrder): planar
 * `channels` of a `size` volume; output t along `axis` (m outputs) samples input scale * t + offset.
 */
export type AxisPassArgs = [src: TypedArray, size: Vec3, channels: number, axis: 0 | 1 | 2, m: number, scale: number, offset: number];
export interface AxisPassResult {
  data: Float32Array;
  size: Vec3;
}

/** `size` with the length along `axis` replaced by the pass's output count. */
export function axisPassSize(size: Vec3, axis: 0 | 1 | 2, m: number): [number, number, number] {
  const out: [number, number, number] = [size[0], size[1], size[2]];
  out[axis] = m;
  return out;
}

const POLE = Math.sqrt(3) - 2;
const PAD = 12;

/** In-place B-spline coefficients of a float64 line (mirror-symmetric boundary initialisation). */
export function prefilterCubicLine(c: Float64Array, n: number): void {
  if (n < 2) return;
  const z = POLE;
  const gain = (1 - z) * (1 - 1 / z);
  for (let k = 0; k < n; k++) c[k] = c[k]! * gain;
  // Causal init: sum z^k c[k] over the horizon where z^k matters (mirror extension).
  const horizon = Math.min(n, 28);
  let zk = z;
  let sum = c[0]!;
  for (let k = 1; k < horizon; k++) {
    sum += zk * c[k]!;
    zk *= z;
  }
  c[0] = sum;
  for (let k = 1; k < n; k++) c[k] = c[k]! + z * c[k - 1]!;
  c[n - 1] = (z / (z * z - 1)) * (z * c[n - 2]! + c[n - 1]!);
  for (let k = n - 2; k >= 0; k--) c[k] = z * (c[k + 1]! - c[k]!);
}

/**
 * Resamples along one axis: output position t samples input coordinate scale * t + offset,
 * evaluated on the edge-padded line as scipy does (coordinates stay inside the padding).
 */
export function resampleCubicAxis(...[src, size, channels, axis, m, scale, offset]: AxisPassArgs): AxisPassResult {
  const n = size[axis];
  const outSize = axisPassSize(size, axis, m);
  const out = new Float32Array(outSize[0] * outSize[1] * outSize[2] * channels);
  const stride = axis === 0 ? 1 : axis === 1 ? size[0] : size[0] * size[1];
  const outStride = axis === 0 ? 1 : axis === 1 ? outSize[0] : outSize[0] * outSize[1];
  // Tap table: first coefficient index (in the padded line) and the 4 weights per output.
  const first = new Int32Array(m);
  const w = new Float64Array(m * 4);
  for (let t = 0; t < m; t++) {
    const x = Math.min(Math.max(scale * t + offset, -PAD + 2), n - 1 + PAD - 3) + PAD;
    const i = Math.floor(x);
    const f = x - i;
    first[t] = i - 1;
    const f2 = f * f;
    const f3 = f2 * f;
    w[t * 4] = ((1 - f) * (1 - f) * (1 - f)) / 6;
    w[t * 4 + 1] = (4 - 6 * f2 + 3 * f3) / 6;
    w[t * 4 + 2] = (1 + 3 * f + 3 * f2 - 3 * f3) / 6;
    w[t * 4 + 3] = f3 / 6;
  }
  const line = new Float64Array(n + 2 * PAD);
  // Lines along `axis`: iterate over all positions of the other two axes (and channels).
  const [a, b] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
  const na = size[a]!;
  const nb = size[b]!;
  const strideA = a === 0 ? 1 : a === 1 ? size[0] : size[0] * size[1];
  const strideB = b === 1 ? size[0] : size[0] * size[1];
  const outStrideA = a === 0 ? 1 : a === 1 ? outSize[0] : outSize[0] * outSize[1];
  const outStrideB = b === 1 ? outSize[0] : outSize[0] * outSize[1];
  const inVoxels = size[0] * size[1] * size[2];
  const outVoxels = outSize[0] * outSize[1] * outSize[2];
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < nb; y++) {
      for (let x = 0; x < na; x++) {
        const s = c * inVoxels + y * strideB + x * strideA;
        const o = c * outVoxels + y * outStrideB + x * outStrideA;
        const lo = src[s]!;
        const hi = src[s + (n - 1) * stride]!;
        for (let p = 0; p < PAD; p++) {
          line[p] = lo;
          line[PAD + n + p] = hi;
        }
        for (let k = 0; k < n; k++) line[PAD + k] = src[s + k * stride]!;
        prefilterCubicLine(line, n + 2 * PAD);
        for (let t = 0; t < m; t++) {
          const f = first[t]!;
          const q = t * 4;
          out[o + t * outStride] = w[q]! * line[f]! + w[q + 1]! * line[f + 1]! + w[q + 2]! * line[f + 2]! + w[q + 3]! * line[f + 3]!;
        }
      }
    }
  }
  return { data: out, size: outSize };
}
