/**
 * Continuous 3D value noise: random values on a lattice of `cellMm` spacing covering a box, blended
 * with smoothstep weights. Unlike createSmoothField3d (a field on a voxel grid) it can be evaluated
 * at any world position, which the breathing-motion phantom needs: the exhale image samples the
 * same anatomy at deformed positions instead of interpolating the inhale voxels (no added blur).
 */
import type { Rng } from './prng.js';

/** Weight of the upper lattice value at fraction t in [0, 1): 3t^2 - 2t^3 (zero slope at the lattice points). */
function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}

export type NoiseFn = (x: number, y: number, z: number) => number;

/** Values in about [-1, 1]; positions outside [-halfExtentMm, +halfExtentMm] are clamped to the box. */
export function createValueNoise3d(rng: Rng, halfExtentMm: readonly [number, number, number], cellMm: number): NoiseFn {
  const n = halfExtentMm.map((h) => Math.ceil((2 * h) / cellMm) + 2) as [number, number, number];
  const lattice = new Float32Array(n[0] * n[1] * n[2]);
  for (let p = 0; p < lattice.length; p++) lattice[p] = rng.uniform(-1, 1);
  const [nx, ny, nz] = n;
  const inv = 1 / cellMm;
  const [hx, hy, hz] = halfExtentMm;
  return (x, y, z) => {
    const fx = Math.min(nx - 1.001, Math.max(0, (x + hx) * inv));
    const fy = Math.min(ny - 1.001, Math.max(0, (y + hy) * inv));
    const fz = Math.min(nz - 1.001, Math.max(0, (z + hz) * inv));
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const k = Math.floor(fz);
    const tx = smoothstep(fx - i);
    const ty = smoothstep(fy - j);
    const tz = smoothstep(fz - k);
    const o = (k * ny + j) * nx + i;
    const sy = nx;
    const sz = nx * ny;
    const c00 = lattice[o]! + (lattice[o + 1]! - lattice[o]!) * tx;
    const c10 = lattice[o + sy]! + (lattice[o + sy + 1]! - lattice[o + sy]!) * tx;
    const c01 = lattice[o + sz]! + (lattice[o + sz + 1]! - lattice[o + sz]!) * tx;
    const c11 = lattice[o + sz + sy]! + (lattice[o + sz + sy + 1]! - lattice[o + sz + sy]!) * tx;
    const c0 = c00 + (c10 - c00) * ty;
    const c1 = c01 + (c11 - c01) * ty;
    return c0 + (c1 - c0) * tz;
  };
}
