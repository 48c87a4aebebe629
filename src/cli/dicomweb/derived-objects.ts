/**
 * The DICOM objects `medinfer dicomweb run` stores back: a SEG for segmentation results and a
 * Comprehensive 3D SR for every result with findings or measurements (src/io/dicom-write/).
 * Their Series and SOP Instance UIDs are derived (uids.ts deriveUid: a hash under the UID root)
 * from the study, the input series, the model id and the model's sha256, so a second run of the
 * same model on the same series gives the same UIDs: the PACS replaces (Orthanc with
 * OverwriteInstances) or keeps (default Orthanc, dcm4chee) the object - never a duplicate - and
 * the flow can ask QIDO-RS beforehand whether the result is already there.
 */
import { InputError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { DICOM_CODES as CODES, createDicomSeg, deriveUid, DEFAULT_UID_ROOT, type CodedConcept, type DicomSourceSeries, type SegmentDescription } from '../../io/dicom-write/index.js';
import type { LabelSpec, ModelEntry } from '../../manifest/types.js';

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

function parseColor(text: string | undefined): [number, number, number] | undefined {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(text ?? '');
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}

function isCoded(v: unknown): v is CodedConcept {
  const c = v as Partial<CodedConcept> | undefined;
  return typeof c?.value === 'string' && typeof c.scheme === 'string' && typeof c.meaning === 'string';
}

/**
 * SEG segments for the label values present in `labels`, named as the manifest's labels. Codes
 * come from the label entry (`category` / `type` coded concepts) when it states them; otherwise
 * the generic SNOMED CT pair 'Tissue' / 'Tissue' - true of any segmented region, and the segment
 * label still names it - rather than a guessed specific anatomy code.
 */
export function segmentsFor(entry: ModelEntry, labels: Volume): SegmentDescription[] {
  const present = new Set<number>();
  const data = labels.data;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) present.add(Number(data[i]));
  const out: SegmentDescription[] = [];
  entry.labels.forEach((spec: LabelSpec, index) => {
    const value = typeof spec === 'string' ? index : (spec.value ?? index);
    if (value <= 0 || !present.has(value)) return;
    const name = typeof spec === 'string' ? spec : spec.name;
    const extra = spec as { category?: unknown; type?: unknown };
    const color = typeof spec === 'string' ? undefined : parseColor(spec.color);
    out.push({
      label: value,
      name: name || `label ${value}`,
      category: isCoded(extra.category) ? extra.category : CODES.tissue,
      type: isCoded(extra.type) ? extra.type : CODES.tissue,
      ...(color ? { color } : {}),
    });
    present.delete(value);
  });
  if (present.size > 0) throw new InputError(`model '${entry.id}' produced label values ${[...present].join(', ')} that its manifest labels do not name`, { cause: 'unnamed-label' });
  return out;
}

export interface BuiltObject {
  readonly kind: 'SEG' | 'SR';
  readonly bytes: Uint8Array;
  readonly sopInstanceUid: string;
  readonly seriesInstanceUid: string;
  /** SEG only: its segments in segment-number order. */
  readonly segments?: readonly SegmentDescription[];
}

export function buildSeg(entry: ModelEntry, labels: Volume, source: DicomSourceSeries, uids: PlannedUids, sha256: string, uidRoot?: string): BuiltObject | undefined {
  const segments = segmentsFor(entry, labels);
  // Nothing segmented: a SEG needs at least one frame, so none is stored (the SR says so).
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
