/**
 * Pipeline results -> DICOM writer input (and the written objects), for `medinfer dicomweb run`
 * and any caller holding a result on DICOM input:
 *  - segmentation: label map -> SEG (one segment per manifest label present in the map, codes and
 *    colour from the manifest) + SR volumes (mm3 counted on the label map, per segment);
 *  - detection: boxes -> SR findings, 3D (TID 1410, SCOORD3D polygon in the source frame) when the
 *    input is a volume with a patient frame, else 2D (SCOORD rectangle on the image);
 *  - classification: scores per label -> SR qualitative evaluations (Present / Absent + score).
 * The algorithm is named by the result's provenance: model id and model sha256.
 * Labels the manifest gives no code get local 99MEDINFER codes (valid DICOM, honest about being
 * local) rather than a guessed SNOMED CT concept.
 */
import { InputError, ManifestError } from '../core/errors.js';
import { indexToWorld, type Geometry, type Vec3 } from '../core/geometry.js';
import type { CodeSpec, LabelSpec, ModelEntry } from '../manifest/types.js';
import type { SegmentationResult } from './segmentation.js';
import type { DetectionResult } from './detection.js';
import type { ClassificationResult } from './classification.js';
import type { Provenance } from './types.js';
import { measureLabelVolumes } from '../postprocess/segmentation/label-maps.js';
import type { CodedConcept } from '../io/dicom-write/codes.js';
import type { AlgorithmIdentity, InstanceUidOptions } from '../io/dicom-write/common.js';
import { createDicomSeg, type SegmentDescription } from '../io/dicom-write/seg.js';
import { createDicomSr, LOCAL_SCHEME, localCode, type SrClassification, type SrDetection, type SrSegmentVolume } from '../io/dicom-write/sr.js';
import type { DicomSourceSeries } from '../io/dicom-write/source.js';

export interface DicomResultOptions extends InstanceUidOptions {
  /** describeDicomSource of the files the model ran on. */
  readonly source: DicomSourceSeries;
  /** The model's manifest entry (label names, values, codes, colours). */
  readonly entry: ModelEntry;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
}

const LOCAL_CATEGORY: CodedConcept = { value: 'label', scheme: LOCAL_SCHEME, meaning: 'Model label' };

export function algorithmOf(provenance: Provenance): AlgorithmIdentity {
  return { name: provenance.modelId, version: provenance.sha256 };
}

function toCode(code: CodeSpec | undefined): CodedConcept | undefined {
  return code === undefined ? undefined : { value: code.value, scheme: code.scheme, meaning: code.meaning };
}

function parseColor(color: string | undefined, entry: ModelEntry, name: string): [number, number, number] | undefined {
  if (color === undefined) return undefined;
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (m === null) throw new ManifestError(`model ${entry.id}: label '${name}' colour '${color}' is not '#rrggbb'`, { modelId: entry.id, field: 'labels' });
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

interface LabelInfo {
  readonly name: string;
  readonly value: number;
  readonly code: CodedConcept | undefined;
  readonly category: CodedConcept | undefined;
  readonly color: [number, number, number] | undefined;
}

function labelInfos(entry: ModelEntry): LabelInfo[] {
  return entry.labels.map((l: LabelSpec, i) =>
    typeof l === 'string'
      ? { name: l, value: i, code: undefined, category: undefined, color: undefined }
      : { name: l.name, value: l.value ?? i, code: toCode(l.code), category: toCode(l.category), color: parseColor(l.color, entry, l.name) },
  );
}

/** Segment descriptions for the labels present in `present` (label values), in label-value order. */
export function segmentsFromManifest(entry: ModelEntry, present: ReadonlySet<number>): SegmentDescription[] {
  const infos = labelInfos(entry);
  const out: SegmentDescription[] = [];
  for (const value of [...present].sort((a, b) => a - b)) {
    if (value === 0) continue;
    const info = infos.find((l) => l.value === value);
    // A value the manifest does not name cannot be described truthfully.
    if (info === undefined)
      throw new ManifestError(`model ${entry.id}: the label map holds value ${value}, which no manifest label names`, {
        modelId: entry.id,
        field: 'labels',
        value,
      });
    out.push({
      label: value,
      name: info.name,
      category: info.category ?? LOCAL_CATEGORY,
      type: info.code ?? localCode(info.name),
      ...(info.color === undefined ? {} : { color: info.color }),
    });
  }
  return out;
}

/** Segmentation result -> SEG bytes + SR bytes (volumes per segment, mm3). */
export function segmentationToDicom(
  result: SegmentationResult,
  options: DicomResultOptions,
): { seg: Uint8Array; sr: Uint8Array; segments: SegmentDescription[]; volumes: SrSegmentVolume[] } {
  const { labels } = result;
  const measured = measureLabelVolumes(labels.data, labels.geometry);
  const segments = segmentsFromManifest(options.entry, new Set(measured.map((m) => m.label)));
  if (segments.length === 0)
    throw new InputError(`model ${options.entry.id}: the segmentation is empty; no SEG is written`, {
      file: String(labels.meta.source ?? 'labels'),
      cause: 'empty-segmentation',
    });
  const algorithm = algorithmOf(result.provenance);
  const { source, entry: _entry, seriesNumber, seriesDescription, ...uidOptions } = options;
  const seg = createDicomSeg({
    labels,
    source,
    segments,
    algorithm,
    ...uidOptions,
    ...(seriesNumber === undefined ? {} : { seriesNumber }),
    ...(seriesDescription === undefined ? {} : { seriesDescription }),
  });
  const volumes = segments.map((s, idx) => ({ segmentNumber: idx + 1, volumeMm3: measured.find((m) => m.label === s.label)!.ml * 1000 }));
  const sr = createDicomSr({
    source,
    seg: { bytes: seg },
    volumes,
    algorithm,
    ...uidOptions,
    ...(seriesNumber === undefined ? {} : { seriesNumber: seriesNumber + 1 }),
  });
  return { seg, sr, segments, volumes };
}

function findingCode(entry: ModelEntry | undefined, name: string): CodedConcept | undefined {
  if (entry === undefined) return undefined;
  return labelInfos(entry).find((l) => l.name === name)?.code;
}

/**
 * Detection result -> SR findings. `geometry` is the grid the boxes' indices refer to (the
 * model's input volume / image, i.e. the source series as read). Index boxes use the edge
 * convention (voxel c spans [c, c + 1)), so voxel-centre coordinates are index - 0.5.
 */
export function detectionFindings(result: DetectionResult, geometry: Geometry, source: DicomSourceSeries, entry?: ModelEntry): SrDetection[] {
  const volumetric = geometry.size[2] > 1 && source.frameOfReferenceUid !== undefined && source.instances.every((i) => i.position !== undefined);
  return result.detections.map((d) => {
    const { min, max } = d.box.index;
    const finding = findingCode(entry, d.label);
    const base = { label: d.label, score: d.score, ...(finding === undefined ? {} : { finding }) };
    if (!volumetric) {
      const slice = Math.min(source.instances.length - 1, Math.max(0, Math.floor((min[2] + max[2]) / 2)));
      return { ...base, slice, pixelBox: [min[0], min[1], max[0], max[1]] as const };
    }
    const centreIndex: Vec3 = [(min[0] + max[0]) / 2 - 0.5, (min[1] + max[1]) / 2 - 0.5, (min[2] + max[2]) / 2 - 0.5];
    const centerMm = indexToWorld(geometry, centreIndex);
    const axis = (a: 0 | 1 | 2): Vec3 => {
      const half = ((max[a] - min[a]) / 2) * geometry.spacing[a];
      const d3 = geometry.direction;
      return [d3[a]! * half, d3[3 + a]! * half, d3[6 + a]! * half];
    };
    return { ...base, centerMm, halfAxesMm: [axis(0), axis(1), axis(2)] as const };
  });
}

export function detectionToDicomSr(result: DetectionResult, geometry: Geometry, options: DicomResultOptions): Uint8Array {
  const { source, entry, ...rest } = options;
  return createDicomSr({ source, detections: detectionFindings(result, geometry, source, entry), algorithm: algorithmOf(result.provenance), ...rest });
}

/** Classification result -> SR qualitative evaluations (every label, with its score and decision). */
export function classificationFindings(result: ClassificationResult, entry?: ModelEntry): SrClassification[] {
  return result.labels.map((l) => {
    const finding = findingCode(entry, l.name);
    return { label: l.name, score: l.score, positive: l.positive, ...(finding === undefined ? {} : { finding }) };
  });
}

export function classificationToDicomSr(result: ClassificationResult, options: DicomResultOptions): Uint8Array {
  const { source, entry, ...rest } = options;
  return createDicomSr({ source, classifications: classificationFindings(result, entry), algorithm: algorithmOf(result.provenance), ...rest });
}
