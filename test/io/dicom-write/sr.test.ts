import { describe, expect, it } from 'vitest';
import { parseDicomBytes, readString, sequenceItems, firstItem, readNumbers } from '../../../src/io/dicom/parse-header.js';
import { createDicomSeg, createDicomSr, DICOM_CODES, type SegmentDescription, type SrDetection } from '../../../src/io/dicom-write/index.js';
import { FOR_UID, SERIES_UID, STUDY_UID, sopUid } from './source-series.js';
import { makeCase } from './case.js';
import { hasDciodvfy, runDciodvfy, srContentItems } from './helpers.js';

const SEGMENTS: SegmentDescription[] = [
  { label: 1, name: 'liver', category: DICOM_CODES.anatomicalStructure, type: { value: '10200004', scheme: 'SCT', meaning: 'Liver' } },
  { label: 2, name: 'tumour', category: DICOM_CODES.morphologicallyAlteredStructure, type: { value: '108369006', scheme: 'SCT', meaning: 'Neoplasm' } },
];
const ALGORITHM = { name: 'test-model', version: 'b'.repeat(64) };
const DETECTION: SrDetection = {
  label: 'nodule',
  score: 0.875,
  centerMm: [10, -20, 30],
  halfAxesMm: [
    [3, 0, 0],
    [0, 2, 0],
    [0, 0, 4],
  ],
};

async function makeSr() {
  const c = await makeCase();
  const seg = createDicomSeg({ labels: c.labelMap, source: c.source, segments: SEGMENTS, algorithm: ALGORITHM });
  const sr = createDicomSr({
    source: c.source,
    seg: { bytes: seg },
    volumes: [
      { segmentNumber: 1, volumeMm3: 1234.5 },
      { segmentNumber: 2, volumeMm3: 24 },
    ],
    detections: [DETECTION],
    classifications: [
      { label: 'pneumonia', score: 0.25, positive: false },
      { label: 'effusion', finding: { value: '60046008', scheme: 'SCT', meaning: 'Pleural effusion' }, score: 0.9, positive: true },
    ],
    algorithm: ALGORITHM,
  });
  return { ...c, seg, sr };
}

describe('createDicomSr', () => {
  it('holds the volumes, the detection and the classifications, referencing SEG and source', async () => {
    const { seg, sr } = await makeSr();
    const ds = parseDicomBytes(sr, 'sr.dcm').dataSet;
    expect(readString(ds, 'x00080016')).toBe('1.2.840.10008.5.1.4.1.1.88.34');
    expect(readString(ds, 'x0020000d')).toBe(STUDY_UID);
    expect(readString(ds, 'x0040a493')).toBe('UNVERIFIED');
    expect(readString(firstItem(ds, 'x0040a504')!, 'x0040db00')).toBe('1500');
    const segUid = readString(parseDicomBytes(seg, 'seg').dataSet, 'x00080018');
    const items = srContentItems(ds);
    const groups = items.filter((i) => i.meaning === 'Measurement Group').map((g) => srContentItems(g.item));
    expect(groups).toHaveLength(5);
    const volumes = groups.slice(0, 2).map((g) => {
      const ref = firstItem(g.find((i) => i.meaning === 'Referenced Segment')!.item, 'x00081199')!;
      expect(readString(ref, 'x00081155')).toBe(segUid);
      const num = firstItem(g.find((i) => i.meaning === 'Volume')!.item, 'x0040a300')!;
      expect(readString(firstItem(num, 'x004008ea')!, 'x00080100')).toBe('mm3');
      return [ref.uint16('x0062000b'), readNumbers(num, 'x0040a30a')![0]];
    });
    expect(volumes).toEqual([
      [1, 1234.5],
      [2, 24],
    ]);
    const det = groups[2]!;
    expect(readString(firstItem(items.filter((i) => i.meaning === 'Measurement Group')[2]!.item, 'x0040a504')!, 'x0040db00')).toBe('1410');
    const region = det.find((i) => i.meaning === 'Image Region')!.item;
    expect(readString(region, 'x0040a040')).toBe('SCOORD3D');
    expect(readString(region, 'x00700023')).toBe('POLYGON');
    expect(readString(region, 'x30060024')).toBe(FOR_UID);
    const gd = Array.from({ length: 15 }, (_, n) => region.float('x00700022', n));
    expect(region.float('x00700022', 15)).toBeUndefined();
    // The box's i x j rectangle through its centre (z = 30), closed: first corner repeated last.
    expect(gd).toEqual([7, -22, 30, 13, -22, 30, 13, -18, 30, 7, -18, 30, 7, -22, 30]);
    expect(det.some((i) => i.meaning === 'Volume Surface' || i.meaning === 'Source series for segmentation')).toBe(false);
    const mm = (meaning: string) => {
      const value = firstItem(det.find((i) => i.meaning === meaning)!.item, 'x0040a300')!;
      expect(readString(firstItem(value, 'x004008ea')!, 'x00080100')).toBe('mm');
      return readNumbers(value, 'x0040a30a')![0];
    };
    expect([mm('Length'), mm('Width'), mm('Height')]).toEqual([6, 4, 8]);
    const score = firstItem(det.find((i) => i.meaning === 'Model score')!.item, 'x0040a300')!;
    expect(readNumbers(score, 'x0040a30a')![0]).toBe(0.875);
    const effusion = groups[4]!.find((i) => i.meaning === 'Pleural effusion')!.item;
    expect(readString(firstItem(effusion, 'x0040a168')!, 'x00080104')).toBe('Present');
    const evidence = sequenceItems(firstItem(ds, 'x0040a375')!, 'x00081115');
    expect(evidence.map((s) => readString(s, 'x0020000e'))).toEqual([SERIES_UID, readString(parseDicomBytes(seg, 'seg').dataSet, 'x0020000e')]);
    expect(sequenceItems(evidence[0]!, 'x00081199').map((r) => readString(r, 'x00081155'))).toEqual([0, 1, 2, 3, 4, 5].map(sopUid));
  });

  it('refuses a 3D box with no extent in the slice plane (TID 1410 has no point region)', async () => {
    const { source } = await makeCase();
    const flat: SrDetection = {
      ...DETECTION,
      halfAxesMm: [
        [3, 0, 0],
        [0, 0, 0],
        [0, 0, 4],
      ],
    };
    expect(() => createDicomSr({ source, detections: [flat], algorithm: ALGORITHM })).toThrow(
      /detection 1 \('nodule'\) has no finite extent in the slice plane/,
    );
  });

  it('passes dciodvfy without an Error line', async (ctx) => {
    if (!hasDciodvfy()) {
      console.warn('dciodvfy (dicom3tools) not installed: skipping the IOD check');
      ctx.skip();
    }
    const { sr } = await makeSr();
    const lines = runDciodvfy(sr, 'sr.dcm');
    expect(lines.filter((l) => /Error/.test(l))).toEqual([]);
  });
});
