/**
 * The manifest's `space`: the orientation and voxel spacing a model was trained in. A model
 * fed other axes gives confident nonsense (brainchop's LIA models on a RAS volume: Dice 0.90,
 * no warning), so the grid a plan ends on is checked: an entry either brings any input there by
 * its steps (orient / resample / conform) or the input is refused with a typed error naming
 * what differs. `world` only says how the model's authors wrote coordinates and is not checked.
 */
import { InputError } from '../core/errors.js';
import { axisCodes } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';

export interface ModelSpace {
  /** nibabel "towards" axis codes of voxel axes i, j, k (e.g. 'LIA', 'RAS'). */
  readonly orientation?: string;
  /** Voxel spacing in mm along i, j, k. */
  readonly spacing?: readonly number[];
  readonly world?: 'LPS' | 'RAS';
}

/** Relative spacing tolerance: resampling rules (nnU-Net's rounding of sizes) land within ~1 %. */
const SPACING_TOLERANCE = 0.02;

export function checkModelSpace(volume: Volume, space: ModelSpace): void {
  const g = volume.geometry;
  const source = volume.meta.source ?? 'the input';
  const problems: string[] = [];
  if (space.orientation !== undefined) {
    const codes = axisCodes(g);
    if (codes !== space.orientation.toUpperCase()) problems.push(`axes ${codes}, not ${space.orientation}`);
  }
  if (space.spacing !== undefined) {
    const differs = space.spacing.some((s, a) => Math.abs(g.spacing[a]! - s) > SPACING_TOLERANCE * s);
    if (differs) problems.push(`spacing ${g.spacing.map((s) => s.toFixed(3)).join(' x ')} mm, not ${space.spacing.join(' x ')} mm`);
  }
  if (problems.length > 0) {
    throw new InputError(
      `${source} reaches the model with ${problems.join(' and ')} (the model's space), and the entry's preprocessing does not reorient / resample it ` +
        `there: reorient or resample the input first, or add orient / resample (or conform) steps to the entry`,
      { field: 'space', file: source, expected: { ...space }, actual: { orientation: axisCodes(g), spacing: [...g.spacing] } },
    );
  }
}
