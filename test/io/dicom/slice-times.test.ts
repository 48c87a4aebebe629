/**
 * SliceTiming of non-mosaic Siemens XA series from TimeAfterStart (0021,1104; src/io/dicom/slice-times.ts),
 * per file (classic) and per frame in the private item (0021,11FE) (enhanced), on synthetic files.
 * The times are the header's, relative to the second volume's first excitation, in the order of
 * the slices along the normal (the written file's k), whatever the file order.
 */
import { describe, expect, test } from 'vitest';
import { readDicomSeriesParts } from '../../../src/io/dicom/index.js';
import { classicSlice, enhancedFile, type ClassicSlice } from './multivolume-synthetic.js';

const Z = [0, 2, 4];
const xa = { '00080070': ['LO', 'Siemens Healthineers'] as const, '00181020': ['LO', 'syngo MR XA30'] as const };
const named = (slices: readonly ClassicSlice[]) => slices.map((s, k) => ({ name: `f${k}.dcm`, bytes: classicSlice(s) }));
const tas = (seconds: string) => ({ '00210011': ['LO', 'SIEMENS MR SDI 02'] as const, '00211104': ['DS', seconds] as const });

/** Two volumes of three slices, interleaved (z 0, 4 then 2); the first volume's times are off, as XA10 can state them. */
function classicRun(
  extra: Record<string, unknown> = xa,
  times = [
    ['7.0', '7.9', '7.4'],
    ['8.0', '8.5', '8.25'],
  ],
): ClassicSlice[] {
  return [0, 1].flatMap((t) =>
    Z.map((z, k) => ({ z, inst: 1 + k + 3 * t, t: t + 1, tr: 1000, value: 10 * t + k, extra: { ...extra, ...tas(times[t]![k]!) } as ClassicSlice['extra'] })),
  );
}

describe('Siemens XA SliceTiming from TimeAfterStart (0021,1104)', () => {
  test('classic: the second volume, relative to its first excitation, by slice position whatever the file order', async () => {
    const [part] = await readDicomSeriesParts(named(classicRun().reverse()));
    expect(part!.meta['sliceTimes']).toEqual([0, 0.5, 0.25]);
  });

  test('enhanced: the per-frame private item of each frame', async () => {
    const frame = (z: number, t: number, s: string) => ({
      pos: [0, 0, z] as [number, number, number],
      t,
      value: z + t,
      extra: { '00211011': ['LO', 'SIEMENS MR SDI 02'] as const, '002111fe': ['SQ', [{ '00211104': ['DS', s] }]] as const },
    });
    const file = enhancedFile([frame(0, 1, '3.0'), frame(2, 1, '3.6'), frame(4, 1, '3.3'), frame(0, 2, '4.0'), frame(2, 2, '4.6'), frame(4, 2, '4.3')], {
      extra: xa,
    });
    const [part] = await readDicomSeriesParts([{ name: 'xa.dcm', bytes: file }]);
    expect(part!.meta['sliceTimes']).toEqual([0, 0.6, 0.3]);
  });

  test('none from one volume, other vendors or versions, equal times, or times beyond the TR', async () => {
    const times = async (slices: readonly ClassicSlice[]) => (await readDicomSeriesParts(named(slices)))[0]!.meta['sliceTimes'];
    expect(await times(classicRun().slice(3))).toBeUndefined();
    expect(await times(classicRun({ '00080070': ['LO', 'SIEMENS'], '00181020': ['LO', 'syngo MR E11'] }))).toBeUndefined();
    expect(await times(classicRun({ '00080070': ['LO', 'UIH'], '00181020': ['LO', 'XA30'] }))).toBeUndefined();
    // Equal times (no slice order stated), and a second volume spanning 1.1 s of a 1 s TR.
    for (const second of [
      ['2', '2', '2'],
      ['2', '2.5', '3.1'],
    ])
      expect(await times(classicRun(xa, [['1', '1', '1'], second]))).toBeUndefined();
  });
});
