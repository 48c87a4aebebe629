/**
 * Multi-input models (multi-modal MRI, fixed/moving pairs) need their inputs on one grid. Inputs
 * that already share the first input's grid pass through; others are resampled onto it
 * (trilinear in world space) and the resampling is reported, never done silently.
 */
import { createGeometry, sameGrid, voxelCount, type Geometry } from '../core/geometry.js';
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

export function alignInputs(named: Readonly<Record<string, Volume>>, order: readonly string[], toleranceMm = 1e-3): AlignedInputs {
  const reference = named[order[0]!]!;
  const volumes: Record<string, Volume> = {};
  const resampled: string[] = [];
  for (const name of order) {
    const v = named[name]!;
    if (sameGrid(v.geometry, reference.geometry, toleranceMm)) volumes[name] = v;
    else {
      volumes[name] = resampleOntoGrid(v, reference.geometry);
      resampled.push(name);
    }
  }
  return { volumes, resampled };
}
