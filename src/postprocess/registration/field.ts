/**
 * Dense displacement fields. A field is a Volume with components = 3 on the FIXED grid: voxel x of
 * the fixed image maps to x + u(x) in the moving image. Components are interleaved per voxel and
 * hold the displacement along voxel axes i, j, k in voxels ('voxel' units, VoxelMorph / MONAI
 * DDF convention, channel c = array axis c) or along LPS world x, y, z in mm ('mm' units, what
 * ITK / NIfTI displacement fields store after conversion to LPS). Converters below go between them.
 */
import { ShapeError, UsageError } from '../../core/errors.js';
import { invert3, type Geometry, type Mat3 } from '../../core/geometry.js';
import { allocateSharedTypedArray } from '../../core/dtype.js';
import { planThreads } from '../../core/threads/slab-pool.js';
import { createVolume, type Volume } from '../../core/volume.js';
import { assertFiniteArray } from '../common/checks.js';

export type DisplacementUnits = 'voxel' | 'mm';

/** Field volume accepted by registration functions: float samples, 3 components, 1 frame. */
export type DisplacementField = Volume<'float32'> | Volume<'float64'>;

export function checkField(field: Volume, what = 'field'): DisplacementField {
  if (field.components !== 3 || field.frames !== 1)
    throw new ShapeError(`${what} must have 3 components and 1 frame, got ${field.components} x ${field.frames}`, {
      field: what,
      components: field.components,
    });
  if (field.type !== 'float32' && field.type !== 'float64')
    throw new ShapeError(`${what} must be float32 or float64, got ${field.type}`, { field: what, type: field.type });
  assertFiniteArray(field.data, what);
  return field as DisplacementField;
}

export function checkUnits(units: unknown): DisplacementUnits {
  if (units !== 'voxel' && units !== 'mm') throw new UsageError(`units must be 'voxel' or 'mm', got ${String(units)}`, { field: 'units', received: units });
  return units;
}

/** Linear part of index -> world: D * diag(spacing). Row-major. */
export function voxelToWorldMatrix(g: Geometry): Mat3 {
  const d = g.direction;
  const s = g.spacing;
  return [d[0] * s[0], d[1] * s[1], d[2] * s[2], d[3] * s[0], d[4] * s[1], d[5] * s[2], d[6] * s[0], d[7] * s[1], d[8] * s[2]];
}

function transformField(field: DisplacementField, m: Mat3): Volume<'float32'> {
  const src = field.data;
  const size = field.geometry.size;
  // Shared memory where threaded passes (warp, Jacobian) follow: read in place, not copied.
  const out = planThreads(size[0] * size[1] * size[2], size[2]) > 1 ? allocateSharedTypedArray('float32', src.length) : new Float32Array(src.length);
  for (let p = 0; p < src.length; p += 3) {
    const a = src[p]!;
    const b = src[p + 1]!;
    const c = src[p + 2]!;
    out[p] = m[0] * a + m[1] * b + m[2] * c;
    out[p + 1] = m[3] * a + m[4] * b + m[5] * c;
    out[p + 2] = m[6] * a + m[7] * b + m[8] * c;
  }
  return createVolume({ geometry: field.geometry, data: out, components: 3, meta: { ...field.meta, displacementUnits: 'mm' } });
}

/** Voxel displacements (along i, j, k) -> LPS mm: u_mm = D diag(spacing) u_vox. */
export function convertFieldToMm(field: Volume): Volume<'float32'> {
  return transformField(checkField(field), voxelToWorldMatrix(field.geometry));
}

/** LPS mm displacements -> voxels along i, j, k: u_vox = diag(1/spacing) D^-1 u_mm. */
export function convertFieldToVoxels(field: Volume): Volume<'float32'> {
  const v = transformField(checkField(field), invert3(voxelToWorldMatrix(field.geometry)));
  return createVolume({ geometry: v.geometry, data: v.data, components: 3, meta: { ...field.meta, displacementUnits: 'voxel' } });
}
