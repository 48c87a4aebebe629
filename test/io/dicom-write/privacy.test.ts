/** Patient identifiers go into the derived objects (same patient, same study) but never into errors. */
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../../src/core/volume.js';
import { isMedinferError } from '../../../src/core/errors.js';
import { createDicomSeg, createDicomSr, describeDicomSource, DICOM_CODES } from '../../../src/io/dicom-write/index.js';
import { encodePart10, formatDS } from '../../../src/io/dicom-write/encode.js';
import { parseDicomBytes, readString } from '../../../src/io/dicom/parse-header.js';
import { makeCase } from './case.js';
import { makeRadiograph, PATIENT_ID } from './source-series.js';

const SEGMENT = { label: 1, name: 'liver', category: DICOM_CODES.anatomicalStructure, type: { value: '10200004', scheme: 'SCT', meaning: 'Liver' } };
const ALGORITHM = { name: 'm', version: 'v' };
const SECRETS = ['Müller', 'Anna', 'Roe', 'Jane', PATIENT_ID, '19700101', 'ACC42', 'Jöhn'];

function expectClean(cause: string, fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(isMedinferError(thrown)).toBe(true);
  expect((thrown as { details: { cause?: string } }).details.cause).toBe(cause);
  const text = `${String((thrown as Error).message)} ${JSON.stringify((thrown as { details?: unknown }).details ?? {})}`;
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('privacy', () => {
  it('copies the patient and study modules into SEG and SR', async () => {
    const { labelMap, source } = await makeCase();
    const seg = createDicomSeg({ labels: labelMap, source, segments: [SEGMENT], algorithm: ALGORITHM });
    const sr = createDicomSr({ source, classifications: [{ label: 'x', score: 0.5, positive: true }], algorithm: ALGORITHM });
    for (const bytes of [seg, sr]) {
      const ds = parseDicomBytes(bytes, 'out').dataSet;
      // The writer re-encodes as UTF-8 (ISO_IR 192); the source was ISO_IR 100.
      expect(readString(ds, 'x00080005')).toBe('ISO_IR 192');
      expect(
        new TextDecoder()
          .decode(ds.byteArray.subarray(ds.elements['x00100010']!.dataOffset, ds.elements['x00100010']!.dataOffset + ds.elements['x00100010']!.length))
          .trim(),
      ).toBe('Müller^Anna');
      expect(readString(ds, 'x00100020')).toBe(PATIENT_ID);
      expect(readString(ds, 'x00080050')).toBe('ACC42');
    }
  });

  it('keeps identifiers out of every error', async () => {
    const { labelMap, source, volume } = await makeCase();
    const wrongGrid = createVolume({ geometry: { ...volume.geometry, origin: [0, 0, 0] }, data: labelMap.data });
    expectClean('grid-mismatch', () => createDicomSeg({ labels: wrongGrid, source, segments: [SEGMENT], algorithm: ALGORITHM }));
    const empty = createVolume({ geometry: volume.geometry, data: new Uint8Array(labelMap.data.length) });
    expectClean('empty-segmentation', () => createDicomSeg({ labels: empty, source, segments: [SEGMENT], algorithm: ALGORITHM }));
    const cxr = describeDicomSource([makeRadiograph()]);
    expectClean('no-patient-frame', () => createDicomSeg({ labels: labelMap, source: cxr, segments: [SEGMENT], algorithm: ALGORITHM }));
    expectClean('no-patient-frame', () =>
      createDicomSr({
        source: cxr,
        detections: [
          {
            label: 'n',
            score: 1,
            centerMm: [0, 0, 0],
            halfAxesMm: [
              [1, 0, 0],
              [0, 1, 0],
              [0, 0, 1],
            ],
          },
        ],
        algorithm: ALGORITHM,
      }),
    );
    const japanese = encodePart10({
      SpecificCharacterSet: ['ISO 2022 IR 6', 'ISO 2022 IR 87'],
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.1',
      SOPInstanceUID: '1.2.3',
      PatientName: 'Roe^Jane',
      PatientID: PATIENT_ID,
      StudyInstanceUID: '1.2',
      SeriesInstanceUID: '1.2.4',
      Rows: 1,
      Columns: 2,
      BitsAllocated: 8,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      PixelData: new Uint8Array([1, 2]),
    });
    expectClean('character-set', () => describeDicomSource([{ name: 'j.dcm', bytes: japanese }]));
  });
});

describe('formatDS', () => {
  it('fits 16 characters and hides float noise', () => {
    expect(formatDS(10.000000000000297)).toBe('10');
    expect(formatDS(-30.25)).toBe('-30.25');
    expect(formatDS(1 / 3)).toBe('0.333333333333');
    expect(formatDS(-123456.78901234567).length).toBeLessThanOrEqual(16);
    expect(formatDS(1.5e-20)).toBe('0');
    expect(formatDS(6.02e23)).toBe('6.02e+23');
  });
});
