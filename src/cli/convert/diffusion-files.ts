/**
 * The FSL-style .bval / .bvec pair `medinfer convert` writes beside a DWI NIfTI, as dcm2niix does:
 * one b-value per volume (s/mm^2); gradient directions as three rows (x, y, z) in the written
 * file's voxel axes, with x negated when the file's affine has a positive determinant (FSL reads
 * bvecs in a radiological voxel frame). The table comes from the reader (io/dicom/diffusion.ts,
 * directions in patient LPS); NIfTI's affine is the same LPS geometry mapped to RAS, whose
 * determinant has the sign of the LPS direction matrix's.
 */
import { determinant3, invert3 } from '../../core/geometry.js';
import type { DiffusionTable, DiffusionUnavailable, Vector3 } from '../../io/dicom/diffusion.js';
import type { VolumeShell } from '../../io/dicom/series-stream.js';

export interface DiffusionFiles {
  readonly bval: string;
  readonly bvec: string;
}

/** Six significant digits, as dcm2niix prints them (%g), without "-0". */
const format = (v: number): string => {
  const s = String(Number(v.toPrecision(6)));
  return s === '-0' ? '0' : s;
};

/**
 * The two files' text for a part whose reader found a diffusion table, or a warning saying why a
 * DWI part gets none; undefined for a part that is not diffusion-weighted.
 */
export function buildDiffusionFiles(shell: VolumeShell): DiffusionFiles | { warning: string } | undefined {
  const table = shell.meta['diffusion'] as DiffusionTable | DiffusionUnavailable | undefined;
  if (table === undefined) return undefined;
  if ('unavailable' in table) return { warning: `no .bval / .bvec written: ${table.unavailable}` };
  if (table.bValues.length !== shell.frames) return { warning: `no .bval / .bvec written: ${table.bValues.length} b-values for ${shell.frames} volumes` };
  // Components along the voxel axes: the inverse of the direction matrix (its transpose when
  // orthonormal, as MR grids are).
  const toVoxel = invert3(shell.geometry.direction);
  const flipX = determinant3(shell.geometry.direction) > 0 ? -1 : 1;
  const rows: string[][] = [[], [], []];
  for (const g of table.directionsLps) {
    const v: Vector3 = g ?? [0, 0, 0];
    for (let a = 0; a < 3; a++) {
      const c = toVoxel[a * 3]! * v[0] + toVoxel[a * 3 + 1]! * v[1] + toVoxel[a * 3 + 2]! * v[2];
      rows[a]!.push(format(a === 0 ? flipX * c : c));
    }
  }
  return { bval: `${table.bValues.map(format).join(' ')}\n`, bvec: `${rows.map((r) => r.join(' ')).join('\n')}\n` };
}
