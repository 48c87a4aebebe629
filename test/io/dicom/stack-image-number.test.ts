/**
 * stackImageNumber: the number in dcm2niix's `_i<N>` suffix - the InstanceNumber, or for Siemens XA
 * classic single-frame files with a SeriesTime SeriesNumber x 1000 + InstanceNumber (dcm2niix
 * issue 394; seen in dcm_qa_xa30i's scouts: _i2001001 for series 2001, instance 1).
 */
import { describe, expect, it } from 'vitest';
import { parseDicomBytes } from '../../../src/io/dicom/parse-header.js';
import { stackImageNumber } from '../../../src/io/dicom/stack-image-number.js';
import { buildDicom, imageElements, type TestElement } from './build-dicom.js';

const header = (extra: TestElement[]) => parseDicomBytes(buildDicom([...imageElements(), ...extra]), 'x.dcm').dataSet;
const siemensXa: TestElement[] = [
  { group: 0x0008, element: 0x0070, vr: 'LO', value: 'Siemens Healthineers' },
  { group: 0x0018, element: 0x1020, vr: 'LO', value: 'syngo MR XA30' },
  { group: 0x0008, element: 0x0031, vr: 'TM', value: '101112.000000' },
  { group: 0x0020, element: 0x0011, vr: 'IS', value: '2001' },
];

describe('stackImageNumber', () => {
  it('Siemens XA classic single-frame files with a SeriesTime: SeriesNumber x 1000 + InstanceNumber', () => {
    expect(stackImageNumber(header(siemensXa), 1, 1)).toBe(2001001);
  });

  it('the InstanceNumber otherwise: other software, no SeriesTime, multi-frame files, other vendors', () => {
    expect(stackImageNumber(header(siemensXa.map((e) => (e.element === 0x1020 ? { ...e, value: 'syngo MR E11' } : e))), 7, 1)).toBe(7);
    expect(stackImageNumber(header(siemensXa.filter((e) => e.element !== 0x0031)), 7, 1)).toBe(7);
    expect(stackImageNumber(header(siemensXa), 7, 40)).toBe(7);
    expect(stackImageNumber(header(siemensXa.map((e) => (e.element === 0x0070 ? { ...e, value: 'GE MEDICAL SYSTEMS' } : e))), 7, 1)).toBe(7);
  });
});
