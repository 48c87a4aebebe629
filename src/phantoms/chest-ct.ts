/**
 * Synthetic chest CT with lung nodules and LUNA16-style ground truth (world centre in LPS mm and
 * diameter in mm). Default grid 256 x 256 x 128 at 0.7 x 0.7 x 1.25 mm (LUNA16's typical in-plane
 * spacing and MONAI's detection spacing) covers a 179 x 179 x 160 mm chest block: a compact chest,
 * so volumes stay small enough to generate and train on without a GPU.
 *
 * Nodules (0-4 per scan, diameters 4-30 mm) are solid, slightly lobulated spheres of soft-tissue
 * density, placed fully inside a lung; each is reported once. LUNA16 counts nodules >= 3 mm as
 * reference findings: every phantom nodule qualifies. Partial-volume edges are drawn analytically
 * (supersampled at the border), so small nodules are not single bright voxels.
 *
 * Geometry: axial slices, identity direction in LPS (i -> Left, j -> Posterior, k -> Superior);
 * origin places the field-of-view centre at world (0, 0, -zOffset) with a random table offset, so
 * world coordinates are not trivially voxel coordinates.
 */
import { createVolume, indexToWorld, type Volume } from '../core/index.js';
import { createChestScene, forEachCentredVoxel } from './chest-anatomy.js';
import type { Rng } from './prng.js';

export interface ChestCtOptions {
  seed: number;
  size?: readonly [number, number, number];
  spacingMm?: readonly [number, number, number];
  /** Nodule count range [min, max] (inclusive). Default [0, 4]. */
  nodules?: readonly [number, number];
  /** Nodule diameter range, mm. Default [4, 30]. */
  diameterMm?: readonly [number, number];
}

export interface NoduleTruth {
  /** World (LPS, mm) centre: LUNA16 coordX, coordY, coordZ. */
  centerMm: readonly [number, number, number];
  diameterMm: number;
}

export interface ChestCt {
  image: Volume<'int16'>;
  nodules: NoduleTruth[];
}

interface Nodule {
  x: number;
  y: number;
  z: number;
  r: number;
  lobes: number[];
}

function placeNodules(
  rng: Rng,
  count: number,
  dRange: readonly [number, number],
  fits: (x: number, y: number, z: number, r: number) => boolean,
  half: readonly number[],
): Nodule[] {
  const out: Nodule[] = [];
  for (let attempt = 0; attempt < 400 && out.length < count; attempt++) {
    // Log-uniform diameters: small nodules are the common (and hard) case, as in LIDC.
    const d = Math.exp(rng.uniform(Math.log(dRange[0]), Math.log(dRange[1])));
    const r = d / 2;
    const x = rng.uniform(-half[0]!, half[0]!);
    const y = rng.uniform(-half[1]!, half[1]!);
    const z = rng.uniform(-half[2]!, half[2]!);
    if (!fits(x, y, z, r)) continue;
    if (out.some((n) => Math.hypot(n.x - x, n.y - y, n.z - z) < n.r + r + 6)) continue;
    out.push({ x, y, z, r, lobes: [rng.uniform(0, 6.28), rng.uniform(0, 6.28), rng.uniform(0.03, 0.1)] });
  }
  return out;
}

export function generateChestCt(options: ChestCtOptions): ChestCt {
  const size = options.size ?? [256, 256, 128];
  const spacing = options.spacingMm ?? [0.7, 0.7, 1.25];
  const { rng, fov, anatomy } = createChestScene(options.seed, size, spacing);
  const [minN, maxN] = options.nodules ?? [0, 4];
  const count = rng.int(minN, maxN);
  const fits = (x: number, y: number, z: number, r: number): boolean => {
    // Centre and 6 surface points inside the lung, with a 1 mm margin.
    const pts = [
      [0, 0, 0],
      [1, 0, 0],
      [-1, 0, 0],
      [0, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 0, -1],
    ] as const;
    return pts.every(([a, b, c]) => anatomy.lungRadius(x + a * (r + 1), y + b * (r + 1), z + c * (r + 1)) < 0.97);
  };
  const nodules = placeNodules(
    rng,
    count,
    options.diameterMm ?? [4, 30],
    fits,
    fov.map((f) => f / 2 - 10),
  );

  const [nx, ny, nz] = size;
  const data = new Int16Array(nx * ny * nz);
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  const hz = (nz - 1) / 2;
  const noise = rng.uniform(12, 25);
  forEachCentredVoxel(size, spacing, (x, y, z, o) => {
    let hu = anatomy.sample(x, y, z);
    for (const n of nodules) {
      const dx = x - n.x;
      const dy = y - n.y;
      const dz = z - n.z;
      const d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      if (d > n.r + 2) continue;
      const lob = n.r * (1 + n.lobes[2]! * Math.sin(3 * Math.atan2(dy, dx) + n.lobes[0]!) * Math.cos(2 * Math.acos(dz / (d || 1)) + n.lobes[1]!));
      // Partial volume over about one voxel: fraction of the voxel inside the nodule surface.
      const f = Math.min(1, Math.max(0, 0.5 - (d - lob) / Math.max(spacing[0], spacing[2])));
      hu = hu * (1 - f) + 30 * f;
    }
    data[o] = Math.round(Math.max(-1024, Math.min(3071, hu + noise * rng.normal())));
  });
  // Random table position: world centre of the grid is not the origin.
  const centre = [rng.uniform(-20, 20), rng.uniform(-30, 30), rng.uniform(-250, -100)] as const;
  const origin = [centre[0] - hx * spacing[0], centre[1] - hy * spacing[1], centre[2] - hz * spacing[2]];
  const image = createVolume({
    geometry: { size, spacing, origin },
    data,
    meta: { modality: 'CT', source: `phantom-chest-ct:${options.seed}`, format: 'phantom', window: { center: -600, width: 1500 } },
  });
  const truth = nodules.map((n) => ({
    centerMm: indexToWorld(image.geometry, [n.x / spacing[0] + hx, n.y / spacing[1] + hy, n.z / spacing[2] + hz]),
    diameterMm: 2 * n.r,
  }));
  return { image, nodules: truth };
}
