/** The acceptance judge must itself be right: it accepts the same image stored another way and names what is wrong otherwise. */
import { describe, expect, it } from 'vitest';
import { createVolume, type Volume } from '../../src/core/volume.js';
import { indexToWorld } from '../../src/core/geometry.js';
import { compareNiftiVolumes } from './nifti-compare.js';

const SIZE = [5, 4, 3] as const;
const N = SIZE[0] * SIZE[1] * SIZE[2];
// Oblique-ish LPS geometry with unequal spacing, as a DICOM series would have.
const c = Math.cos(0.3);
const s = Math.sin(0.3);
const GEOMETRY = { size: [...SIZE], spacing: [0.9, 1.1, 3], origin: [10, -20, 30], direction: [c, -s, 0, s, c, 0, 0, 0, 1] };

function reference(frames = 2): Volume {
  const data = new Int16Array(N * frames);
  for (let n = 0; n < data.length; n++) data[n] = ((n * 37) % 101) - 20;
  return createVolume({ geometry: GEOMETRY, data, frames });
}

/** The same image with voxel axis j stored in reverse: data mirrored, origin at the old last row, column j negated. */
function storedFlippedJ(ref: Volume): Volume {
  const data = new Int16Array(ref.data.length);
  const [ni, nj, nk] = SIZE;
  for (let f = 0; f < ref.frames; f++) {
    for (let k = 0; k < nk; k++)
      for (let j = 0; j < nj; j++)
        for (let i = 0; i < ni; i++) {
          data[f * N + k * ni * nj + (nj - 1 - j) * ni + i] = ref.data[f * N + k * ni * nj + j * ni + i]!;
        }
  }
  const d = GEOMETRY.direction;
  return createVolume({
    geometry: {
      ...GEOMETRY,
      origin: [...indexToWorld(ref.geometry, [0, nj - 1, 0])],
      direction: [d[0]!, -d[1]!, d[2]!, d[3]!, -d[4]!, d[5]!, d[6]!, -d[7]!, d[8]!],
    },
    data,
    frames: ref.frames,
  });
}

describe('compareNiftiVolumes', () => {
  it('accepts the identical image and the same image stored with axis j reversed', () => {
    const ref = reference();
    expect(compareNiftiVolumes(ref, ref)).toMatchObject({ ok: true, equalFraction: 1 });
    const flipped = compareNiftiVolumes(ref, storedFlippedJ(ref));
    expect(flipped.ok).toBe(true);
    expect(flipped.detail).toContain('ref i,j,k -> our +i,-j,+k');
  });

  it('accepts float data equal after scaling, rejects a value scale and says so', () => {
    const ref = reference();
    const asFloat = createVolume({ geometry: GEOMETRY, data: Float32Array.from(ref.data, (v) => v * 1.000001), frames: 2 });
    expect(compareNiftiVolumes(ref, asFloat).ok).toBe(true);
    const scaled = createVolume({ geometry: GEOMETRY, data: Float32Array.from(ref.data, (v) => v * 2.5), frames: 2 });
    const r = compareNiftiVolumes(ref, scaled);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/scale 2\.5000/);
  });

  it('rejects pixels mirrored under an unchanged geometry and names the axis', () => {
    const ref = reference();
    const wrong = createVolume({ geometry: GEOMETRY, data: storedFlippedJ(ref).data, frames: 2 });
    const r = compareNiftiVolumes(ref, wrong);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/flipped along ref axis j/);
  });

  it('rejects volumes stacked as slices, a missing volume, swapped volumes and a shifted grid', () => {
    const ref = reference();
    const stacked = createVolume({ geometry: { ...GEOMETRY, size: [5, 4, 6] }, data: ref.data });
    expect(compareNiftiVolumes(ref, stacked).detail).toMatch(/2 volumes look stacked as slices along our axis k/);
    const one = createVolume({ geometry: GEOMETRY, data: ref.data.slice(0, N) });
    expect(compareNiftiVolumes(ref, one).detail).toMatch(/volumes: ref 2, ours 1/);
    const swapped = createVolume({ geometry: GEOMETRY, data: Int16Array.from([...ref.data.slice(N), ...ref.data.slice(0, N)]), frames: 2 });
    expect(compareNiftiVolumes(ref, swapped).detail).toMatch(/our volume 0 = ref volume 1/);
    const shifted = createVolume({ geometry: { ...GEOMETRY, origin: [10.002, -20, 30] }, data: ref.data, frames: 2 });
    const r = compareNiftiVolumes(ref, shifted);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/voxel centres up to 0\.002\d* mm apart/);
    const halfShift = createVolume({ geometry: { ...GEOMETRY, origin: [10, -20, 31.5] }, data: ref.data, frames: 2 });
    expect(compareNiftiVolumes(ref, halfShift).ok).toBe(false);
  });
});
