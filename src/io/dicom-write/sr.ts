/**
 * Comprehensive 3D SR (1.2.840.10008.5.1.4.1.1.88.34) with a TID 1500 Measurement Report:
 *  - segmentation volumes: one TID 1411 Volumetric ROI group per SEG segment, whose ROI is the
 *    segment itself (IMAGE 'Referenced Segment' with ReferencedSegmentNumber + 'Source series for
 *    segmentation'), measured as SCT 'Volume' in UCUM mm3;
 *  - 3D detections: one TID 1410 Planar ROI group per box, ROI = 'Image Region' SCOORD3D in the
 *    source frame of reference: the closed POLYGON of the box's extent along its i / j edges (the
 *    source slice plane's row and column directions) through the box centre, 5 points with the
 *    first repeated last. PS3.16 TID 1410 allows only ELLIPSE or POLYGON for a SCOORD3D region
 *    (a POINT or an ELLIPSOID is not a planar region), so a box with no in-plane extent is refused.
 *    Measured as Length / Width / Height (mm, along the box's i / j / k edges: Height is the
 *    extent across slices the polygon cannot show) and the model score;
 *  - 2D detections (radiographs): one TID 1410 group per box, ROI = 'Image Region' SCOORD closed
 *    POLYLINE (the rectangle) on the image, Length / Width in mm when the pixel spacing is known;
 *  - classifications: one TID 1501 group per label: Finding = the label's code, a qualitative
 *    evaluation Present / Absent (the model's thresholded decision) and the score.
 * Scores have no standard concept: they use the local coding scheme 99MEDINFER (declared in
 * CodingSchemeIdentificationSequence), unit UCUM '1'. Labels without manifest codes get a
 * 99MEDINFER code named after the label. Algorithm name / version (TID 4019) sit on every group.
 * The document is UNVERIFIED and COMPLETE: a machine result, not a signed report.
 */
import { InputError, UsageError } from '../../core/errors.js';
import type { Vec3 } from '../../core/geometry.js';
import { firstItem, parseDicomBytes, readString, sequenceItems } from '../dicom/parse-header.js';
import { CODES, type CodedConcept } from './codes.js';
import { commonModules, equipmentModule, resolveInstanceUids, type AlgorithmIdentity, type InstanceUidOptions } from './common.js';
import { encodePart10, type DicomItem } from './encode.js';
import { SEGMENTATION_STORAGE } from './seg.js';
import { codeItem, containerItem, imageItem, numItem, scoord3dItem, scoordItem, textItem, uidrefItem } from './sr-content.js';
import { requirePatientFrame, type DicomSourceSeries } from './source.js';
import { deriveUid } from './uids.js';

export const COMPREHENSIVE_3D_SR = '1.2.840.10008.5.1.4.1.1.88.34';
export const LOCAL_SCHEME = '99MEDINFER';
export const SCORE_CONCEPT: CodedConcept = { value: 'score', scheme: LOCAL_SCHEME, meaning: 'Model score' };

export interface SrSegmentVolume {
  /** SegmentNumber in the SEG given as `seg`. */
  readonly segmentNumber: number;
  readonly volumeMm3: number;
}

interface SrDetectionBase {
  readonly label: string;
  /** The finding's code (manifest); default: a 99MEDINFER code named after the label. */
  readonly finding?: CodedConcept;
  readonly score: number;
}

/** A box in a 3D volume with a patient frame: TID 1410 with a SCOORD3D polygon through its centre. */
export interface SrDetection3D extends SrDetectionBase {
  /** Box centre in world mm (LPS), source frame of reference. */
  readonly centerMm: Vec3;
  /**
   * Half-edge vectors (mm, LPS) from the centre along the box's i, j and k edges; i and j span the
   * plane the SR's polygon lies in (the source slices' plane for boxes on the source grid).
   */
  readonly halfAxesMm: readonly [Vec3, Vec3, Vec3];
}

/** A box on one image (radiograph or one slice): TID 1410 with a SCOORD polyline on that image. */
export interface SrDetection2D extends SrDetectionBase {
  /** Index of the image in source.instances. */
  readonly slice: number;
  /** [columnMin, rowMin, columnMax, rowMax] in pixel-edge coordinates (pixel c spans [c, c + 1)). */
  readonly pixelBox: readonly [number, number, number, number];
}

export type SrDetection = SrDetection3D | SrDetection2D;

export interface SrClassification {
  readonly label: string;
  readonly finding?: CodedConcept;
  readonly score: number;
  /** The model's thresholded decision: Present / Absent. */
  readonly positive: boolean;
}

export interface CreateDicomSrOptions extends InstanceUidOptions {
  readonly source: DicomSourceSeries;
  /** The SEG the volumes refer to (its bytes, as createDicomSeg returned them). */
  readonly seg?: { readonly bytes: Uint8Array };
  readonly volumes?: readonly SrSegmentVolume[];
  readonly detections?: readonly SrDetection[];
  readonly classifications?: readonly SrClassification[];
  readonly algorithm: AlgorithmIdentity;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
}

interface SegInfo {
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly segments: ReadonlyMap<number, { label: string; type: CodedConcept }>;
}

function describeSeg(bytes: Uint8Array): SegInfo {
  const ds = parseDicomBytes(bytes, 'seg').dataSet;
  if (readString(ds, 'x00080016') !== SEGMENTATION_STORAGE) throw new UsageError('createDicomSr: seg.bytes is not a DICOM Segmentation', { field: 'seg' });
  const segments = new Map<number, { label: string; type: CodedConcept }>();
  for (const s of sequenceItems(ds, 'x00620002')) {
    const type = firstItem(s, 'x0062000f');
    const number = s.uint16('x00620004');
    if (number === undefined || type === undefined) continue;
    segments.set(number, {
      label: readString(s, 'x00620005') ?? `segment ${number}`,
      type: { value: readString(type, 'x00080100') ?? '', scheme: readString(type, 'x00080102') ?? '', meaning: readString(type, 'x00080104') ?? '' },
    });
  }
  return { sopInstanceUid: readString(ds, 'x00080018') ?? '', seriesInstanceUid: readString(ds, 'x0020000e') ?? '', segments };
}

export function localCode(label: string): CodedConcept {
  // SH code values hold 16 characters; the meaning keeps the full label.
  return { value: label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 16), scheme: LOCAL_SCHEME, meaning: label.slice(0, 64) };
}

function algorithmItems(algorithm: AlgorithmIdentity): DicomItem[] {
  return [textItem('HAS CONCEPT MOD', CODES.algorithmName, algorithm.name), textItem('HAS CONCEPT MOD', CODES.algorithmVersion, algorithm.version)];
}

function trackingItems(label: string, uid: string): DicomItem[] {
  return [textItem('HAS OBS CONTEXT', CODES.trackingIdentifier, label), uidrefItem('HAS OBS CONTEXT', CODES.trackingUid, uid)];
}

function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

/**
 * The box's TID 1410 'Image Region': corners c -i -j, c +i -j, c +i +j, c -i +j, and the first
 * again (PS3.3 C.18.9.1.2: a POLYGON is closed by repeating its first point; all coplanar).
 */
function boxRegion(d: SrDetection3D, n: number, frameOfReferenceUid: string): DicomItem {
  const c = d.centerMm;
  const [i, j] = d.halfAxesMm;
  if (norm(i) === 0 || norm(j) === 0 || !Number.isFinite(norm(i) + norm(j))) {
    throw new UsageError(
      `createDicomSr: 3D detection ${n + 1} ('${d.label}') has no finite extent in the slice plane; TID 1410 cannot describe it as a region`,
      { field: 'detections' },
    );
  }
  const corner = (si: number, sj: number): number[] => [0, 1, 2].map((a) => c[a]! + si * i[a]! + sj * j[a]!);
  const points = [...corner(-1, -1), ...corner(1, -1), ...corner(1, 1), ...corner(-1, 1), ...corner(-1, -1)];
  return scoord3dItem('CONTAINS', CODES.imageRegion, 'POLYGON', points, frameOfReferenceUid);
}

function checkScore(score: number, label: string): void {
  if (!Number.isFinite(score)) throw new UsageError(`createDicomSr: score of '${label}' is not finite`, { field: 'score' });
}

/** Writes the SR as Part-10 bytes. */
export function createDicomSr(options: CreateDicomSrOptions): Uint8Array {
  const { source, algorithm } = options;
  const volumes = options.volumes ?? [];
  const detections = options.detections ?? [];
  const classifications = options.classifications ?? [];
  if (volumes.length + detections.length + classifications.length === 0)
    throw new UsageError('createDicomSr: nothing to report (no volumes, detections or classifications)', { field: 'volumes' });
  if (volumes.length > 0 && options.seg === undefined)
    throw new UsageError('createDicomSr: volumes refer to SEG segments; pass the SEG as seg.bytes', { field: 'seg' });
  const seg = options.seg === undefined ? undefined : describeSeg(options.seg.bytes);
  const uids = resolveInstanceUids(options, source, 'sr', algorithm);

  const groups: DicomItem[] = [];
  for (const v of volumes) {
    const segment = seg!.segments.get(v.segmentNumber);
    if (segment === undefined) throw new InputError(`createDicomSr: the SEG has no segment ${v.segmentNumber}`, { file: 'seg', cause: 'unknown-segment' });
    if (!Number.isFinite(v.volumeMm3) || v.volumeMm3 < 0)
      throw new UsageError(`createDicomSr: volume of segment ${v.segmentNumber} is ${v.volumeMm3}`, { field: 'volumes' });
    groups.push(
      containerItem(
        'CONTAINS',
        CODES.measurementGroup,
        [
          ...trackingItems(segment.label, uids.derive(`segment-${v.segmentNumber}`)),
          codeItem('CONTAINS', CODES.finding, segment.type),
          ...algorithmItems(algorithm),
          imageItem('CONTAINS', CODES.referencedSegment, {
            sopClassUid: SEGMENTATION_STORAGE,
            sopInstanceUid: seg!.sopInstanceUid,
            segmentNumber: v.segmentNumber,
          }),
          uidrefItem('CONTAINS', CODES.sourceSeriesForSegmentation, source.seriesInstanceUid),
          numItem('CONTAINS', CODES.volume, v.volumeMm3, CODES.cubicMillimetre),
        ],
        '1411',
      ),
    );
  }
  detections.forEach((d, n) => {
    checkScore(d.score, d.label);
    const head = [
      ...trackingItems(`${d.label} ${n + 1}`, uids.derive(`detection-${n}`)),
      codeItem('CONTAINS', CODES.finding, d.finding ?? localCode(d.label)),
      ...algorithmItems(algorithm),
    ];
    const score = numItem('CONTAINS', SCORE_CONCEPT, d.score, CODES.noUnits);
    if ('halfAxesMm' in d) {
      const { frameOfReferenceUid } = requirePatientFrame(source, '3D detection coordinates');
      const [i, j, k] = d.halfAxesMm;
      groups.push(
        containerItem(
          'CONTAINS',
          CODES.measurementGroup,
          [
            ...head,
            boxRegion(d, n, frameOfReferenceUid),
            numItem('CONTAINS', CODES.length, 2 * norm(i), CODES.millimetre),
            numItem('CONTAINS', CODES.width, 2 * norm(j), CODES.millimetre),
            numItem('CONTAINS', CODES.height, 2 * norm(k), CODES.millimetre),
            score,
          ],
          '1410',
        ),
      );
      return;
    }
    const image = source.instances[d.slice];
    if (image === undefined)
      throw new UsageError(`createDicomSr: detection ${n + 1} is on image ${d.slice}; the source has ${source.instances.length}`, { field: 'detections' });
    const [c0, r0, c1, r1] = d.pixelBox;
    // Closed rectangle: the first point repeated last (PS3.3 C.18.6.1.2 POLYLINE).
    const outline = [c0, r0, c1, r0, c1, r1, c0, r1, c0, r0];
    // Sizes in mm only where the image states its pixel spacing: never pixels labelled as mm.
    const sizes =
      source.pixelSpacing === undefined
        ? []
        : [
            numItem('CONTAINS', CODES.length, Math.abs(c1 - c0) * source.pixelSpacing[1], CODES.millimetre),
            numItem('CONTAINS', CODES.width, Math.abs(r1 - r0) * source.pixelSpacing[0], CODES.millimetre),
          ];
    groups.push(
      containerItem(
        'CONTAINS',
        CODES.measurementGroup,
        [...head, scoordItem('CONTAINS', CODES.imageRegion, 'POLYLINE', outline, image), ...sizes, score],
        '1410',
      ),
    );
  });
  classifications.forEach((c, n) => {
    checkScore(c.score, c.label);
    const finding = c.finding ?? localCode(c.label);
    groups.push(
      containerItem(
        'CONTAINS',
        CODES.measurementGroup,
        [
          ...trackingItems(c.label, uids.derive(`classification-${n}`)),
          codeItem('CONTAINS', CODES.finding, finding),
          ...algorithmItems(algorithm),
          numItem('CONTAINS', SCORE_CONCEPT, c.score, CODES.noUnits),
          codeItem('CONTAINS', finding, c.positive ? CODES.present : CODES.absent),
        ],
        '1501',
      ),
    );
  });

  const library = containerItem('CONTAINS', CODES.imageLibrary, [
    containerItem(
      'CONTAINS',
      CODES.imageLibraryGroup,
      source.instances.map((i) => imageItem('CONTAINS', CODES.imageLibraryEntry, i)),
    ),
  ]);
  const root = containerItem(
    undefined,
    CODES.imagingMeasurementReport,
    [
      codeItem('HAS CONCEPT MOD', CODES.languageOfContent, CODES.englishUs),
      codeItem('HAS OBS CONTEXT', CODES.observerType, CODES.device),
      uidrefItem('HAS OBS CONTEXT', CODES.deviceObserverUid, deriveUid(`medinfer/device/${algorithm.name}/${algorithm.version}`, options.uidRoot)),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverName, algorithm.name),
      textItem('HAS OBS CONTEXT', CODES.deviceObserverManufacturer, 'medinfer'),
      codeItem('HAS CONCEPT MOD', CODES.procedureReported, CODES.imagingProcedure),
      library,
      containerItem('CONTAINS', CODES.imagingMeasurements, groups),
    ],
    '1500',
  );

  const evidenceSeries: DicomItem[] = [
    {
      SeriesInstanceUID: source.seriesInstanceUid,
      ReferencedSOPSequence: source.instances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })),
    },
  ];
  if (seg !== undefined && volumes.length > 0) {
    evidenceSeries.push({
      SeriesInstanceUID: seg.seriesInstanceUid,
      ReferencedSOPSequence: [{ ReferencedSOPClassUID: SEGMENTATION_STORAGE, ReferencedSOPInstanceUID: seg.sopInstanceUid }],
    });
  }
  const dataset: DicomItem = {
    ...commonModules(source, uids, {
      sopClassUid: COMPREHENSIVE_3D_SR,
      modality: 'SR',
      seriesNumber: options.seriesNumber ?? 301,
      seriesDescription: options.seriesDescription ?? `${algorithm.name} measurements`,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    ...equipmentModule(algorithm),
    CodingSchemeIdentificationSequence: [
      { CodingSchemeDesignator: LOCAL_SCHEME, CodingSchemeName: 'medinfer local codes', CodingSchemeResponsibleOrganization: 'medinfer' },
    ],
    InstanceNumber: 1,
    ReferencedPerformedProcedureStepSequence: [],
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: [{ StudyInstanceUID: source.studyInstanceUid, ReferencedSeriesSequence: evidenceSeries }],
    ...root,
  };
  return encodePart10(dataset);
}
