/**
 * The Comprehensive 3D SR `medinfer dicomweb run` stores for every result (TID 1500 through
 * createDicomSr): segmentation volumes per SEG segment (voxel count x voxel volume on the source
 * grid, referencing the SEG), detections (centre and the box's half-edges in world mm, LPS, in
 * the source frame of reference, with the score), classification findings (label, score, and
 * the manifest-threshold decision). Labels without a name (unused output channels) are left out.
 */
import type { Volume } from '../../core/volume.js';
import {
  createDicomSr,
  type DicomSourceSeries,
  type SegmentDescription,
  type SrClassification,
  type SrDetection,
  type SrSegmentVolume,
} from '../../io/dicom-write/index.js';
import { measureLabelVolumes } from '../../postprocess/segmentation/label-maps.js';
import type { ModelEntry } from '../../manifest/types.js';
import type { BuiltObject, PlannedUids } from './derived-objects.js';

/** What a task reports in the SR (its CLI definition's `dicomweb.findings`, src/cli/tasks/). */
export interface SrFindings {
  readonly volumes?: readonly SrSegmentVolume[];
  readonly detections?: readonly SrDetection[];
  readonly classifications?: readonly SrClassification[];
}

export interface SrInput {
  readonly entry: ModelEntry;
  readonly findings: SrFindings;
  readonly source: DicomSourceSeries;
  readonly uids: PlannedUids;
  readonly sha256: string;
  /** The SEG and its segments, in SEG segment order (segment number = index + 1). */
  readonly seg?: { readonly bytes: Uint8Array; readonly segments: readonly SegmentDescription[] };
  readonly uidRoot?: string;
}

/** Volume in mm3 of each SEG segment (voxel count x voxel volume on the label map's grid). */
export function segmentVolumes(labels: Volume, segments: readonly SegmentDescription[]): SrSegmentVolume[] {
  const measured = measureLabelVolumes(labels.data, labels.geometry);
  return segments.map((s, i) => ({ segmentNumber: i + 1, volumeMm3: (measured.find((m) => m.label === s.label)?.ml ?? 0) * 1000 }));
}

/**
 * The SR, or undefined when there is nothing to report (an empty segmentation, no detection):
 * createDicomSr refuses an empty report, and an empty result is not a finding a PACS needs.
 * Findings, codes and 3D / 2D placement come from pipelines/dicom-results.ts.
 */
export function buildSr(input: SrInput): BuiltObject | undefined {
  const { entry, findings, source, uids } = input;
  const volumes = input.seg ? (findings.volumes ?? []) : [];
  const detections = findings.detections ?? [];
  const classifications = findings.classifications ?? [];
  if (volumes.length + detections.length + classifications.length === 0) return undefined;
  const bytes = createDicomSr({
    source,
    algorithm: { name: entry.id, version: input.sha256 },
    instanceUids: uids.sr,
    seriesNumber: 9002,
    seriesDescription: `medinfer ${entry.id} report`,
    ...(input.uidRoot !== undefined ? { uidRoot: input.uidRoot } : {}),
    ...(volumes.length ? { seg: { bytes: input.seg!.bytes }, volumes } : {}),
    ...(detections.length ? { detections } : {}),
    ...(classifications.length ? { classifications } : {}),
  });
  return { kind: 'SR', bytes, sopInstanceUid: uids.sr.sop, seriesInstanceUid: uids.sr.series };
}
