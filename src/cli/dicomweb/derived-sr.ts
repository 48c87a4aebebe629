/**
 * The Comprehensive 3D SR `medinfer dicomweb run` stores for every result (TID 1500 via
 * src/io/dicom-write): segmentation volumes per segment (referencing the SEG), detections (a
 * SCOORD3D centre and size in the source frame of reference, with the score), classification
 * findings (label, score, positive at the manifest's threshold).
 */
import { UnsupportedError } from '../../core/errors.js';
import type { DicomSourceSeries } from '../../io/dicom-write/index.js';
import type { ModelEntry } from '../../manifest/types.js';
import type { ClassificationResult } from '../../pipelines/classification.js';
import type { DetectionResult } from '../../pipelines/detection.js';
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
  readonly uids: PlannedUids;
  readonly sha256: string;
  readonly seg?: Uint8Array;
  readonly uidRoot?: string;
}

export function buildSr(input: SrInput): BuiltObject {
  throw new UnsupportedError(`the Comprehensive 3D SR writer is not available yet (model '${input.entry.id}')`, { cause: 'sr-writer' });
}
