/**
 * Splitting files into series: by SeriesInstanceUID, then by image orientation and size (one
 * series UID may hold localisers or reformats in other planes). Header-only: no pixel decoding.
 * Each group also lists its parts (echoes / image components) and volume counts (series-parts.ts).
 */
import { InputError } from '../../core/errors.js';
import type { ImageComponent } from './frame-keys.js';
import { resolveReadOptions, type DicomReadOptions } from './options.js';
import { listFrameRefs, planSeriesParts } from './series-parts.js';
import { checkFileInputs, readSliceHeader, type DicomFileInput, type SliceHeader } from './slice-header.js';
import { dropDuplicateInstances } from './duplicate-instances.js';

/** What a series looks like without decoding it. Carries no patient identifiers and no free-text descriptions. */
export interface DicomSeriesGroup {
  readonly seriesInstanceUid: string;
  readonly modality: string;
  readonly seriesNumber: number | undefined;
  readonly rows: number;
  readonly columns: number;
  /** ImageOrientationPatient shared by the group (undefined when the files have none). */
  readonly orientation: readonly number[] | undefined;
  /** Files of the group, in input order. */
  readonly files: readonly string[];
  readonly sliceCount: number;
  /** Frames of the group's files added up (multi-frame files count all their frames). */
  readonly frameCount: number;
  readonly transferSyntaxes: readonly string[];
  /**
   * Parts of the series (echoes x image components, see series-parts.ts), each with its dcm2niix
   * suffix and its number of volumes (> 1: read as 4D) and slices. Undefined when the frames do
   * not form volumes; `problem` then says why (reading the series throws that InputError).
   */
  readonly parts: readonly DicomSeriesPartSummary[] | undefined;
  readonly problem?: string;
}

export interface DicomSeriesPartSummary {
  readonly part: string;
  readonly echoNumber: number | undefined;
  readonly component: ImageComponent | 'magnitude';
  readonly volumes: number;
  /** Slices per volume (undefined for Siemens mosaic files: known once unpacked). */
  readonly slices: number | undefined;
}

const ORIENTATION_TOLERANCE = 1e-4;

function sameOrientation(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.every((v, idx) => Math.abs(v - b[idx]!) <= ORIENTATION_TOLERANCE);
}

/** Groups headers; each group keeps input order; copies of one instance are dropped (duplicate-instances.ts). */
export function groupSliceHeaders(headers: readonly SliceHeader[]): SliceHeader[][] {
  return groupByGeometry(headers).map(dropDuplicateInstances);
}

function groupByGeometry(headers: readonly SliceHeader[]): SliceHeader[][] {
  const groups: SliceHeader[][] = [];
  for (const h of headers) {
    const g = groups.find((grp) => {
      const f = grp[0]!;
      return (
        f.seriesInstanceUid === h.seriesInstanceUid &&
        f.pm.rows === h.pm.rows &&
        f.pm.columns === h.pm.columns &&
        sameOrientation(f.frame.orientation, h.frame.orientation)
      );
    });
    if (g === undefined) groups.push([h]);
    else g.push(h);
  }
  return groups;
}

function summarizeParts(group: readonly SliceHeader[]): { parts: DicomSeriesPartSummary[] | undefined; problem?: string } {
  try {
    const parts = planSeriesParts(listFrameRefs(group), group[0]!.name).map((p) => ({
      part: p.part,
      echoNumber: p.echoNumber,
      component: p.component ?? 'magnitude',
      volumes: p.volumes.length,
      slices: p.layout === 'mosaic' ? undefined : p.volumes[0]!.length,
    }));
    return { parts };
  } catch (err) {
    if (err instanceof InputError) return { parts: undefined, problem: err.message };
    throw err;
  }
}

export function summarizeSeriesGroup(group: readonly SliceHeader[]): DicomSeriesGroup {
  const first = group[0]!;
  return {
    ...summarizeParts(group),
    seriesInstanceUid: first.seriesInstanceUid,
    modality: first.modality,
    seriesNumber: first.seriesNumber,
    rows: first.pm.rows,
    columns: first.pm.columns,
    orientation: first.frame.orientation,
    files: group.map((h) => h.name),
    sliceCount: group.length,
    frameCount: group.reduce((n, h) => n + h.pm.frames, 0),
    transferSyntaxes: [...new Set(group.map((h) => h.transferSyntax.uid))],
  };
}

/**
 * Groups files into series from their headers. Throws the typed error of the first file that is
 * not a readable DICOM image (use readDicomDirectory to collect per-file errors instead).
 */
export async function groupDicomSeries(files: readonly DicomFileInput[], options?: DicomReadOptions): Promise<DicomSeriesGroup[]> {
  const opts = resolveReadOptions(options);
  const headers = checkFileInputs(files).map((f) => readSliceHeader(f, opts.maxVoxels));
  return groupSliceHeaders(headers).map(summarizeSeriesGroup);
}
