/**
 * Parts told apart by vendor private attributes only (src/io/dicom/vendor-frame-keys.ts), found by
 * the dcm2niix sweep over dcm_qa_xa30 / dcm_qa_xa30i (Siemens XA field maps: `_e2_ph`, `_e2`) and
 * dcm_qa_fmap/GE (GE B0map: magnitude + `_fieldmaphz`), dcm_qa_polar (GE epi_pepolar rows stored
 * reversed: dcm2niix flips them; modes 2 / 3 split by polarity). Synthetic files with the same attributes.
 */
import { describe, expect, test } from 'vitest';
import { readDicomSeriesParts } from '../../../src/io/dicom/index.js';
import { indexToWorld } from '../../../src/core/geometry.js';
import { classicSlice, enhancedFile, ROWS, sliceValue, type ClassicSlice } from './multivolume-synthetic.js';

const Z = [0, 2, 4];
const named = (slices: readonly ClassicSlice[]) => slices.map((s, k) => ({ name: `f${k}.dcm`, bytes: classicSlice(s) }));
const siemensXa = { '00080070': ['LO', 'Siemens Healthineers'] as const };

describe('Siemens XA: the echo number of the ICE dimensions string (0021,1106)', () => {
  test('classic phase difference without EchoNumbers > 1 is echo 2 (_e2_ph), as dcm2niix names it', async () => {
    const slices = Z.map((z, k) => ({
      z,
      inst: k + 1,
      echo: 1,
      imageType: 'ORIGINAL\\PRIMARY\\P\\DIS2D',
      value: 10 + k,
      extra: { ...siemensXa, '00210011': ['LO', 'SIEMENS MR SDI 02'] as const, '00211106': ['LO', 'X_2_1_1_1_1_1_1_1_1_1_1_629'] as const },
    }));
    const parts = await readDicomSeriesParts(named(slices));
    expect(parts.map((p) => [p.meta['part'], p.meta['echoNumber'], p.frames])).toEqual([['_e2_ph', 2, 1]]);
    for (let k = 0; k < 3; k++) expect(sliceValue(parts[0]!, k, 0)).toBe(10 + k);
  });

  test('enhanced: the ICE string of each frame, inside the private per-frame item (0021,11FE)', async () => {
    const ice = (echo: number) => ({
      '00211011': ['LO', 'SIEMENS MR SDI 02'] as const,
      '002111fe': ['SQ', [{ '00211106': ['LO', `X_${echo}_1_1_1`] }]] as const,
    });
    const file = enhancedFile(
      Z.map((z, k) => ({ pos: [0, 0, z] as [number, number, number], component: 'MAGNITUDE' as const, te: 7.38, value: 20 + k, extra: ice(2) })),
      { extra: siemensXa },
    );
    const parts = await readDicomSeriesParts([{ name: 'xa.dcm', bytes: file }]);
    expect(parts.map((p) => [p.meta['part'], p.meta['echoNumber']])).toEqual([['_e2', 2]]);
  });

  test('EchoNumbers above 1 win, and other vendors ignore (0021,1106)', async () => {
    const slices = (manufacturer: string, echo: number) =>
      Z.map((z, k) => ({ z, inst: k + 1, echo, value: k, extra: { '00080070': ['LO', manufacturer] as const, '00211106': ['LO', 'X_3_1'] as const } }));
    expect((await readDicomSeriesParts(named(slices('SIEMENS', 2))))[0]!.meta['part']).toBe('_e2');
    expect((await readDicomSeriesParts(named(slices('Philips', 1))))[0]!.meta['part'] ?? '').toBe('');
  });
});

describe('GE B0map: the first LocationsInAcquisition images are a field map in Hz', () => {
  const ge = (sequence: string, images: number) => ({
    '00080070': ['LO', 'GE MEDICAL SYSTEMS'] as const,
    '00190010': ['LO', 'GEMS_ACQU_01'] as const,
    '0019109c': ['LO', sequence] as const,
    '00210010': ['LO', 'GEMS_RELA_01'] as const,
    '0021104f': ['SS', 3] as const,
    '00201002': ['IS', String(images)] as const,
  });
  // InstanceNumber 1-3: field map (value 500 + k), 4-6: magnitude (value 100 + k); files listed magnitude first.
  const series = (sequence: string, images = 6) =>
    [1, 0].flatMap((v) => Z.map((z, k) => ({ z, inst: v * 3 + k + 1, value: (v === 0 ? 500 : 100) + k, extra: ge(sequence, images) })));

  test.each(['B0map', '3db0map'])('pulse sequence %s -> magnitude part and _fieldmaphz part, one volume each', async (sequence) => {
    const parts = await readDicomSeriesParts(named(series(sequence)));
    expect(parts.map((p) => [p.meta['part'], p.meta['imageComponent'], p.frames])).toEqual([
      ['', 'magnitude', 1],
      ['_fieldmaphz', 'fieldmap', 1],
    ]);
    for (let k = 0; k < 3; k++) {
      expect(sliceValue(parts[0]!, k, 0)).toBe(100 + k);
      expect(sliceValue(parts[1]!, k, 0)).toBe(500 + k);
    }
  });

  test('another sequence, or as many images as locations: one part (2 volumes / 1 volume), not split', async () => {
    const parts = await readDicomSeriesParts(named(series('epi')));
    expect(parts.map((p) => [p.meta['part'] ?? '', p.frames])).toEqual([['', 2]]);
    const one = await readDicomSeriesParts(named(series('B0map', 3).slice(0, 3)));
    expect(one.map((p) => [p.meta['part'] ?? '', p.frames])).toEqual([['', 1]]);
  });
});

describe('GE epi_pepolar: reversed-polarity volumes store their rows reversed under an unchanged header', () => {
  const pepolar = (mode: number) => ({
    '00080070': ['LO', 'GE MEDICAL SYSTEMS'] as const,
    '0019109c': ['LO', 'research/ABCD/epi_pepolar'] as const,
    '001910b3': ['DS', `${mode}.000000`] as const,
  });
  // value = 10 * volume + slice index; the header of every file says rows run anterior -> posterior from y = 0.
  const series = (mode: number) => [1, 2, 3, 4].flatMap((t) => Z.map((z, k) => ({ z, t, inst: (t - 1) * 3 + k + 1, value: 10 * t + k, extra: pepolar(mode) })));

  /** World y of the first and last stored row, and world z, of slice k of a part. */
  const rowsAt = (v: Awaited<ReturnType<typeof readDicomSeriesParts>>[number], k: number) => ({
    firstRowY: indexToWorld(v.geometry, [0, 0, k])[1],
    lastRowY: indexToWorld(v.geometry, [0, ROWS - 1, k])[1],
    z: indexToWorld(v.geometry, [0, 0, k])[2],
  });

  test('mode 0 (forward): rows where the header says', async () => {
    const [v] = await readDicomSeriesParts(named(series(0)));
    expect(v!.frames).toBe(4);
    for (let k = 0; k < 3; k++) {
      expect(rowsAt(v!, k)).toMatchObject({ firstRowY: 0, lastRowY: ROWS - 1 });
      expect(rowsAt(v!, k).z).toBeCloseTo(Z[sliceValue(v!, k, 0) % 10]!, 9);
    }
  });

  test('mode 1 (every volume reversed): the first stored row lies at the header last row, slices still at their z', async () => {
    const parts = await readDicomSeriesParts(named(series(1)));
    expect(parts).toHaveLength(1);
    const v = parts[0]!;
    expect(v.frames).toBe(4);
    for (let k = 0; k < 3; k++) {
      const at = rowsAt(v, k);
      expect(at.firstRowY).toBeCloseTo(ROWS - 1, 9);
      expect(at.lastRowY).toBeCloseTo(0, 9);
      expect(at.z).toBeCloseTo(Z[sliceValue(v, k, 0) % 10]!, 9);
    }
  });

  test('mode 2 (odd volumes reversed): forward volumes 2, 4 in the magnitude part, reversed 1, 3 in _rev, each on its own grid', async () => {
    const parts = await readDicomSeriesParts(named(series(2)));
    expect(parts.map((p) => [p.meta['part'], p.frames])).toEqual([
      ['', 2],
      ['_rev', 2],
    ]);
    const [fwd, rev] = parts as [(typeof parts)[number], (typeof parts)[number]];
    expect([0, 1].map((t) => Math.floor(sliceValue(fwd, 0, t) / 10))).toEqual([2, 4]);
    expect([0, 1].map((t) => Math.floor(sliceValue(rev, 0, t) / 10))).toEqual([1, 3]);
    expect(rowsAt(fwd, 0)).toMatchObject({ firstRowY: 0, lastRowY: ROWS - 1 });
    expect(rowsAt(rev, 0).firstRowY).toBeCloseTo(ROWS - 1, 9);
  });
});

describe('Philips DWI: the derived isotropic (trace) volume inside the series', () => {
  /** Classic Philips diffusion attributes: b in (2001,1003) FL, gradient in (2005,10B0-B2) FL. */
  const dwi = (b: number, dir: [number, number, number]) => ({
    '00080070': ['LO', 'Philips Medical Systems'] as const,
    '20011003': ['FL', b] as const,
    '200510b0': ['FL', dir[0]] as const,
    '200510b1': ['FL', dir[1]] as const,
    '200510b2': ['FL', dir[2]] as const,
  });
  const VOLUMES: [number, [number, number, number]][] = [
    [0, [0, 0, 0]],
    [1000, [1, 0, 0]],
    [1000, [0, 0, 0]], // trace: b > 0, no direction
    [1000, [0, 1, 0]],
  ];
  const series = (volumes: typeof VOLUMES) =>
    volumes.flatMap(([b, dir], t) => Z.map((z, k) => ({ z, inst: t * 3 + k + 1, value: 10 * t + k, extra: dwi(b, dir) })));

  test('b > 0 with a zero gradient: the plain 4D leaves it out, _ADC is the whole series with it last (as dcm2niix)', async () => {
    const parts = await readDicomSeriesParts(named(series(VOLUMES)));
    expect(parts.map((p) => [p.meta['part'], p.frames])).toEqual([
      ['', 3],
      ['_ADC', 4],
    ]);
    expect([0, 1, 2].map((t) => Math.floor(sliceValue(parts[0]!, 0, t) / 10))).toEqual([0, 1, 3]);
    expect([0, 1, 2, 3].map((t) => Math.floor(sliceValue(parts[1]!, 0, t) / 10))).toEqual([0, 1, 3, 2]);
    expect(sliceValue(parts[1]!, 2, 3)).toBe(22);
  });

  test('b = 0 + trace only, or another vendor: one part', async () => {
    const two = await readDicomSeriesParts(named(series([VOLUMES[0]!, VOLUMES[2]!])));
    expect(two.map((p) => [p.meta['part'] ?? '', p.frames])).toEqual([['', 2]]);
    const other = series(VOLUMES).map((s) => ({ ...s, extra: { ...s.extra, '00080070': ['LO', 'SIEMENS'] as const } }));
    expect((await readDicomSeriesParts(named(other))).map((p) => p.frames)).toEqual([4]);
  });
});
