import { readFileSync } from 'node:fs';
import { decodeDicomFrames } from '../../../src/io/dicom/read-dicom.js';
import { describe, expect, it } from 'vitest';
import { createVolume } from '../../../src/core/volume.js';
import { indexToWorld } from '../../../src/core/geometry.js';
import { getModelEntry, parseManifest } from '../../../src/manifest/load.js';
import type { ModelEntry } from '../../../src/manifest/types.js';
import { readDicom } from '../../../src/io/dicom/index.js';
import { firstItem, parseDicomBytes, readNumbers, readString, sequenceItems } from '../../../src/io/dicom/parse-header.js';
import type { SegmentationResult } from '../../../src/pipelines/segmentation.js';
import type { DetectionResult } from '../../../src/pipelines/detection.js';
import type { ClassificationResult } from '../../../src/pipelines/classification.js';
import type { Provenance } from '../../../src/pipelines/types.js';
import { describeDicomSource, type SrDetection3D, type SrDetection2D } from '../../../src/io/dicom-write/index.js';
import { classificationToDicomSr, detectionFindings, detectionToDicomSr, segmentationToDicom } from '../../../src/pipelines/dicom-results.js';
import { makeCase } from './case.js';
import { makeRadiograph, patientPosition } from './source-series.js';
import { hasDciodvfy, runDciodvfy, srContentItems, segToLabels } from './helpers.js';

const manifest = parseManifest(JSON.parse(readFileSync(new URL('../../../models.manifest.json', import.meta.url), 'utf8')), {
  validatePreprocess: () => {},
  validatePostprocess: () => {},
});

function provenance(entry: ModelEntry): Provenance {
  return {
    modelId: entry.id,
    task: entry.task,
    sha256: 'c'.repeat(64),
    sdkVersion: '0',
    provider: {} as Provenance['provider'],
    preprocessing: [],
    inputs: [],
    startedAt: '',
    durationMs: 0,
  };
}

function checkIod(bytes: Uint8Array, name: string): void {
  if (!hasDciodvfy()) return;
  expect(runDciodvfy(bytes, name).filter((l) => /Error/.test(l))).toEqual([]);
}

describe('segmentationToDicom', () => {
  it('names segments and codes from the manifest, volumes in mm3 from the label map', async () => {
    const { labelMap, source, volume } = await makeCase();
    const entry = getModelEntry(manifest, 'monai-brats-mri-segmentation');
    // BraTS values 1, 2, 4 (4 = enhancing tumour); the case map uses 5 for its third label.
    const data = Uint8Array.from(labelMap.data as Uint8Array, (v) => (v === 5 ? 4 : v));
    const labels = createVolume({ geometry: volume.geometry, data });
    const result = { labels, volumesMl: {}, provenance: provenance(entry), warnings: [] } as unknown as SegmentationResult;
    const out = segmentationToDicom(result, { source, entry, deterministicUids: true });
    expect(out.segments.map((s) => [s.label, s.name, s.type.value, s.category.value])).toEqual([
      [1, 'necrotic / non-enhancing tumour core', '6574001', '49755003'],
      [2, 'peritumoral edema', '79654002', '49755003'],
      [4, 'enhancing tumour', '108369006', '49755003'],
    ]);
    const voxelMm3 = 0.75 * 0.8 * 2.5;
    const count = (v: number): number => data.filter((x) => x === v).length;
    out.volumes.forEach((v, idx) => expect(v.volumeMm3).toBeCloseTo(count(out.segments[idx]!.label) * voxelMm3, 6));
    const seg = parseDicomBytes(out.seg, 'seg').dataSet;
    expect(readString(firstItem(sequenceItems(seg, 'x00620002')[0]!, 'x00620007')!, 'x00660031')).toBe('c'.repeat(64));
    const back = segToLabels(out.seg, (await decodeDicomFrames(out.seg)).data, source, (n) => out.segments[n - 1]!.label);
    expect(Array.from(back)).toEqual(Array.from(data));
    const sr = srContentItems(parseDicomBytes(out.sr, 'sr').dataSet);
    const mm3 = sr.filter((i) => i.meaning === 'Volume').map((i) => readNumbers(firstItem(i.item, 'x0040a300')!, 'x0040a30a')![0]!);
    mm3.forEach((v, idx) => expect(v).toBeCloseTo(out.volumes[idx]!.volumeMm3, 6));
    checkIod(out.seg, 'seg.dcm');
    checkIod(out.sr, 'sr.dcm');
  });
});

describe('detection results', () => {
  it('3D boxes become TID 1410 polygons: the box corners through its centre, on the oblique source plane, in world mm', async () => {
    const { source, volume } = await makeCase();
    const entry = getModelEntry(manifest, 'medinfer-nodule-det3d-phantom');
    const g = volume.geometry;
    // Edge convention: voxels 2..5 along i, 1..3 along j, 1..4 along k.
    const box = {
      index: { min: [2, 1, 1] as const, max: [6, 4, 5] as const },
      world: { min: [0, 0, 0] as const, max: [0, 0, 0] as const, center: [0, 0, 0] as const },
    };
    const result = {
      detections: [{ label: 'nodule', classIndex: 0, score: 0.75, box, sizeMm: [0, 0, 0] }],
      provenance: provenance(entry),
    } as unknown as DetectionResult;
    const [d] = detectionFindings(result, g, source, entry) as SrDetection3D[];
    const centre = indexToWorld(g, [3.5, 2, 2.5]);
    d!.centerMm.forEach((v, a) => expect(v).toBeCloseTo(centre[a]!, 6));
    const faceI = indexToWorld(g, [5.5, 2, 2.5]);
    d!.halfAxesMm[0].forEach((v, a) => expect(centre[a]! + v).toBeCloseTo(faceI[a]!, 6));
    expect(Math.hypot(...d!.halfAxesMm[2])).toBeCloseTo(2 * 2.5, 6);
    const sr = detectionToDicomSr(result, g, { source, entry });
    const ds = parseDicomBytes(sr, 'sr').dataSet;
    const items = srContentItems(ds);
    const group = items.find((i) => i.meaning === 'Measurement Group')!.item;
    expect(readString(firstItem(group, 'x0040a504')!, 'x0040db00')).toBe('1410');
    const region = items.find((i) => i.meaning === 'Image Region')!.item;
    expect(readString(region, 'x0040a040')).toBe('SCOORD3D');
    expect(readString(region, 'x00700023')).toBe('POLYGON');
    expect(readString(region, 'x30060024')).toBe(source.frameOfReferenceUid);
    // The box's corners (voxel-centre index = edge index - 0.5) on the slice through its centre
    // (k = 2.5), in LPS mm from the source's own position / orientation tags: the SR's polygon, closed.
    const corners = [
      [2, 1],
      [6, 1],
      [6, 4],
      [2, 4],
      [2, 1],
    ].map(([ci, cj]) => patientPosition(ci! - 0.5, cj! - 0.5, 2.5));
    const gd = Array.from({ length: 15 }, (_, n) => region.float('x00700022', n)!);
    expect(region.float('x00700022', 15)).toBeUndefined();
    corners.forEach((p, n) => p.forEach((v, a) => expect(Math.abs(gd[3 * n + a]! - v)).toBeLessThan(1e-3)));
    // The corners span an oblique plane: not all on one world axis' constant value.
    expect(new Set(gd.filter((_, n) => n % 3 === 2).map((z) => z.toFixed(3))).size).toBeGreaterThan(1);
    const num = (meaning: string) => readNumbers(firstItem(items.find((i) => i.meaning === meaning)!.item, 'x0040a300')!, 'x0040a30a')![0]!;
    // 4 x 0.75 mm along i, 3 x 0.8 mm along j, 4 x 2.5 mm across slices.
    expect(num('Length')).toBeCloseTo(3, 6);
    expect(num('Width')).toBeCloseTo(2.4, 6);
    expect(num('Height')).toBeCloseTo(10, 6);
    expect(num('Model score')).toBe(0.75);
    checkIod(sr, 'det3d-sr.dcm');
  });

  it('2D boxes on a radiograph become a rectangle on the image; no mm sizes without PixelSpacing', async () => {
    const cxr = makeRadiograph();
    const source = describeDicomSource([cxr]);
    expect(source.frameOfReferenceUid).toBeUndefined();
    const image = await readDicom(cxr.bytes);
    const entry = getModelEntry(manifest, 'medinfer-cxr-yolo-phantom');
    const box = {
      index: { min: [2, 3, 0] as const, max: [10, 7, 1] as const },
      world: { min: [0, 0, 0] as const, max: [0, 0, 0] as const, center: [0, 0, 0] as const },
    };
    const result = {
      detections: [{ label: 'Nodule', classIndex: 0, score: 0.5, box, sizeMm: [0, 0, 0] }],
      provenance: provenance(entry),
    } as unknown as DetectionResult;
    const [d] = detectionFindings(result, image.geometry, source, entry) as SrDetection2D[];
    expect(d!.pixelBox).toEqual([2, 3, 10, 7]);
    const sr = detectionToDicomSr(result, image.geometry, { source, entry });
    const items = srContentItems(parseDicomBytes(sr, 'sr').dataSet);
    const region = items.find((i) => i.meaning === 'Image Region')!.item;
    expect(readString(region, 'x00700023')).toBe('POLYLINE');
    expect(Array.from({ length: 10 }, (_, n) => region.float('x00700022', n))).toEqual([2, 3, 10, 3, 10, 7, 2, 7, 2, 3]);
    // The radiograph states ImagerPixelSpacing only (detector plane): no sizes in mm are claimed.
    expect(items.some((i) => i.meaning === 'Length' || i.meaning === 'Width')).toBe(false);
    // With PixelSpacing [rows 0.2, columns 0.25]: 8 columns = 2 mm, 4 rows = 0.8 mm.
    const spaced = srContentItems(
      parseDicomBytes(detectionToDicomSr(result, image.geometry, { source: { ...source, pixelSpacing: [0.2, 0.25] }, entry }), 'sr').dataSet,
    );
    expect(readNumbers(firstItem(spaced.find((i) => i.meaning === 'Length')!.item, 'x0040a300')!, 'x0040a30a')![0]).toBeCloseTo(2, 6);
    expect(readNumbers(firstItem(spaced.find((i) => i.meaning === 'Width')!.item, 'x0040a300')!, 'x0040a30a')![0]).toBeCloseTo(0.8, 6);
    checkIod(sr, 'det2d-sr.dcm');
  });
});

describe('classification results', () => {
  it('every label with its score and Present / Absent', async () => {
    const cxr = makeRadiograph();
    const source = describeDicomSource([cxr]);
    const entry = getModelEntry(manifest, 'medinfer-cxr-densenet-phantom');
    const result = {
      labels: [
        { name: 'Nodule', score: 0.8, positive: true, index: 0 },
        { name: 'Effusion', score: 0.1, positive: false, index: 1 },
      ],
      logits: new Float32Array(2),
      provenance: provenance(entry),
    } as unknown as ClassificationResult;
    const sr = classificationToDicomSr(result, { source, entry });
    const items = srContentItems(parseDicomBytes(sr, 'sr').dataSet);
    const nodule = items.find(
      (i) => i.meaning === 'Nodule' && readString(i.item, 'x0040a040') === 'CODE' && readString(firstItem(i.item, 'x0040a168')!, 'x00080104') !== 'Nodule',
    )!.item;
    expect(readString(firstItem(nodule, 'x0040a168')!, 'x00080104')).toBe('Present');
    const scores = items.filter((i) => i.meaning === 'Model score').map((i) => readNumbers(firstItem(i.item, 'x0040a300')!, 'x0040a30a')![0]);
    expect(scores).toEqual([0.8, 0.1]);
    checkIod(sr, 'cls-sr.dcm');
  });
});
