/**
 * Multi-input models (multi-modal MRI, fixed/moving pairs) need their inputs on one grid. Inputs
 * that already share the first input's grid pass through; others are resampled onto it
 * (trilinear in world space) and the resampling is reported, never done silently.
 */
import { InputError } from '../core/errors.js';
import { createGeometry, indexToWorld, sameGrid, voxelCount, type Geometry } from '../core/geometry.js';
import { createVolume, type Volume } from '../core/volume.js';
import { warpVolume } from '../postprocess/registration/warp.js';

export interface AlignedInputs {
  readonly volumes: Record<string, Volume>;
  /** Names of inputs that were resampled onto the reference grid. */
  readonly resampled: string[];
}

/** Resamples `volume` onto `grid` (world-space trilinear, zeros outside). */
export function resampleOntoGrid(volume: Volume, grid: Geometry, interpolation: 'linear' | 'nearest' = 'linear'): Volume {
  const zeroField = createVolume({ geometry: createGeometry(grid), data: new Float32Array(voxelCount(grid) * 3), components: 3 });
  const out = warpVolume(volume, zeroField, { units: 'mm', interpolation, padding: 'zeros' });
  return createVolume({ geometry: out.geometry, data: out.data, meta: { ...volume.meta } });
}

/** World-space (LPS mm) axis-aligned bounds of a grid's voxel centres. */
function worldBounds(g: Geometry): { min: number[]; max: number[] } {
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let c = 0; c < 8; c++) {
    const p = indexToWorld(g, [c & 1 ? g.size[0] - 1 : 0, c & 2 ? g.size[1] - 1 : 0, c & 4 ? g.size[2] - 1 : 0]);
    for (let a = 0; a < 3; a++) (min[a] = Math.min(min[a]!, p[a]!)), (max[a] = Math.max(max[a]!, p[a]!));
  }
  return { min, max };
}

/** Inputs whose fields of view do not even overlap cannot be aligned: a typed error, not zeros. */
function checkOverlap(name: string, g: Geometry, reference: string, r: Geometry): void {
  const a = worldBounds(g);
  const b = worldBounds(r);
  const disjoint = [0, 1, 2].some((k) => a.max[k]! < b.min[k]! || b.max[k]! < a.min[k]!);
  if (disjoint)
    throw new InputError(
      `input '${name}' does not overlap '${reference}' in world space (LPS mm bounds ` +
        `[${a.min.map((v) => v.toFixed(1)).join(', ')}]..[${a.max.map((v) => v.toFixed(1)).join(', ')}] vs ` +
        `[${b.min.map((v) => v.toFixed(1)).join(', ')}]..[${b.max.map((v) => v.toFixed(1)).join(', ')}]); the grids cannot be aligned`,
      { input: name, reference },
    );
}

export function alignInputs(named: Readonly<Record<string, Volume>>, order: readonly string[], toleranceMm = 1e-3): AlignedInputs {
  const reference = named[order[0]!]!;
  const volumes: Record<string, Volume> = {};
  const resampled: string[] = [];
  for (const name of order) {
    const v = named[name]!;
    if (sameGrid(v.geometry, reference.geometry, toleranceMm)) volumes[name] = v;
    else {
      checkOverlap(name, v.geometry, order[0]!, reference.geometry);
      volumes[name] = resampleOntoGrid(v, reference.geometry);
      resampled.push(name);
    }
  }
  return { volumes, resampled };
}
