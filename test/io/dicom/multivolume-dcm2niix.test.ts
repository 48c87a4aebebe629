/**
 * Multi-volume series from the dcm2niix QA repositories against the NIfTI dcm2niix wrote for them
 * (test/fixtures/dicom/multivolume/SOURCES.md): the same parts (suffixes), and every voxel of the
 * reference found at the same world position (1e-3 mm) in the same volume with the same value.
 * Philips values are compared after a linear fit: dcm2niix writes Philips "floating point"
 * values (private scale slope), which this reader does not apply (yet); geometry and ordering
 * are exact either way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { readDicomSeriesParts } from '../../../src/io/dicom/index.js';
import { readNifti } from '../../../src/io/nifti/index.js';
import { affineFromGeometry } from '../../../src/core/geometry.js';
import type { Volume } from '../../../src/core/volume.js';
import { FIXTURES } from './helpers.js';

const DIR = join(FIXTURES, 'multivolume');

function inputs(rel: string): { name: string; bytes: Uint8Array }[] {
  const dir = join(DIR, rel);
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const raw = new Uint8Array(readFileSync(join(dir, name)));
      return { name, bytes: name.endsWith('.gz') ? new Uint8Array(gunzipSync(raw)) : raw };
    });
}

/** Voxel index in `ours` of each reference voxel: inv(A_ours) * A_ref, checked to land on voxel centres. */
function indexMap(ours: Volume, ref: Volume): { map: (i: number, j: number, k: number) => [number, number, number]; worstMm: number } {
  const a = affineFromGeometry(ours.geometry);
  const b = affineFromGeometry(ref.geometry);
  const m3 = [
    [a[0]!, a[1]!, a[2]!],
    [a[4]!, a[5]!, a[6]!],
    [a[8]!, a[9]!, a[10]!],
  ];
  const det =
    m3[0]![0]! * (m3[1]![1]! * m3[2]![2]! - m3[1]![2]! * m3[2]![1]!) -
    m3[0]![1]! * (m3[1]![0]! * m3[2]![2]! - m3[1]![2]! * m3[2]![0]!) +
    m3[0]![2]! * (m3[1]![0]! * m3[2]![1]! - m3[1]![1]! * m3[2]![0]!);
  const cof = (r: number, c: number): number =>
    m3[(r + 1) % 3]![(c + 1) % 3]! * m3[(r + 2) % 3]![(c + 2) % 3]! - m3[(r + 1) % 3]![(c + 2) % 3]! * m3[(r + 2) % 3]![(c + 1) % 3]!;
  const inv = [0, 1, 2].map((r) => [0, 1, 2].map((c) => cof(c, r) / det));
  const real = (i: number, j: number, k: number): number[] => {
    const w = [0, 1, 2].map((r) => b[r * 4]! * i + b[r * 4 + 1]! * j + b[r * 4 + 2]! * k + b[r * 4 + 3]! - a[r * 4 + 3]!);
    return [0, 1, 2].map((r) => inv[r]![0]! * w[0]! + inv[r]![1]! * w[1]! + inv[r]![2]! * w[2]!);
  };
  const [rx, ry, rz] = ref.geometry.size;
  let worstMm = 0;
  for (const c of [
    [0, 0, 0],
    [rx - 1, 0, 0],
    [0, ry - 1, 0],
    [0, 0, rz - 1],
    [rx - 1, ry - 1, rz - 1],
  ]) {
    real(c[0]!, c[1]!, c[2]!).forEach((x, r) => {
      worstMm = Math.max(worstMm, Math.abs(x - Math.round(x)) * ours.geometry.spacing[r]!);
    });
  }
  return { map: (i, j, k) => real(i, j, k).map(Math.round) as [number, number, number], worstMm };
}

/** Pairs (ours, reference) for every reference voxel of every volume; fails on voxels outside our grid. */
function pairs(ours: Volume, ref: Volume): { a: Float64Array; b: Float64Array; worstMm: number } {
  const { map, worstMm } = indexMap(ours, ref);
  const [rx, ry, rz] = ref.geometry.size;
  const [ox, oy, oz] = ours.geometry.size;
  const n = rx * ry * rz;
  const a = new Float64Array(n * ref.frames);
  const b = new Float64Array(n * ref.frames);
  let p = 0;
  let outside = 0;
  for (let k = 0; k < rz; k++)
    for (let j = 0; j < ry; j++)
      for (let i = 0; i < rx; i++) {
        const [x, y, z] = map(i, j, k);
        if (!(x >= 0 && y >= 0 && z >= 0 && x < ox && y < oy && z < oz)) {
          outside++;
          continue;
        }
        for (let t = 0; t < ref.frames; t++) {
          a[t * n + p] = ours.data[x + ox * (y + oy * (z + oz * t))]!;
          b[t * n + p] = ref.data[i + rx * (j + ry * (k + rz * t))]!;
        }
        p++;
      }
  expect(outside).toBe(0);
  return { a, b, worstMm };
}

/** Largest |s*a + c - b| after a least-squares fit, relative to max |b|. */
function fitResidual(a: Float64Array, b: Float64Array): number {
  let sa = 0,
    sb = 0,
    saa = 0,
    sab = 0,
    mb = 0;
  for (let p = 0; p < a.length; p++) {
    sa += a[p]!;
    sb += b[p]!;
    saa += a[p]! * a[p]!;
    sab += a[p]! * b[p]!;
    mb = Math.max(mb, Math.abs(b[p]!));
  }
  const n = a.length;
  const s = (n * sab - sa * sb) / (n * saa - sa * sa);
  const c = (sb - s * sa) / n;
  let worst = 0;
  for (let p = 0; p < n; p++) worst = Math.max(worst, Math.abs(s * a[p]! + c - b[p]!));
  return worst / mb;
}

const CASES: { label: string; input: string; refs: Record<string, string>; frames: number; philips: boolean }[] = [
  { label: 'GE classic fMRI, slices x 3 volumes (InstanceNumber order)', input: 'ge-rtia', refs: { '': 'GE_Brain_Routine_2' }, frames: 3, philips: false },
  { label: 'Siemens XA enhanced, one file per volume', input: 'siemens-xa10', refs: { '': 'Siemens_REST1_w_SMS_PF7-8_6' }, frames: 4, philips: false },
  {
    label: 'Philips enhanced B0 map: magnitude echo + field map (TE 0)',
    input: 'philips-b0',
    refs: { _e1: 'Philips_WIP_B0_NS_801_e1', _e2_fieldmaphz: 'Philips_WIP_B0_NS_801_e2_fieldmaphz' },
    frames: 1,
    philips: true,
  },
  {
    label: 'Philips enhanced field mapping: 2 echoes x magnitude / phase in one file',
    input: 'philips-fieldmap',
    refs: {
      _e1: '2001_WIP_fcMRI_Field_Mapping_enh_e1',
      _e1_ph: '2001_WIP_fcMRI_Field_Mapping_enh_e1_ph',
      _e2: '2001_WIP_fcMRI_Field_Mapping_enh_e2',
      _e2_ph: '2001_WIP_fcMRI_Field_Mapping_enh_e2_ph',
    },
    frames: 1,
    philips: true,
  },
  {
    label: 'Philips enhanced 3D pCASL: label / control volumes in stored order',
    input: 'philips-pcasl',
    refs: { '': '1903_WIP_SOURCE_3DpCASL_enh' },
    frames: 6,
    philips: true,
  },
];

describe('multi-volume DICOM agrees with dcm2niix (parts, world positions 1e-3 mm, volume order, values)', () => {
  test.each(CASES)('$label', async ({ input, refs, frames, philips }) => {
    const parts = await readDicomSeriesParts(inputs(input), { name: input });
    expect(parts.map((p) => String(p.meta['part'] ?? ''))).toEqual(Object.keys(refs));
    for (const ours of parts) {
      const refName = refs[String(ours.meta['part'] ?? '')]!;
      const ref = await readNifti(new Uint8Array(readFileSync(join(DIR, 'ref', `${refName}.nii.gz`))), { name: refName });
      expect(ours.frames).toBe(frames);
      expect(ref.frames).toBe(frames);
      expect(ours.data.length).toBe(ref.data.length);
      const { a, b, worstMm } = pairs(ours, ref);
      expect(worstMm).toBeLessThan(1e-3);
      if (philips) {
        expect(fitResidual(a, b)).toBeLessThan(1e-5);
      } else {
        let differ = 0;
        for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) differ++;
        expect(differ).toBe(0);
      }
    }
  });
});
