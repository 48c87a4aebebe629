/**
 * The Comprehensive 3D SR `medinfer dicomweb run` stores for every result (TID 1500 through
 * createDicomSr): segmentation volumes per SEG segment (voxel count x voxel volume on the source
 * grid, referencing the SEG), detections (centre and the box's half-edges in world mm, LPS, in
 * the source frame of reference, with the score), classification findings (label, score, and
 * the manifest-threshold decision). Labels without a name (unused output channels) are left out.
 */
import type { Vec3 } from '../../core/geometry.js';
import type { Volume } from '../../core/volume.js';
import { createDicomSr, type DicomSourceSeries, type SegmentDescription, type SrDetection } from '../../io/dicom-write/index.js';
import type { ModelEntry } from '../../manifest/types.js';
import type { ClassificationResult } from '../../pipelines/classification.js';
import type { Detection, DetectionResult } from '../../pipelines/detection.js';
import type { SegmentationResult } from '../../pipelines/segmentation.js';
import type { BuiltObject, PlannedUids } from './derived-objects.js';

export type InferenceResult =
  | { readonly task: 'segmentation'; readonly result: SegmentationResult }
  | { readonly task: 'detection'; readonly result: DetectionResult }
  | { readonly task: 'classification'; readonly result: ClassificationResult };

export interface SrInput {
  readonly entry: ModelEntry;
  readonly inference: InferenceResult;
  readonly source: DicomSourceSeries;
  /** Grid the detections' voxel boxes are on (the input volume). */
  readonly grid: Volume;
  readonly uids: PlannedUids;
  readonly sha256: string;
  /** The SEG and its segments, in SEG segment order (segment number = index + 1). */
  readonly seg?: { readonly bytes: Uint8Array; readonly segments: readonly SegmentDescription[] };
  readonly uidRoot?: string;
}

/** Volume in mm3 of each segment's label value on the label map's grid. */
function segmentVolumes(labels: Volume, segments: readonly SegmentDescription[]): { segmentNumber: number; volumeMm3: number }[] {
  const counts = new Map<number, number>();
  const data = labels.data;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) counts.set(Number(data[i]), (counts.get(Number(data[i])) ?? 0) + 1);
  const [sx, sy, sz] = labels.geometry.spacing;
  return segments.map((s, i) => ({ segmentNumber: i + 1, volumeMm3: (counts.get(s.label) ?? 0) * sx * sy * sz }));
}

function toSrDetection(d: Detection, grid: Volume): SrDetection {
  const { spacing, direction: m } = grid.geometry;
  const half = (a: 0 | 1 | 2): Vec3 => {
    const h = ((d.box.index.max[a] - d.box.index.min[a]) / 2) * spacing[a];
    return [m[a]! * h, m[3 + a]! * h, m[6 + a]! * h];
  };
  return { label: d.label, score: d.score, centerMm: d.box.world.center, halfAxesMm: [half(0), half(1), half(2)] };
}

export function buildSr(input: SrInput): BuiltObject {
  const { entry, inference, source, uids } = input;
  const r = inference;
  const bytes = createDicomSr({
    source,
    algorithm: { name: entry.id, version: input.sha256 },
    instanceUids: uids.sr,
    seriesNumber: 9002,
    seriesDescription: `medinfer ${entry.id} report`,
    ...(input.uidRoot !== undefined ? { uidRoot: input.uidRoot } : {}),
    ...(r.task === 'segmentation' && input.seg ? { seg: { bytes: input.seg.bytes }, volumes: segmentVolumes(r.result.labels, input.seg.segments) } : {}),
    ...(r.task === 'detection' ? { detections: r.result.detections.map((d) => toSrDetection(d, input.grid)) } : {}),
    ...(r.task === 'classification' ? { classifications: r.result.labels.filter((l) => l.name).map((l) => ({ label: l.name, score: l.score, positive: l.positive })) } : {}),
  });
  return { kind: 'SR', bytes, sopInstanceUid: uids.sr.sop, seriesInstanceUid: uids.sr.series };
}
