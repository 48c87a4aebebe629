/**
 * Smooth random fields (value noise): random values on a coarse lattice, interpolated with a
 * smoothstep-weighted (bi/tri)linear blend. Used for lung vascular texture, bias fields and
 * lumpy tumour / consolidation borders - the low-frequency structure real images have and that
 * white noise alone would not give a CNN to learn from.
 */
import type { Rng } from './prng.js';

const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Field of `width` x `height` (x fastest) with values in about [-1, 1]; `cells` lattice cells across. */
export function createSmoothField2d(rng: Rng, width: number, height: number, cells: number): Float32Array {
  const gw = cells + 2;
  const gh = Math.ceil((cells * height) / width) + 2;
  const lattice = new Float32Array(gw * gh);
  for (let n = 0; n < lattice.length; n++) lattice[n] = rng.uniform(-1, 1);
  const scale = cells / width;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = y * scale;
    const y0 = Math.floor(fy);
    const ty = smooth(fy - y0);
    for (let x = 0; x < width; x++) {
      const fx = x * scale;
      const x0 = Math.floor(fx);
      const tx = smooth(fx - x0);
      const a = lattice[y0 * gw + x0]!;
      const b = lattice[y0 * gw + x0 + 1]!;
      const c = lattice[(y0 + 1) * gw + x0]!;
      const d = lattice[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

/** 3D version on an [nx, ny, nz] grid (x fastest); `cells` lattice cells along x. */
export function createSmoothField3d(rng: Rng, size: readonly [number, number, number], cells: number): Float32Array {
  const [nx, ny, nz] = size;
  const scale = cells / nx;
  const gx = cells + 2;
  const gy = Math.ceil(ny * scale) + 2;
  const gz = Math.ceil(nz * scale) + 2;
  const lattice = new Float32Array(gx * gy * gz);
  for (let n = 0; n < lattice.length; n++) lattice[n] = rng.uniform(-1, 1);
  const out = new Float32Array(nx * ny * nz);
  const at = (i: number, j: number, k: number): number => lattice[(k * gy + j) * gx + i]!;
  // Precompute per-axis lattice index and weight: the inner loop stays multiplication-only.
  const axis = (n: number): { i0: Int32Array; t: Float32Array } => {
    const i0 = new Int32Array(n);
    const t = new Float32Array(n);
    for (let v = 0; v < n; v++) {
      const f = v * scale;
      i0[v] = Math.floor(f);
      t[v] = smooth(f - Math.floor(f));
    }
    return { i0, t };
  };
  const ax = axis(nx);
  const ay = axis(ny);
  const az = axis(nz);
  let o = 0;
  for (let z = 0; z < nz; z++) {
    const k0 = az.i0[z]!;
    const tz = az.t[z]!;
    for (let y = 0; y < ny; y++) {
      const j0 = ay.i0[y]!;
      const ty = ay.t[y]!;
      for (let x = 0; x < nx; x++) {
        const i0 = ax.i0[x]!;
        const tx = ax.t[x]!;
        const c00 = at(i0, j0, k0) + (at(i0 + 1, j0, k0) - at(i0, j0, k0)) * tx;
        const c10 = at(i0, j0 + 1, k0) + (at(i0 + 1, j0 + 1, k0) - at(i0, j0 + 1, k0)) * tx;
        const c01 = at(i0, j0, k0 + 1) + (at(i0 + 1, j0, k0 + 1) - at(i0, j0, k0 + 1)) * tx;
        const c11 = at(i0, j0 + 1, k0 + 1) + (at(i0 + 1, j0 + 1, k0 + 1) - at(i0, j0 + 1, k0 + 1)) * tx;
        const c0 = c00 + (c10 - c00) * ty;
        const c1 = c01 + (c11 - c01) * ty;
        out[o++] = c0 + (c1 - c0) * tz;
      }
    }
  }
  return out;
}

/** 0 outside, 1 inside, a linear ramp of `width` (same units as d) across the border at d = 0. */
export function softInside(signedDistance: number, width: number): number {
  const t = 0.5 - signedDistance / width;
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}
