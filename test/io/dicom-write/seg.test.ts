import { describe, expect, it } from 'vitest';
import { readDicom } from '../../../src/io/dicom/index.js';
import { decodeDicomFrames } from '../../../src/io/dicom/read-dicom.js';
import { parseDicomBytes, readString, sequenceItems, firstItem } from '../../../src/io/dicom/parse-header.js';
import { createDicomSeg, DICOM_CODES, readDicomSegLabels, type SegmentDescription } from '../../../src/io/dicom-write/index.js';
import { COLUMNS, FOR_UID, PATIENT_ID, PATIENT_NAME, ROWS, SERIES_UID, slicePosition, sopUid, STUDY_UID } from './source-series.js';
import { makeCase } from './case.js';
import { hasDciodvfy, runDciodvfy, segToLabels } from './helpers.js';

const LIVER = { value: '10200004', scheme: 'SCT', meaning: 'Liver' };
const TUMOUR = { value: '108369006', scheme: 'SCT', meaning: 'Neoplasm' };
const SPLEEN = { value: '78961009', scheme: 'SCT', meaning: 'Spleen' };
const SEGMENTS: SegmentDescription[] = [
  { label: 1, name: 'liver', category: DICOM_CODES.anatomicalStructure, type: LIVER, color: [221, 130, 101] },
  { label: 2, name: 'tumour', category: DICOM_CODES.morphologicallyAlteredStructure, type: TUMOUR, color: [255, 0, 0] },
  { label: 5, name: 'spleen', category: DICOM_CODES.anatomicalStructure, type: SPLEEN },
];
const ALGORITHM = { name: 'test-seg-model', version: 'a'.repeat(64) };

describe('describeDicomSource', () => {
  it('orders instances as readDicomSeries orders k, with UIDs and patient module', async () => {
    const { source, volume } = await makeCase();
    expect(source.instances.map((i) => i.sopInstanceUid)).toEqual([0, 1, 2, 3, 4, 5].map(sopUid));
    expect(volume.meta['files']).toEqual(source.instances.map((i) => i.name));
    source.instances.forEach((inst, k) => inst.position!.forEach((v, a) => expect(v).toBeCloseTo(slicePosition(k)[a]!, 6)));
    expect(source.studyInstanceUid).toBe(STUDY_UID);
    expect(source.seriesInstanceUid).toBe(SERIES_UID);
    expect(source.frameOfReferenceUid).toBe(FOR_UID);
    expect(source.attributes.PatientName).toBe(PATIENT_NAME);
    expect(source.attributes.ReferringPhysicianName).toBe('Doe^Jöhn');
    expect(source.pixelSpacing).toEqual([0.8, 0.75]);
  });
});

describe('createDicomSeg', () => {
  it('writes frames on their source slices; reads back to the same labels', async () => {
    const { source, labelMap, labels } = await makeCase();
    const bytes = createDicomSeg({
      labels: labelMap,
      source,
      segments: SEGMENTS,
      algorithm: ALGORITHM,
      deterministicUids: true,
      now: new Date('2025-01-02T03:04:05Z'),
    });
    const ds = parseDicomBytes(bytes, 'seg.dcm').dataSet;
    expect(readString(ds, 'x00080016')).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(readString(ds, 'x0020000d')).toBe(STUDY_UID);
    expect(readString(ds, 'x00200052')).toBe(FOR_UID);
    expect(readString(ds, 'x00100020')).toBe(PATIENT_ID);
    // Label 1 on 5 slices, label 2 on 4, label 5 on 1; the empty slice 2 has no frame.
    expect(readString(ds, 'x00280008')).toBe('10');
    const perFrame = sequenceItems(ds, 'x52009230');
    const refs = perFrame.map((f) => readString(firstItem(firstItem(f, 'x00089124')!, 'x00082112')!, 'x00081155'));
    expect(refs).toEqual([0, 1, 3, 4, 5, 1, 3, 4, 5, 4].map(sopUid));
    const segs = sequenceItems(ds, 'x00620002');
    expect(segs.map((s) => readString(s, 'x00620005'))).toEqual(['liver', 'tumour', 'spleen']);
    expect(readString(firstItem(segs[0]!, 'x0062000f')!, 'x00080100')).toBe('10200004');
    expect(readString(segs[0]!, 'x00620009')).toBe(ALGORITHM.name);

    const vol = await decodeDicomFrames(bytes, { name: 'seg.dcm' });
    expect([vol.columns, vol.rows, vol.frames]).toEqual([COLUMNS, ROWS, 10]);
    // readDicom refuses it: its frames are segment planes, not slices of one image.
    await expect(readDicom(bytes, { name: 'seg.dcm' })).rejects.toMatchObject({ code: 'E_INPUT', details: { cause: 'segmentation-object' } });
    // Set pixels per frame as pydicom 2.3.1 decodes this SEG's pixel_array (70-bit frames that
    // do not start on byte boundaries): an independent check of the bit packing.
    const plane = COLUMNS * ROWS;
    const sums = Array.from({ length: 10 }, (_, f) => (vol.data as Uint8Array).subarray(f * plane, (f + 1) * plane).reduce((a, b) => a + b, 0));
    expect(sums).toEqual([30, 26, 26, 26, 26, 4, 4, 4, 4, 7]);
    const back = segToLabels(bytes, vol.data, source, (n) => SEGMENTS[n - 1]!.label);
    expect(Array.from(back)).toEqual(Array.from(labels));
  });

  it('passes dciodvfy without an Error line', async (ctx) => {
    if (!hasDciodvfy()) {
      console.warn('dciodvfy (dicom3tools) not installed: skipping the IOD check');
      ctx.skip();
    }
    const { source, labelMap } = await makeCase();
    const bytes = createDicomSeg({ labels: labelMap, source, segments: SEGMENTS, algorithm: ALGORITHM });
    const lines = runDciodvfy(bytes, 'seg.dcm');
    expect(lines.filter((l) => /Error/.test(l))).toEqual([]);
  });

  it('readDicomSegLabels maps the SEG back onto the source grid and refuses overlaps', async () => {
    const { source, labelMap, labels } = await makeCase();
    const bytes = createDicomSeg({ labels: labelMap, source, segments: SEGMENTS, algorithm: ALGORITHM });
    const back = await readDicomSegLabels(bytes, source);
    expect(back.segments.map((s) => [s.number, s.label, s.type?.value])).toEqual([
      [1, 'liver', '10200004'],
      [2, 'tumour', '108369006'],
      [3, 'spleen', '78961009'],
    ]);
    const segmentOfLabel = new Map([
      [0, 0],
      [1, 1],
      [2, 2],
      [5, 3],
    ]);
    expect(Array.from(back.data)).toEqual(Array.from(labels, (v) => segmentOfLabel.get(v)));
    // Re-point frame 1 (liver on slice 0) at slice 1, where the tumour frame lies inside the
    // liver rectangle: the segments now overlap and cannot form one label map.
    const patched = bytes.slice();
    const text = new TextDecoder('latin1').decode(patched);
    const at = text.indexOf(sopUid(0), text.indexOf('\u0000R0\u0092SQ'));
    expect(at).toBeGreaterThan(0);
    patched[at + sopUid(0).length - 1] = '2'.charCodeAt(0);
    await expect(readDicomSegLabels(patched, source)).rejects.toMatchObject({ details: { cause: 'overlapping-segments' } });
  });

  it('writes ContentCreatorName only in Family^Given form', async () => {
    const { source, labelMap } = await makeCase();
    const opts = { labels: labelMap, source, segments: SEGMENTS, algorithm: ALGORITHM };
    const ds = parseDicomBytes(createDicomSeg({ ...opts, contentCreatorName: 'Doe^Jane' }), 'seg').dataSet;
    expect(readString(ds, 'x00700084')).toBe('Doe^Jane');
    expect(() => createDicomSeg({ ...opts, contentCreatorName: 'Jane Doe' })).toThrow(/Family\^Given/);
    expect(() => createDicomSeg({ ...opts, contentCreatorName: 'Doe\\Jane' })).toThrow(/Family\^Given/);
  });

  it('gives the same UIDs for the same inputs with deterministicUids, new ones without', async () => {
    const { source, labelMap } = await makeCase();
    const uid = (b: Uint8Array): string | undefined => readString(parseDicomBytes(b, 'x').dataSet, 'x00080018');
    const opts = { labels: labelMap, source, segments: SEGMENTS, algorithm: ALGORITHM };
    expect(uid(createDicomSeg({ ...opts, deterministicUids: true }))).toBe(uid(createDicomSeg({ ...opts, deterministicUids: true })));
    expect(uid(createDicomSeg(opts))).not.toBe(uid(createDicomSeg(opts)));
    expect(uid(createDicomSeg({ ...opts, deterministicUids: true }))).toMatch(/^2\.25\.\d+$/);
  });
});
