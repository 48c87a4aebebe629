/**
 * Compares a Volume with a reference NIfTI (dcm2niix's Ref output) at the same world positions:
 * every voxel centre of `vol` is mapped into the reference grid (both LPS inside the SDK); the
 * reference voxel found there must exist (integer index within 1e-3) and hold the same value.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readNiftiSync } from '../../../src/io/nifti/index.js';
import { indexToWorld, worldToIndex } from '../../../src/core/geometry.js';
import type { Volume } from '../../../src/core/volume.js';

export function loadNifti(path: string): Volume {
  return readNiftiSync(new Uint8Array(readFileSync(path)), { name: path, gunzip: (b) => new Uint8Array(gunzipSync(b)) });
}

export interface Comparison {
  /** Voxels of `vol` compared (stride `step` along every axis and frame). */
  readonly compared: number;
  /** Voxel centres that do not land on a reference voxel centre. */
  readonly offGrid: number;
  /** Largest |ours - ref| / max(1, |ref|) over the compared voxels. */
  readonly maxRelDiff: number;
  readonly mismatches: number;
}

export function compareAtWorld(vol: Volume, ref: Volume, relTol = 1e-5, step = 1): Comparison {
  const [ni, nj, nk] = vol.geometry.size;
  const [ri, rj, rk] = ref.geometry.size;
  const frames = Math.min(vol.frames, ref.frames);
  let compared = 0;
  let offGrid = 0;
  let maxRelDiff = 0;
  let mismatches = 0;
  for (let k = 0; k < nk; k += step)
    for (let j = 0; j < nj; j += step)
      for (let i = 0; i < ni; i += step) {
        const w = indexToWorld(vol.geometry, [i, j, k]);
        const r = worldToIndex(ref.geometry, w);
        const idx = r.map(Math.round) as [number, number, number];
        if (r.some((x, a) => Math.abs(x - idx[a]!) > 1e-3) || idx[0] < 0 || idx[1] < 0 || idx[2] < 0 || idx[0] >= ri || idx[1] >= rj || idx[2] >= rk) {
          offGrid++;
          continue;
        }
        for (let f = 0; f < frames; f++) {
          const a = vol.data[((f * nk + k) * nj + j) * ni + i]!;
          const b = ref.data[((f * rk + idx[2]) * rj + idx[1]) * ri + idx[0]]!;
          const d = Math.abs(a - b) / Math.max(1, Math.abs(b));
          if (d > maxRelDiff) maxRelDiff = d;
          if (d > relTol) mismatches++;
          compared++;
        }
      }
  return { compared, offGrid, maxRelDiff, mismatches };
}
