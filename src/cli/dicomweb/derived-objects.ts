/**
 * The DICOM objects `medinfer dicomweb run` stores back: a SEG for segmentation results and a
 * Comprehensive 3D SR for every result with findings or measurements (src/io/dicom-write/).
 * Their Series and SOP Instance UIDs are derived (uids.ts deriveUid: a hash under the UID root)
 * from the study, the input series, the model id and the model's sha256, so a second run of the
 * same model on the same series gives the same UIDs: the PACS replaces (Orthanc with
 * OverwriteInstances) or keeps (default Orthanc, dcm4chee) the object - never a duplicate - and
 * the flow can ask QIDO-RS beforehand whether the result is already there.
 */
import type { Volume } from '../../core/volume.js';
import { createDicomSeg, deriveUid, DEFAULT_UID_ROOT, type DicomSourceSeries, type SegmentDescription } from '../../io/dicom-write/index.js';
import { segmentsFromManifest } from '../../pipelines/dicom-results.js';
import type { ModelEntry } from '../../manifest/types.js';

export interface PlannedUids {
  readonly seg: { readonly series: string; readonly sop: string };
  readonly sr: { readonly series: string; readonly sop: string };
}

/** Model sha256 as the manifest states it ('unstated' for entries without one). */
export function modelSha256(entry: ModelEntry): string {
  return entry.files.find((f) => f.role === 'model')?.sha256 ?? 'unstated';
}

export function planResultUids(study: string, inputSeries: readonly string[], entry: ModelEntry, uidRoot: string = DEFAULT_UID_ROOT): PlannedUids {
  const seed = `medinfer/dicomweb/${study}/${[...inputSeries].join('+')}/${entry.id}/${modelSha256(entry)}`;
  const pair = (kind: string) => ({ series: deriveUid(`${seed}/${kind}/series`, uidRoot), sop: deriveUid(`${seed}/${kind}/sop`, uidRoot) });
  return { seg: pair('seg'), sr: pair('sr') };
}

export interface BuiltObject {
  readonly kind: 'SEG' | 'SR';
  readonly bytes: Uint8Array;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  /** SEG only: its segments in segment-number order. */
  readonly segments?: readonly SegmentDescription[];
}

/** Label values present in a label map. */
export function presentLabels(labels: Volume): Set<number> {
  const present = new Set<number>();
  const data = labels.data;
  for (let i = 0; i < data.length; i++) present.add(Number(data[i]));
  return present;
}

/**
 * The SEG of a label map, segments described from the manifest (names, codes, colours;
 * segmentsFromManifest), or undefined when nothing was segmented: a SEG needs at least one frame.
 */
export function buildSeg(
  entry: ModelEntry,
  labels: Volume,
  source: DicomSourceSeries,
  uids: PlannedUids,
  sha256: string,
  uidRoot?: string,
): BuiltObject | undefined {
  const segments = segmentsFromManifest(entry, presentLabels(labels));
  if (segments.length === 0) return undefined;
  const bytes = createDicomSeg({
    labels,
    source,
    segments,
    algorithm: { name: entry.id, version: sha256 },
    seriesDescription: `medinfer ${entry.id}`,
    seriesNumber: 9001,
    instanceUids: uids.seg,
    ...(uidRoot !== undefined ? { uidRoot } : {}),
  });
  return { kind: 'SEG', bytes, sopInstanceUid: uids.seg.sop, seriesInstanceUid: uids.seg.series, segments };
}
