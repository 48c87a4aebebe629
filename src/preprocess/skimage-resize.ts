/**
 * resize mode 'skimage': scikit-image's `transform.resize(img, shape, mode='constant',
 * preserve_range=True)` with its defaults (order 1, anti_aliasing when any axis shrinks,
 * clip=True, cval 0), as run by TorchXRayVision's XRayResizer (skimage >= 0.19 with
 * scipy >= 1.6, the path through `ndimage.zoom(grid_mode=True)`):
 * 1. anti-aliasing: `ndimage.gaussian_filter(sigma = max(0, (n/m - 1) / 2), mode='constant',
 *    cval=0, truncate=4)`, one float32-rounded pass per axis in numpy order (k, j, i), each
 *    accumulated in float64 like scipy's correlate1d;
 * 2. `ndimage.zoom(order=1, mode='grid-constant', grid_mode=True)` (skimage's _to_ndimage_mode
 *    turns 'constant' into 'grid-constant' on scipy >= 1.6): output t samples input position
 *    (t + 0.5) * n / m - 0.5 (half-pixel centres, the same geometry as the other resize modes);
 *    samples beyond the edge are cval, so a position in (-1, 0) interpolates towards 0 (only
 *    upsampling reaches there); computed in float64 and rounded to float32 once;
 * 3. clip to the input's [min, max] (a value equal to cval is kept when cval lies outside).
 * Input is taken as float32 (TorchXRayVision resizes its float32 normalised image); on integer
 * input skimage would work in float64, which these float32 passes match to about one float32 ulp.
 * Why a separate mode: the zero padding of steps 1 and 2 differs from torch's interpolate at the
 * borders by up to ~1/3 of the intensity range, so 'bilinear' + antialias cannot stand in for it.
 * The zero padding also means this mode does not commute with an affine intensity step (see
 * defer-intensity.ts). Separable: cval is 0, so a zeroed line stays zero in later passes.
 */
import { voxelCount, type Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';
import { channelCount, toPlanar } from './planar.js';

/** scipy.ndimage._gaussian_kernel1d(sigma, order=0, radius=int(4 * sigma + 0.5)). */
export function buildGaussianKernel(sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * x * x);
    w[x + radius] = v;
    sum += v;
  }
  for (let q = 0; q < w.length; q++) w[q] = w[q]! / sum;
  return w;
}

function strideOf(size: Vec3, axis: number): number {
  return axis === 0 ? 1 : axis === 1 ? size[0] : size[0] * size[1];
}

/** One correlate1d pass along `axis` over one channel, zero outside, float32 output. */
function gaussianPass(src: Float32Array<ArrayBufferLike>, size: Vec3, axis: number, w: Float64Array): Float32Array {
  const out = new Float32Array(src.length);
  const n = size[axis]!;
  const stride = strideOf(size, axis);
  const r = (w.length - 1) >> 1;
  const outer = src.length / (n * stride);
  // Whole rows of `stride` samples at a time (contiguous inner loop), taps in ascending order so
  // each sample's float64 sum is the same as a per-line loop would give.
  if (stride === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let t = 0; t < n; t++) {
        let sum = 0;
        const lo = Math.max(-r, -t);
        const hi = Math.min(r, n - 1 - t);
        for (let q = lo; q <= hi; q++) sum += src[base + t + q]! * w[q + r]!;
        out[base + t] = sum;
      }
    }
    return out;
  }
  const acc = new Float64Array(stride);
  for (let o = 0; o < outer; o++) {
    const base = o * n * stride;
    for (let t = 0; t < n; t++) {
      acc.fill(0);
      const lo = Math.max(-r, -t);
      const hi = Math.min(r, n - 1 - t);
      for (let q = lo; q <= hi; q++) {
        const wq = w[q + r]!;
        const s0 = base + (t + q) * stride;
        for (let p = 0; p < stride; p++) acc[p] = acc[p]! + src[s0 + p]! * wq;
      }
      out.set(acc, base + t * stride);
    }
  }
  return out;
}

/** One linear zoom pass along `axis` (float64 in and out); outside [0, n - 1] gives 0. */
function zoomPass(src: Float64Array | Float32Array<ArrayBufferLike>, size: Vec3, axis: number, m: number): Float64Array {
  const n = size[axis]!;
  const outSize: Vec3 = [axis === 0 ? m : size[0], axis === 1 ? m : size[1], axis === 2 ? m : size[2]];
  const inStride = strideOf(size, axis);
  const outStride = strideOf(outSize, axis);
  const outer = src.length / (n * inStride);
  const out = new Float64Array(outer * m * inStride);
  const scale = n / m;
  for (let t = 0; t < m; t++) {
    const c = (t + 0.5) * scale - 0.5;
    const f = Math.floor(c);
    // Taps outside [0, n - 1] read cval = 0 (a weight of 0 on a clamped index).
    const w1 = f + 1 <= n - 1 ? c - f : 0;
    const w0 = f >= 0 ? 1 - (c - f) : 0;
    if (f + 1 < 0 || f > n - 1 || (w0 === 0 && w1 === 0)) continue;
    const f0 = Math.max(f, 0);
    const f1 = Math.min(f + 1, n - 1);
    for (let o = 0; o < outer; o++) {
      const sBase = o * n * inStride;
      const dBase = o * m * inStride + t * outStride;
      const s0 = sBase + f0 * inStride;
      const s1 = sBase + f1 * inStride;
      for (let p = 0; p < inStride; p++) out[dBase + p] = w0 * src[s0 + p]! + w1 * src[s1 + p]!;
    }
  }
  return out;
}

/** The resampled samples (planar channels) on a grid of `outSize`; geometry is the caller's. */
export function resizeLikeSkimage(volume: Volume, outSize: Vec3): { data: Float32Array; channels: number } {
  const v = toPlanar(volume);
  const channels = channelCount(v);
  const size = v.geometry.size;
  const nIn = voxelCount(v.geometry);
  const nOut = outSize[0] * outSize[1] * outSize[2];
  const result = new Float32Array(nOut * channels);
  const antialias = [0, 1, 2].some((a) => outSize[a]! < size[a]!);
  for (let c = 0; c < channels; c++) {
    // float32 like skimage's convert_to_float(preserve_range) on 8/16-bit or float32 data.
    let img: Float32Array<ArrayBufferLike> = Float32Array.from(v.data.subarray(c * nIn, (c + 1) * nIn) as ArrayLike<number>);
    let lo = Infinity;
    let hi = -Infinity;
    for (let p = 0; p < img.length; p++) {
      const x = img[p]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    if (antialias) {
      for (const axis of [2, 1, 0]) {
        const sigma = Math.max(0, (size[axis]! / outSize[axis]! - 1) / 2);
        // scipy skips an axis whose sigma is not above 1e-15.
        if (sigma > 1e-15) img = gaussianPass(img, size, axis, buildGaussianKernel(sigma));
      }
    }
    let data: Float64Array | Float32Array<ArrayBufferLike> = img;
    let cur: Vec3 = size;
    for (const axis of [2, 1, 0]) {
      if (cur[axis] === outSize[axis]) continue;
      data = zoomPass(data, cur, axis, outSize[axis]!);
      cur = [axis === 0 ? outSize[0] : cur[0], axis === 1 ? outSize[1] : cur[1], axis === 2 ? outSize[2] : cur[2]];
    }
    const keepCval = !(lo <= 0 && 0 <= hi);
    const dst = result.subarray(c * nOut, (c + 1) * nOut);
    for (let p = 0; p < nOut; p++) {
      const x = Math.fround(data[p]!);
      // skimage's _clip_warp_output: clip to the input range, except values equal to cval when
      // cval lies outside that range (and inside the output's).
      dst[p] = keepCval && x === 0 ? 0 : Math.min(hi, Math.max(lo, x));
    }
  }
  return { data: result, channels };
}
