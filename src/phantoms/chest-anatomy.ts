/**
 * Analytic chest anatomy in Hounsfield units, evaluated at any LPS position (mm, relative to the
 * field-of-view centre): body with a subcutaneous fat layer, two lungs with diaphragm domes,
 * heart, spine, ribs, and lung vessels. Vessels are the intersection of two "ridges" of smooth
 * noise (|n1| and |n2| both small), which gives branching tube-like structures a few mm across -
 * the bright tubular distractors a nodule detector must learn to tell from round nodules, and
 * the texture a registration network aligns.
 *
 * Being a function of position (not a voxel array), the same anatomy can be sampled on any grid
 * and at deformed positions (breathing motion) without interpolation blur.
 */
import { createRng, type Rng } from './prng.js';
import { createValueNoise3d, type NoiseFn } from './value-noise.js';

export interface ChestAnatomy {
  /** HU at an LPS position (mm) relative to the centre of the field of view. */
  sample(x: number, y: number, z: number): number;
  /** Normalised lung radius at the position: < 1 inside a lung (diaphragm dome included), else >= 1. */
  lungRadius(x: number, y: number, z: number): number;
  /** Vessel weight (0..1) at the position, for landmark picking on salient structures. */
  vessel(x: number, y: number, z: number): number;
  /** Extent of the lungs along z (mm): diaphragm base and apex. */
  lungZ: { base: number; apex: number };
}

export interface ChestAnatomyOptions {
  /** Field of view (mm) along x, y, z. */
  fovMm: readonly [number, number, number];
}

export function createChestAnatomy(rng: Rng, options: ChestAnatomyOptions): ChestAnatomy {
  const [fx, fy, fz] = options.fovMm;
  const half: [number, number, number] = [fx / 2 + 40, fy / 2 + 40, fz / 2 + 40];
  // Body cross-section: about 0.45 of the x field of view, flatter front to back.
  const bx = fx * rng.uniform(0.42, 0.46);
  const by = bx * rng.uniform(0.68, 0.76);
  const fat = rng.uniform(5, 10);
  const lungs = [-1, 1].map((s) => ({
    cx: s * bx * rng.uniform(0.44, 0.5),
    cy: -by * 0.02,
    ax: bx * rng.uniform(0.33, 0.37),
    ay: by * rng.uniform(0.58, 0.64),
  }));
  const apex = fz * rng.uniform(0.42, 0.6);
  const base = -fz * rng.uniform(0.3, 0.42);
  const dome = rng.uniform(12, 22); // diaphragm dome height (mm)
  const heart = { cx: bx * 0.14, cy: -by * 0.2, cz: base + (apex - base) * 0.28, ax: bx * 0.34, ay: by * 0.42, az: (apex - base) * 0.3 };
  const spine = { cy: by * 0.78, r: bx * 0.13 };
  const ribPhase = rng.uniform(0, 24);
  const texture: NoiseFn = createValueNoise3d(rng, half, 9);
  const ridgeA: NoiseFn = createValueNoise3d(rng, half, 16);
  const ridgeB: NoiseFn = createValueNoise3d(rng, half, 16);
  const ridgeC: NoiseFn = createValueNoise3d(rng, half, 7);
  const ridgeD: NoiseFn = createValueNoise3d(rng, half, 7);

  const lungRadius = (x: number, y: number, z: number): number => {
    let best = Infinity;
    for (const l of lungs) {
      const u = (x - l.cx) / l.ax;
      const v = (y - l.cy) / l.ay;
      const rxy = u * u + v * v;
      // Above the dome surface; the apex is rounded as an ellipsoid cap.
      const floor = base + dome * Math.max(0, 1 - rxy);
      if (z < floor - 1e-9) {
        best = Math.min(best, 1 + (floor - z) / 10);
        continue;
      }
      const w = z > base + (apex - base) * 0.6 ? (z - (base + (apex - base) * 0.6)) / ((apex - base) * 0.4) : 0;
      best = Math.min(best, Math.sqrt(rxy + w * w));
    }
    // The heart indents the medial lungs.
    const hx = (x - heart.cx) / heart.ax;
    const hy = (y - heart.cy) / heart.ay;
    const hz = (z - heart.cz) / heart.az;
    if (hx * hx + hy * hy + hz * hz < 1) return Math.max(best, 1.01);
    return best;
  };

  const vessel = (x: number, y: number, z: number): number => {
    // Two scales: larger central vessels and finer peripheral ones.
    const a = 1 - Math.abs(ridgeA(x, y, z)) / 0.07;
    const b = 1 - Math.abs(ridgeB(x, y, z)) / 0.07;
    const big = a > 0 && b > 0 ? Math.min(1, 1.6 * a * b) : 0;
    const c = 1 - Math.abs(ridgeC(x, y, z)) / 0.06;
    const d = 1 - Math.abs(ridgeD(x, y, z)) / 0.06;
    const small = c > 0 && d > 0 ? Math.min(1, 1.4 * c * d) * 0.7 : 0;
    return Math.max(big, small);
  };

  const sample = (x: number, y: number, z: number): number => {
    const rb = Math.sqrt((x / bx) ** 2 + (y / by) ** 2);
    if (rb > 1) return -1000;
    const depth = (1 - rb) * bx; // approximate distance inside the skin, mm
    if (depth < fat) return -100 + 15 * texture(x, y, z);
    // Spine (vertebral bodies: cortical rim, cancellous core).
    const ds = Math.sqrt(x * x + (y - spine.cy) ** 2);
    if (ds < spine.r) return ds > spine.r * 0.8 ? 700 : 250;
    // Ribs: oblique bands in a shell under the muscle layer.
    if (depth < fat + 9 && depth > fat + 3) {
      const phase = (z + ribPhase + 0.25 * Math.abs(y)) % 24;
      if ((phase < 0 ? phase + 24 : phase) < 8) return 650;
    }
    const r = lungRadius(x, y, z);
    if (r < 1) {
      const v = vessel(x, y, z) * Math.min(1, 1.3 - 0.5 * r);
      const parenchyma = -860 + 25 * texture(x, y, z);
      return parenchyma + v * 900;
    }
    const hx = (x - heart.cx) / heart.ax;
    const hy = (y - heart.cy) / heart.ay;
    const hz = (z - heart.cz) / heart.az;
    if (hx * hx + hy * hy + hz * hz < 1) return 45;
    return 35 + 8 * texture(x, y, z);
  };

  return { sample, lungRadius, vessel, lungZ: { base, apex } };
}

/**
 * A chest phantom's scene: the seeded generator and the anatomy filling a field of view of
 * size x spacing (mm). Draw order matters for reproducibility: the anatomy takes the first draws.
 */
export function createChestScene(
  seed: number,
  size: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
): { rng: Rng; fov: [number, number, number]; anatomy: ChestAnatomy } {
  const rng = createRng(seed);
  const fov: [number, number, number] = [size[0] * spacingMm[0], size[1] * spacingMm[1], size[2] * spacingMm[2]];
  return { rng, fov, anatomy: createChestAnatomy(rng, { fovMm: fov }) };
}

/**
 * Calls fn for every voxel of a size x spacing grid (i fastest, the order phantom noise is drawn
 * in) with the voxel centre's position in mm relative to the grid centre and its linear index.
 */
export function forEachCentredVoxel(
  size: readonly [number, number, number],
  spacingMm: readonly [number, number, number],
  fn: (x: number, y: number, z: number, index: number) => void,
): void {
  const [nx, ny, nz] = size;
  const [hx, hy, hz] = [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const z = (k - hz) * spacingMm[2];
    for (let j = 0; j < ny; j++) {
      const y = (j - hy) * spacingMm[1];
      for (let i = 0; i < nx; i++, o++) fn((i - hx) * spacingMm[0], y, z, o);
    }
  }
}
