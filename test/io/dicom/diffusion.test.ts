/**
 * The diffusion table's refusals and rules (src/io/dicom/diffusion.ts) on synthetic headers; the
 * values themselves are judged against dcm2niix on real GE, UIH and Siemens / Philips DWI by
 * test/cli/convert-sidecar.test.ts and scripts/dcm-qa/sidecar-compare.mjs.
 */
import { describe, expect, it } from 'vitest';
import { readDiffusionTable } from '../../../src/io/dicom/diffusion.js';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import type { DataSet } from '../../../src/io/dicom/dataset.js';
import { buildDicom, type TestElement } from './build-dicom.js';

const AXIAL = '1\\0\\0\\0\\1\\0';
const SAGITTAL = '0\\1\\0\\0\\0\\-1';

/** One classic volume: manufacturer, orientation, phase-encoding axis and the vendor's diffusion elements. */
function volume(manufacturer: string, diffusion: TestElement[], iop = AXIAL, pe = 'COL'): DataSet {
  const elements: TestElement[] = [
    { group: 0x0008, element: 0x0060, vr: 'CS', value: 'MR' },
    { group: 0x0008, element: 0x0070, vr: 'LO', value: manufacturer },
    { group: 0x0018, element: 0x1312, vr: 'CS', value: pe },
    { group: 0x0020, element: 0x0037, vr: 'DS', value: iop },
    ...diffusion,
  ];
  return parseDicomBytes(buildDicom(elements.sort((a, b) => a.group - b.group || a.element - b.element)), 'v.dcm').dataSet;
}

const ge = (b: string, v: [string, string, string], iop = AXIAL, pe = 'COL') =>
  volume(
    'GE MEDICAL SYSTEMS',
    [
      { group: 0x0019, element: 0x10bb, vr: 'DS', value: v[0] },
      { group: 0x0019, element: 0x10bc, vr: 'DS', value: v[1] },
      { group: 0x0019, element: 0x10bd, vr: 'DS', value: v[2] },
      { group: 0x0043, element: 0x1039, vr: 'IS', value: `${b}\\8\\0\\0` },
    ],
    iop,
    pe,
  );
const standard = (b: number, v?: number[]) =>
  volume('Philips', [{ group: 0x0018, element: 0x9087, vr: 'FD', value: [b] }, ...(v ? [{ group: 0x0018, element: 0x9089, vr: 'FD', value: v }] : [])]);
const table = (vols: DataSet[]) => readDiffusionTable(vols.map((ds, k) => [ds, 0, `v${k}.dcm`] as const));

describe('diffusion table (meta.diffusion)', () => {
  it('standard attributes: b-values as stated, b = 0 without a direction, directions in patient LPS', () => {
    expect(table([standard(0), standard(1000, [0, 0.6, 0.8]), standard(1000, [1, 0, 0])])).toEqual({
      bValues: [0, 1000, 1000],
      directionsLps: [null, [0, 0.6, 0.8], [1, 0, 0]],
      source: 'DiffusionBValue / DiffusionGradientOrientation',
    });
  });

  it('GE: the 10^9 bias removed; image-axis components mapped as dcm2niix does on axial slices', () => {
    const t = table([ge('0', ['0', '0', '0']), ge('1000001000', ['0.6', '0.8', '0'])]);
    expect(t).toMatchObject({ bValues: [0, 1000], directionsLps: [null, [-0.6, -0.8, 0]] });
  });

  it('GE: non-axial slices and row phase encoding are refused (dcm2niix does not validate them), naming why', () => {
    expect(table([ge('0', ['0', '0', '0']), ge('1000', ['1', '0', '0'], SAGITTAL)])).toEqual({
      unavailable: 'GE gradient directions of non-axial slices are not validated (dcm2niix: "limited validation")',
    });
    expect(table([ge('0', ['0', '0', '0'], AXIAL, 'ROW'), ge('1000', ['1', '0', '0'], AXIAL, 'ROW')])).toMatchObject({
      unavailable: expect.stringContaining('row phase encoding'),
    });
  });

  it('refuses a volume without a b-value or a direction, and a non-unit direction; never guesses', () => {
    const noB = volume('Philips', []);
    expect(table([noB, standard(1000, [1, 0, 0])])).toEqual({ unavailable: 'volume 1 states no b-value' });
    expect(table([standard(0), standard(1000)])).toEqual({ unavailable: 'volume 2 (b = 1000) states no gradient direction' });
    expect(table([standard(0), standard(1000, [0.5, 0, 0])])).toEqual({ unavailable: 'volume 2: gradient direction of length 0.500, not a unit vector' });
  });

  it('no table for a series that is not a diffusion acquisition: no b-value, every b = 0 (GE fMRI), trace images only', () => {
    expect(table([volume('Philips', []), volume('Philips', [])])).toBeUndefined();
    expect(table([ge('0', ['0', '0', '0']), ge('0', ['0', '0', '0'])])).toBeUndefined();
    expect(table([standard(0, [0, 0, 0]), standard(1000, [0, 0, 0])])).toBeUndefined();
  });
});
