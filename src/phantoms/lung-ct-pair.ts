/**
 * Inhale / exhale chest CT pair related by a known smooth breathing deformation, with landmark
 * pairs in the DIR-Lab convention (300 points; T00 = maximum inhale, T50 = maximum exhale).
 *
 * Motion model, written as the map u from an exhale position q to the same tissue at inhale,
 * p = q + u(q) (LPS mm): the diaphragm descends on inhalation, so tissue seen at exhale is found
 * lower (more inferior) at inhale, by an amount growing from 0 at the apex to `amplitudeMm` at the
 * base (DIR-Lab cases move 4-15 mm on average); the chest wall expands anteriorly by a few mm;
 * a smooth random field of about 2 mm adds non-rigid variation. The map's Jacobian stays close
 * to 1 (gradients << 1), so it is invertible and fold-free. Both images sample the same analytic
 * anatomy - exhale(q) = anatomy(q + u(q)), inhale(p) = anatomy(p) - so there is no interpolation
 * blur in either.
 *
 * For VoxelMorph-style registration with fixed = exhale and moving = inhale, the exact answer is
 * the displacement field u on the exhale grid (in mm; divide by spacing for voxels):
 * moved(q) = inhale(q + u(q)).
 */
import { createVolume, type Volume } from '../core/index.js';
import { createChestScene, forEachCentredVoxel } from './chest-anatomy.js';
import { createValueNoise3d } from './value-noise.js';

export interface LungCtPairOptions {
  seed: number;
  /** Grid of both images. Default [96, 96, 64]. */
  size?: readonly [number, number, number];
  /** Default [2, 2, 2.5] mm (DIR-Lab slices are 2.5 mm). */
  spacingMm?: readonly [number, number, number];
  /** Landmark pairs. Default 300 (DIR-Lab). */
  landmarks?: number;
  /** Diaphragm excursion range, mm. Default [10, 20]. */
  amplitudeMm?: readonly [number, number];
}

export interface LungCtPair {
  /** T00, maximum inhale (moving image for registration to exhale). */
  inhale: Volume<'int16'>;
  /** T50, maximum exhale (fixed image). */
  exhale: Volume<'int16'>;
  /** Landmarks as continuous 0-based voxel indices (i, j, k): inhale[n] and exhale[n] are the same tissue point. */
  landmarksInhale: [number, number, number][];
  landmarksExhale: [number, number, number][];
  /** Exact displacement u(q) on the exhale grid in mm, 3 components interleaved (x, y, z in LPS). */
  displacementMm: Volume<'float32'>;
  amplitudeMm: number;
}

export function generateLungCtPair(options: LungCtPairOptions): LungCtPair {
  const size = options.size ?? [96, 96, 64];
  const spacing = options.spacingMm ?? [2, 2, 2.5];
  const { rng, fov, anatomy } = createChestScene(options.seed, size, spacing);
  const [ampLo, ampHi] = options.amplitudeMm ?? [10, 20];
  const amplitude = rng.uniform(ampLo, ampHi);
  const expansion = rng.uniform(1.5, 4);
  const half: [number, number, number] = [fov[0] / 2 + 20, fov[1] / 2 + 20, fov[2] / 2 + 20];
  const wobble = [createValueNoise3d(rng, half, 45), createValueNoise3d(rng, half, 45), createValueNoise3d(rng, half, 45)];
  const wobbleMm = rng.uniform(1, 2.5);
  const { base, apex } = anatomy.lungZ;

  const motion = (x: number, y: number, z: number): [number, number, number] => {
    // 0 at the apex (and above), 1 at the diaphragm (and below), smooth in between.
    const t = Math.min(1, Math.max(0, (apex - z) / (apex - base)));
    const s = t * t * (3 - 2 * t);
    return [
      wobbleMm * wobble[0]!(x, y, z),
      -expansion * s * Math.max(0, 1 - Math.abs(y) / 120) + wobbleMm * wobble[1]!(x, y, z),
      -amplitude * s + wobbleMm * wobble[2]!(x, y, z),
    ];
  };

  const [nx, ny, nz] = size;
  const n = nx * ny * nz;
  const hx = (nx - 1) / 2;
  const hy = (ny - 1) / 2;
  const hz = (nz - 1) / 2;
  const noise = rng.uniform(10, 20);
  const inhale = new Int16Array(n);
  const exhale = new Int16Array(n);
  const field = new Float32Array(n * 3);
  forEachCentredVoxel(size, spacing, (x, y, z, o) => {
    const u = motion(x, y, z);
    field[3 * o] = u[0];
    field[3 * o + 1] = u[1];
    field[3 * o + 2] = u[2];
    inhale[o] = Math.round(Math.max(-1024, anatomy.sample(x, y, z) + noise * rng.normal()));
    exhale[o] = Math.round(Math.max(-1024, anatomy.sample(x + u[0], y + u[1], z + u[2]) + noise * rng.normal()));
  });

  // Landmarks on salient lung structures (vessels), picked in the exhale image, mapped exactly.
  const count = options.landmarks ?? 300;
  const landmarksExhale: [number, number, number][] = [];
  const landmarksInhale: [number, number, number][] = [];
  for (let attempt = 0; attempt < 200000 && landmarksExhale.length < count; attempt++) {
    const q: [number, number, number] = [rng.uniform(2, nx - 3), rng.uniform(2, ny - 3), rng.uniform(2, nz - 3)];
    const x = (q[0] - hx) * spacing[0];
    const y = (q[1] - hy) * spacing[1];
    const z = (q[2] - hz) * spacing[2];
    const u = motion(x, y, z);
    const px = x + u[0];
    const py = y + u[1];
    const pz = z + u[2];
    if (anatomy.lungRadius(px, py, pz) > 0.92) continue;
    if (attempt < 150000 && anatomy.vessel(px, py, pz) < 0.3) continue;
    const p: [number, number, number] = [px / spacing[0] + hx, py / spacing[1] + hy, pz / spacing[2] + hz];
    if (p[2] < 0 || p[2] > nz - 1) continue;
    landmarksExhale.push(q);
    landmarksInhale.push(p);
  }

  const geometry = { size, spacing, origin: [-hx * spacing[0], -hy * spacing[1], -hz * spacing[2]] };
  const meta = (phase: string) => ({
    modality: 'CT',
    source: `phantom-lung-pair:${options.seed}:${phase}`,
    format: 'phantom',
    window: { center: -600, width: 1500 },
  });
  return {
    inhale: createVolume({ geometry, data: inhale, meta: meta('T00') }),
    exhale: createVolume({ geometry, data: exhale, meta: meta('T50') }),
    landmarksInhale,
    landmarksExhale,
    displacementMm: createVolume({ geometry, data: field, components: 3, meta: { source: `phantom-lung-pair:${options.seed}:u`, format: 'phantom' } }),
    amplitudeMm: amplitude,
  };
}
