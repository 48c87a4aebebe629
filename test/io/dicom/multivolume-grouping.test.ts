/**
 * Multi-volume series on synthetic files (src/io/dicom/series-parts.ts): repeated positions ->
 * 4D in acquisition order, echoes / image components -> parts with dcm2niix suffixes, and the
 * refusals (never a stack with the frame index as an axis, never a guess by file name).
 */
import { describe, expect, test } from 'vitest';
import { groupDicomSeries, readDicom, readDicomSeries, readDicomSeriesParts } from '../../../src/io/dicom/index.js';
import { selectInputVolume } from '../../../src/pipelines/select-volume.js';
import { createVolume } from '../../../src/core/volume.js';
import { classicSlice, COLS, enhancedFile, ROWS, sliceValue, type ClassicSlice } from './multivolume-synthetic.js';

/** Files named so that name order is neither slice nor volume order. */
function files(slices: readonly ClassicSlice[]): { name: string; bytes: Uint8Array }[] {
  return slices
    .map((s, k) => ({ name: `f${String((k * 7) % slices.length).padStart(2, '0')}-${k}.dcm`, bytes: classicSlice(s) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

const Z = [0, 2, 4];

describe('classic single-frame files', () => {
  test('repeated positions + TemporalPositionIdentifier -> 4D, volumes in temporal order, slices along the normal', async () => {
    // InstanceNumber runs slice-major; temporal ids say which volume.
    const slices = Z.flatMap((z, k) => [1, 2, 3, 4].map((t) => ({ z, t, inst: k * 4 + t, value: 100 * t + k, tr: 2000 })));
    const v = await readDicomSeries(files(slices), { name: 'fmri' });
    expect(v.geometry.size).toEqual([COLS, ROWS, 3]);
    expect(v.frames).toBe(4);
    expect(v.geometry.spacing[2]).toBeCloseTo(2, 9);
    for (let t = 0; t < 4; t++) for (let k = 0; k < 3; k++) expect(sliceValue(v, k, t)).toBe(100 * (t + 1) + k);
    expect(v.meta).toMatchObject({ part: '', imageComponent: 'magnitude', volumeIndexAttribute: 'TemporalPositionIdentifier', repetitionTime: 2000 });
  });

  test('no temporal ids: InstanceNumber orders the volumes at each position', async () => {
    const slices = Z.flatMap((z, k) => [0, 1].map((t) => ({ z, inst: 1 + t * 3 + k, value: 10 * t + k })));
    const v = await readDicomSeries(files(slices));
    expect(v.frames).toBe(2);
    for (let t = 0; t < 2; t++) for (let k = 0; k < 3; k++) expect(sliceValue(v, k, t)).toBe(10 * t + k);
    expect(v.meta['volumeIndexAttribute']).toBe('InstanceNumber');
  });

  const echoPhase = Z.flatMap((z, k) =>
    [1, 2].flatMap((echo) =>
      ['M', 'P'].map((c, ci) => ({
        z,
        echo,
        te: 5 * echo,
        inst: k + 3 * (ci + 2 * (echo - 1)) + 1,
        imageType: `ORIGINAL\\PRIMARY\\${c}\\ND`,
        value: 1000 * echo + 100 * ci + k,
      })),
    ),
  );

  test('echoes x magnitude / phase -> four parts named as dcm2niix names them; a series read refuses to merge them', async () => {
    const err = await readDicomSeries(files(echoPhase), { name: 'me' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_INPUT', details: { cause: 'several-parts', parts: ['_e1', '_e1_ph', '_e2', '_e2_ph'], file: 'me' } });
    expect((err as Error).message).toMatch(/'_e2_ph' \(echo 2 phase, 1 volume\)/);
    const parts = await readDicomSeriesParts(files(echoPhase));
    expect(parts.map((p) => [p.meta['part'], p.meta['echoNumber'], p.meta['imageComponent'], p.frames])).toEqual([
      ['_e1', 1, 'magnitude', 1],
      ['_e1_ph', 1, 'phase', 1],
      ['_e2', 2, 'magnitude', 1],
      ['_e2_ph', 2, 'phase', 1],
    ]);
    for (const p of parts) {
      const echo = p.meta['echoNumber'] as number;
      const ci = p.meta['imageComponent'] === 'phase' ? 1 : 0;
      for (let k = 0; k < 3; k++) expect(sliceValue(p, k, 0)).toBe(1000 * echo + 100 * ci + k);
    }
  });

  test('one part selected by suffix or by echo + component', async () => {
    const a = await readDicomSeries(files(echoPhase), { part: '_e2_ph' });
    const b = await readDicomSeries(files(echoPhase), { echo: 2, component: 'phase' });
    expect(sliceValue(a, 1, 0)).toBe(2101);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    await expect(readDicomSeries(files(echoPhase), { part: '_e3' })).rejects.toMatchObject({ details: { cause: 'no-such-part' } });
    await expect(readDicomSeries(files(echoPhase), { echo: 0 })).rejects.toMatchObject({ code: 'E_USAGE', details: { field: 'echo' } });
  });

  test('groupDicomSeries lists the parts with their volume and slice counts', async () => {
    const [g] = await groupDicomSeries(files(echoPhase));
    expect(g!.parts).toEqual([
      { part: '_e1', echoNumber: 1, component: 'magnitude', volumes: 1, slices: 3 },
      { part: '_e1_ph', echoNumber: 1, component: 'phase', volumes: 1, slices: 3 },
      { part: '_e2', echoNumber: 2, component: 'magnitude', volumes: 1, slices: 3 },
      { part: '_e2_ph', echoNumber: 2, component: 'phase', volumes: 1, slices: 3 },
    ]);
  });

  test('a series of echo 2 only keeps its echo suffix (Siemens field-map phase difference -> _e2_ph)', async () => {
    const phasediff = Z.map((z, k) => ({ z, echo: 2, te: 7.38, inst: k + 1, imageType: 'ORIGINAL\\PRIMARY\\P\\ND', value: k }));
    const v = await readDicomSeries(files(phasediff));
    expect(v.meta).toMatchObject({ part: '_e2_ph', echoNumber: 2, imageComponent: 'phase' });
  });

  test('vendor phase flags: Philips ImageType PHASE MAP, GE private (0043,102F) = 1', async () => {
    const philips = Z.map((z, k) => ({ z, inst: k + 1, imageType: 'ORIGINAL\\PRIMARY\\PHASE MAP\\P\\FFE', value: k }));
    expect((await readDicomSeries(files(philips))).meta['part']).toBe('_ph');
    const ge = Z.flatMap((z, k) => [0, 1].map((c) => ({ z, inst: 2 * k + c + 1, imageType: 'ORIGINAL\\PRIMARY\\OTHER', gePrivateType: c, value: 10 * c + k })));
    const parts = await readDicomSeriesParts(files(ge));
    expect(parts.map((p) => p.meta['part'])).toEqual(['', '_ph']);
    expect(sliceValue(parts[1]!, 2, 0)).toBe(12);
  });

  test("Philips SWI: ImageType SW_M_FFE / SW_P_FFE (the component is one '_' part of a value) split magnitude and phase", async () => {
    // As dicom2nifti's tests/data/philips/anatomical/002 (and dcm2niix, which writes out + out_ph):
    // magnitude and phase at the same positions, one series; both once read as one 4D magnitude.
    const swi = Z.flatMap((z, k) =>
      ['M', 'P'].map((c, n) => ({ z, inst: 4 * n + k + 1, imageType: `ORIGINAL\\PRIMARY\\SW_${c}_FFE\\SW_${c}\\FFE`, value: 10 * n + k })),
    );
    const parts = await readDicomSeriesParts(files(swi));
    expect(parts.map((p) => [p.meta['part'], p.meta['imageComponent'], p.geometry.size.join('x'), p.frames])).toEqual([
      ['', 'magnitude', `${COLS}x${ROWS}x3`, 1],
      ['_ph', 'phase', `${COLS}x${ROWS}x3`, 1],
    ]);
    expect(sliceValue(parts[1]!, 2, 0)).toBe(12);
  });

  test('refused: duplicates that nothing orders, uneven volumes, volumes mixing temporal positions', async () => {
    const dup = [...Z.map((z, k) => ({ z, value: k })), { z: 2, value: 9 }];
    await expect(readDicomSeries(files(dup), { name: 'dup' })).rejects.toMatchObject({ code: 'E_INPUT', details: { cause: 'duplicate-position' } });
    const noInstance = Z.flatMap((z, k) => [0, 1].map((t) => ({ z, value: 10 * t + k })));
    await expect(readDicomSeries(files(noInstance))).rejects.toMatchObject({ details: { cause: 'duplicate-position' } });
    const uneven = [...Z.flatMap((z, k) => [1, 2].map((t) => ({ z, t, inst: 2 * k + t, value: k }))), { z: 4, t: 3, inst: 99, value: 1 }];
    await expect(readDicomSeries(files(uneven))).rejects.toMatchObject({ details: { cause: 'incomplete-volumes', minFrames: 2, maxFrames: 3 } });
    const mixed = [
      { z: 0, t: 1, inst: 1, value: 0 },
      { z: 0, t: 2, inst: 2, value: 0 },
      { z: 2, t: 3, inst: 3, value: 0 },
      { z: 2, t: 4, inst: 4, value: 0 },
    ];
    await expect(readDicomSeries(files(mixed))).rejects.toMatchObject({ details: { cause: 'inconsistent-volumes' } });
  });
});

describe('enhanced multi-frame files', () => {
  test('positions x TemporalPositionIndex in one file -> 4D; slice-major storage reordered along the normal', async () => {
    const frames = [4, 0, 2].flatMap((z) => [1, 2, 3].map((t) => ({ pos: [0, 0, z] as [number, number, number], t, value: 100 * t + z })));
    const v = await readDicom(enhancedFile(frames), { name: 'enh' });
    expect(v.geometry.size).toEqual([COLS, ROWS, 3]);
    expect(v.frames).toBe(3);
    expect(v.geometry.origin).toEqual([0, 0, 0]);
    for (let t = 0; t < 3; t++) for (let k = 0; k < 3; k++) expect(sliceValue(v, k, t)).toBe(100 * (t + 1) + 2 * k);
    expect(v.meta['volumeIndexAttribute']).toBe('stored frame order');
  });

  test('ComplexImageComponent MAGNITUDE / PHASE -> two parts; readDicom refuses to pick, { part } selects', async () => {
    const frames = [0, 2].flatMap((z) =>
      (['MAGNITUDE', 'PHASE'] as const).map((component, c) => ({ pos: [0, 0, z] as [number, number, number], component, value: 10 * c + z })),
    );
    const bytes = enhancedFile(frames);
    await expect(readDicom(bytes, { name: 'mp.dcm' })).rejects.toMatchObject({ details: { cause: 'several-parts', parts: ['', '_ph'], file: 'mp.dcm' } });
    const ph = await readDicom(bytes, { part: '_ph' });
    expect(ph.geometry.size[2]).toBe(2);
    expect([sliceValue(ph, 0, 0), sliceValue(ph, 1, 0)]).toEqual([10, 12]);
    expect(ph.meta).toMatchObject({ part: '_ph', imageComponent: 'phase' });
  });

  test('frames in different orientations are refused, never stacked', async () => {
    const frames = [
      { pos: [0, 0, 0] as [number, number, number], iop: [1, 0, 0, 0, 1, 0], value: 1 },
      { pos: [0, 0, 2] as [number, number, number], iop: [1, 0, 0, 0, 0, -1], value: 2 },
    ];
    await expect(readDicom(enhancedFile(frames, { sharedOrientation: false }), { name: 'loc.dcm' })).rejects.toMatchObject({
      code: 'E_INPUT',
      details: { cause: 'mixed-orientation', orientations: 2 },
    });
  });

  test('cine without positions -> 4D of one slice, frames in stored order', async () => {
    const frames = [5, 3, 8, 1, 7].map((value) => ({ value }));
    const v = await readDicom(enhancedFile(frames, { sharedOrientation: false }), { name: 'cine.dcm' });
    expect(v.geometry.size).toEqual([COLS, ROWS, 1]);
    expect(v.frames).toBe(5);
    expect([0, 1, 2, 3, 4].map((t) => sliceValue(v, 0, t))).toEqual([5, 3, 8, 1, 7]);
  });

  test('several files with one volume each (Siemens XA): a 4D series ordered by InstanceNumber / temporal index', async () => {
    const vol = (t: number): Uint8Array => enhancedFile([0, 2].map((z) => ({ pos: [0, 0, z] as [number, number, number], t, value: 10 * t + z })));
    const v = await readDicomSeries([
      { name: 'b.dcm', bytes: vol(2) },
      { name: 'a.dcm', bytes: vol(3) },
      { name: 'c.dcm', bytes: vol(1) },
    ]);
    expect(v.frames).toBe(3);
    expect([0, 1, 2].map((t) => sliceValue(v, 1, t))).toEqual([12, 22, 32]);
  });
});

describe('a 3D model given a multi-volume input', () => {
  const fourD = createVolume({
    geometry: { size: [2, 1, 1] },
    data: new Int16Array([1, 2, 3, 4, 5, 6]),
    frames: 3,
    meta: { format: 'dicom', volumeIndexAttribute: 'TemporalPositionIdentifier' },
  });

  test('takes the named volume (0-based)', () => {
    const v = selectInputVolume(fourD, 1, 'x');
    expect(v.frames).toBe(1);
    expect(Array.from(v.data)).toEqual([3, 4]);
    expect(v.meta).toMatchObject({ selectedVolume: 1, volumesInSource: 3 });
  });

  test('refuses without a choice, or with one out of range, listing the volumes', () => {
    expect(() => selectInputVolume(fourD, undefined, 'x')).toThrow(/3 volumes ordered by TemporalPositionIdentifier \(0\.\.2\).*\{ volume: n \}/);
    expect(() => selectInputVolume(fourD, 3, 'x')).toThrow(expect.objectContaining({ details: expect.objectContaining({ cause: 'no-such-volume' }) }));
    expect(() => selectInputVolume(fourD, -1, 'x')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  test('NIfTI frames (channels, e.g. BraTS) pass unchanged without a choice', () => {
    const nifti = createVolume({ geometry: { size: [2, 1, 1] }, data: new Int16Array(4), frames: 2, meta: { format: 'nifti' } });
    expect(selectInputVolume(nifti, undefined, 'x')).toBe(nifti);
  });
});
