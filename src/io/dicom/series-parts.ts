/**
 * Multi-volume series, header only: the frames of a series (single-frame files, the frames of
 * enhanced files, or both) are split into *parts* by echo and image component, and each part into
 * volumes by repeated slice position, as dcm2niix does by default:
 *  - parts: one per (echo, component); suffix `_e<N>` on every part when the series has more than
 *    one echo, then `_ph` / `_real` / `_imaginary` / `_fieldmaphz` (magnitude: none), then `_rev` for
 *    the reversed-polarity volumes of a GE epi_pepolar series holding both (dcm2niix: another series),
 *    then `_ADC` for a Philips DWI series holding a derived isotropic (trace) volume: as dcm2niix, the
 *    plain part leaves the trace out, the `_ADC` part is the whole series with the trace volume(s) last;
 *  - volumes: frames at the same position (along the slice normal, 0.01 mm) are the same slice of
 *    different volumes; every position must hold the same number of frames, and the n-th frame
 *    of each position (frames of one enhanced file in stored order; across files by
 *    TemporalPosition index / identifier, InstanceNumber, DimensionIndexValues) is volume n;
 *  - frames of one file without any position (cine, ultrasound loops) are volumes of one slice;
 *  - Siemens mosaic files are one volume each (unpacked by readParsedDicom).
 * Anything that does not fit (mixed orientations, uneven counts, duplicates nothing tells apart)
 * is an InputError naming the file: never a stack of frames with the frame index as an axis.
 */
import { InputError } from '../../core/errors.js';
import type { Vec3 } from '../../core/geometry.js';
import { computeSliceNormal, readFrameAttributes, rowsReversedAttributes, type FrameAttributes } from './frame-geometry.js';
import { readFrameKeys, type FrameKeys, type ImageComponent } from './frame-keys.js';
import { isTiledVolumeFile } from './tiled-volume.js';
import { splitsIsotropicTrace } from './vendor-frame-keys.js';
import type { SliceHeader } from './slice-header.js';

export interface FrameRef {
  readonly header: SliceHeader;
  /** Frame index inside its file. */
  readonly frame: number;
  readonly attrs: FrameAttributes;
  readonly keys: FrameKeys;
  /** Input order (file order, then stored frame order): the last tie-breaker. */
  readonly order: number;
}

export type SeriesLayout = 'stack' | 'unplaced' | 'mosaic';

export interface SeriesPart {
  /** Output suffix as dcm2niix writes it ('' for the only / magnitude part), e.g. '_e2_ph'. */
  readonly part: string;
  readonly echoNumber: number | undefined;
  readonly component: ImageComponent | undefined;
  /** [volume][slice]: slices ordered along the normal (stack), stored order (unplaced), one file each (mosaic). */
  readonly volumes: readonly (readonly FrameRef[])[];
  /** Attribute that orders the volumes (only meaningful with more than one volume). */
  readonly volumeIndexAttribute: string | undefined;
  readonly layout: SeriesLayout;
}

const ORIENTATION_TOLERANCE = 1e-4;
/** Frames whose positions are this close (mm) are the same slice of different volumes. */
const SAME_POSITION_MM = 0.01;

/** Every frame of every file, header only. */
export function listFrameRefs(headers: readonly SliceHeader[]): FrameRef[] {
  const out: FrameRef[] = [];
  for (const header of headers) {
    const n = header.pm.frames;
    const attrs = n === 1 ? [header.frame] : readFrameAttributes(header.parsed.dataSet, n);
    const keys = readFrameKeys(header.parsed.dataSet, n);
    for (let f = 0; f < n; f++) {
      const a = keys[f]!.rowsReversed ? rowsReversedAttributes(attrs[f]!, header.pm.rows) : attrs[f]!;
      out.push({ header, frame: f, attrs: a, keys: keys[f]!, order: out.length });
    }
  }
  return out;
}

/** Part suffix of the reversed phase-encoding volumes of a GE epi_pepolar series holding both polarities. */
const REVERSED_SUFFIX = '_rev';
/** Part suffix of the derived isotropic (trace) volumes of a Philips DWI series (dcm2niix's name). */
const TRACE_SUFFIX = '_ADC';

const SUFFIX: Record<ImageComponent, string> = { magnitude: '', phase: '_ph', real: '_real', imaginary: '_imaginary', fieldmap: '_fieldmaphz' };

/** Splits a series' frames into parts and volumes; `label` names the series in errors. */
export function planSeriesParts(frames: readonly FrameRef[], label: string): SeriesPart[] {
  const echoOf = echoAssigner(frames);
  // GE epi_pepolar modes 2 / 3 hold both polarities in one series; the reversed volumes lie on another
  // grid (rowsReversedAttributes) and go to their own part, as dcm2niix writes them to another series.
  const mixedPolarity = frames.some((f) => f.keys.rowsReversed) && frames.some((f) => !f.keys.rowsReversed);
  const splitTrace = splitsIsotropicTrace(frames);
  const byPart = new Map<string, { echo: number | undefined; component: ImageComponent | undefined; frames: FrameRef[] }>();
  for (const f of frames) {
    const echo = echoOf(f);
    const polarity = mixedPolarity && f.keys.rowsReversed ? REVERSED_SUFFIX : '';
    const base = `${echo === undefined ? '' : `_e${echo}`}${SUFFIX[f.keys.component ?? 'magnitude']}${polarity}`;
    // dcm2niix's _ADC file is the whole series with the trace volume(s) last; the plain one has none.
    const suffixes = !splitTrace ? [base] : f.keys.isotropicTrace ? [`${base}${TRACE_SUFFIX}`] : [base, `${base}${TRACE_SUFFIX}`];
    for (const suffix of suffixes) {
      const entry = byPart.get(suffix) ?? { echo, component: f.keys.component, frames: [] };
      entry.frames.push(f);
      byPart.set(suffix, entry);
    }
  }
  const parts = [...byPart.entries()].sort(
    (a, b) => (a[1].echo ?? 0) - (b[1].echo ?? 0) || componentRank(a[1].component) - componentRank(b[1].component) || a[0].length - b[0].length,
  );
  return parts.map(([part, p]) => ({
    part,
    echoNumber: p.echo,
    component: p.component,
    ...splitVolumes(p.frames, `${label}${part === '' ? '' : ` (part ${part})`}`, splitTrace),
  }));
}

function componentRank(c: ImageComponent | undefined): number {
  return ['magnitude', 'phase', 'real', 'imaginary', 'fieldmap'].indexOf(c ?? 'magnitude');
}

/**
 * Echo number of a frame, or undefined for single-echo series. EchoNumbers when they differ;
 * otherwise the rank of the echo time (enhanced objects carry only EffectiveEchoTime). A series
 * holding only a later echo keeps its number, as dcm2niix names it (Siemens field-map phase
 * difference: EchoNumbers 2 -> '_e2_ph').
 */
function echoAssigner(frames: readonly FrameRef[]): (f: FrameRef) => number | undefined {
  const numbers = new Set(frames.map((f) => f.keys.echoNumber));
  if (numbers.size > 1 && !numbers.has(undefined)) return (f) => f.keys.echoNumber;
  const only = numbers.size === 1 ? [...numbers][0] : undefined;
  if (only !== undefined && only > 1) return () => only;
  const times = [...new Set(frames.map((f) => f.keys.echoTime))];
  if (times.length > 1 && !times.includes(undefined)) {
    // TE 0 marks a computed map (Philips B0 field map) rather than an echo: it ranks last, which
    // is also the echo number dcm2niix gives it (_e2_fieldmaphz after the TE 1.52 ms magnitude).
    const key = (t: number): number => (t > 0 ? t : Infinity);
    const sorted = (times as number[]).sort((a, b) => key(a) - key(b));
    return (f) => sorted.indexOf(f.keys.echoTime!) + 1;
  }
  return () => undefined;
}

function splitVolumes(
  frames: FrameRef[],
  label: string,
  traceLast = false,
): { volumes: FrameRef[][]; volumeIndexAttribute: string | undefined; layout: SeriesLayout } {
  const files = new Set(frames.map((f) => f.header));
  // Every tiled file (Siemens mosaic, UIH grid; even a lone one) goes to readParsedDicom, which unpacks it into a volume.
  if ([...files].every((h) => isTiledVolumeFile(h.parsed.dataSet))) {
    const sorted = [...frames].sort(compareVolumes);
    return { volumes: sorted.map((f) => [f]), volumeIndexAttribute: sorted.length > 1 ? describeOrder(sorted, true) : undefined, layout: 'mosaic' };
  }
  const tiled = [...files].find((h) => isTiledVolumeFile(h.parsed.dataSet));
  if (tiled !== undefined)
    throw new InputError(`${label}: ${tiled.name} tiles a whole volume (Siemens mosaic / UIH grid) but other files of the series do not: not one volume`, {
      file: tiled.name,
      cause: 'mixed-mosaic',
    });
  const placed = frames.filter((f) => f.attrs.position !== undefined && f.attrs.orientation !== undefined);
  if (placed.length === 0) {
    if (files.size > 1) {
      const h = frames[0]!.header;
      throw new InputError(`${label}: ${h.name} has no ImagePositionPatient / ImageOrientationPatient, slices cannot be ordered`, {
        file: h.name,
        cause: 'no-position',
      });
    }
    // One file, no positions (cine, ultrasound, fluoroscopy loops): frames are time points of one slice.
    return { volumes: frames.map((f) => [f]), volumeIndexAttribute: frames.length > 1 ? 'frame order' : undefined, layout: 'unplaced' };
  }
  if (placed.length < frames.length) {
    const h = frames.find((f) => f.attrs.position === undefined || f.attrs.orientation === undefined)!;
    throw new InputError(`${label}: ${h.header.name} frame ${h.frame + 1} has no position while others have one`, {
      file: h.header.name,
      cause: 'no-position',
    });
  }
  checkOrientations(frames, label);
  const clusters = clusterPositions(frames, label);
  const counts = clusters.map((c) => c.length);
  const nv = counts[0]!;
  if (counts.some((c) => c !== nv)) {
    const lo = Math.min(...counts);
    const hi = Math.max(...counts);
    const shared = clusters.find((c) => c.length === hi)!;
    const names = shared
      .slice(0, 2)
      .map((f) => (f.header.pm.frames > 1 ? `${f.header.name} frame ${f.frame + 1}` : f.header.name))
      .join(', ');
    // Most positions once, a few twice: duplicates (copied files), not a second volume.
    const duplicates = lo === 1 && 2 * counts.filter((c) => c === 1).length > counts.length;
    const cause = duplicates ? 'duplicate-position' : 'incomplete-volumes';
    const what = duplicates ? 'duplicate slice position' : 'incomplete volumes';
    throw new InputError(
      `${label}: ${what}: ${clusters.length} slice positions hold between ${lo} and ${hi} frames each (e.g. ${names} share one position); missing or ` +
        `extra files?`,
      { file: label, cause, positions: clusters.length, minFrames: lo, maxFrames: hi },
    );
  }
  const order = traceLast
    ? (a: FrameRef, b: FrameRef) => Number(a.keys.isotropicTrace) - Number(b.keys.isotropicTrace) || compareVolumes(a, b)
    : compareVolumes;
  for (const c of clusters) c.sort(order);
  if (nv > 1) checkDistinguishable(clusters, label);
  const volumes = Array.from({ length: nv }, (_, v) => clusters.map((c) => c[v]!));
  if (nv > 1) checkTemporalConsistency(volumes, label);
  return { volumes, volumeIndexAttribute: nv > 1 ? describeOrder(clusters[0]!, frames[0]!.header.pm.frames === 1) : undefined, layout: 'stack' };
}

function checkOrientations(frames: readonly FrameRef[], label: string): void {
  const first = frames[0]!;
  const iop = first.attrs.orientation!;
  const other = frames.find((f) => f.attrs.orientation!.some((v, idx) => Math.abs(v - iop[idx]!) > ORIENTATION_TOLERANCE));
  if (other === undefined) return;
  const distinct = new Set(frames.map((f) => f.attrs.orientation!.map((v) => v.toFixed(3)).join('\\')));
  throw new InputError(
    `${label}: frames have ${distinct.size} different ImageOrientationPatient (${first.header.name} frame ${first.frame + 1} vs ${other.header.name} ` +
      `frame ${other.frame + 1}): not one volume; read them separately`,
    { file: other.header.name, cause: 'mixed-orientation', orientations: distinct.size },
  );
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Frames grouped by slice position, groups ordered along the normal. */
function clusterPositions(frames: readonly FrameRef[], label: string): FrameRef[][] {
  const normal = computeSliceNormal(frames[0]!.attrs.orientation!);
  const depth = (f: FrameRef): number => dot(f.attrs.position!, normal);
  const sorted = [...frames].sort((a, b) => depth(a) - depth(b) || a.order - b.order);
  const clusters: FrameRef[][] = [];
  for (const f of sorted) {
    const last = clusters[clusters.length - 1];
    if (last !== undefined && Math.abs(depth(f) - depth(last[0]!)) < SAME_POSITION_MM) {
      const p = f.attrs.position!;
      const q = last[0]!.attrs.position!;
      if (Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]) > SAME_POSITION_MM) {
        throw new InputError(`${label}: ${f.header.name} and ${last[0]!.header.name} lie in the same plane at different in-plane positions: not one volume`, {
          file: f.header.name,
          cause: 'mixed-positions',
        });
      }
      last.push(f);
    } else {
      clusters.push([f]);
    }
  }
  return clusters;
}

function cmp(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined ? 0 : a - b;
}

function compareIndex(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return 0;
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return 0;
}

/**
 * Acquisition order of frames at one position. Frames of one enhanced file keep their stored
 * order, as dcm2niix does: it is the vendor's volume order even where TemporalPositionIndex
 * says otherwise (Philips 3D pCASL stores all label volumes, then all control volumes, with
 * temporal indices 1..3 in each). Frames of different files: temporal position, InstanceNumber,
 * DimensionIndexValues, then input order.
 */
function compareVolumes(a: FrameRef, b: FrameRef): number {
  if (a.header === b.header) return a.frame - b.frame;
  return (
    cmp(a.keys.temporalIndex, b.keys.temporalIndex) ||
    cmp(a.keys.instanceNumber, b.keys.instanceNumber) ||
    compareIndex(a.keys.dimensionIndex, b.keys.dimensionIndex) ||
    a.order - b.order
  );
}

/**
 * Two single-frame files at one position that nothing orders (no temporal index, equal or missing
 * InstanceNumber) are duplicates, not volumes: refuse rather than guess by file name.
 */
function checkDistinguishable(clusters: readonly FrameRef[][], label: string): void {
  for (const c of clusters) {
    for (let v = 1; v < c.length; v++) {
      const a = c[v - 1]!;
      const b = c[v]!;
      if (a.header === b.header) continue; // frames of one file: stored order is acquisition order
      const ordered =
        (a.keys.temporalIndex !== undefined && b.keys.temporalIndex !== undefined && a.keys.temporalIndex !== b.keys.temporalIndex) ||
        (a.keys.instanceNumber !== undefined && b.keys.instanceNumber !== undefined && a.keys.instanceNumber !== b.keys.instanceNumber);
      if (!ordered) {
        throw new InputError(
          `${label}: duplicate slice position (${a.header.name}, ${b.header.name}) and no TemporalPositionIdentifier / InstanceNumber telling the ` +
            `volumes apart`,
          { file: b.header.name, cause: 'duplicate-position' },
        );
      }
    }
  }
}

/**
 * When the temporal index is what orders the frames at each position, every volume must hold one
 * temporal index: otherwise slices of different time points would be mixed into one volume.
 */
function checkTemporalConsistency(volumes: readonly FrameRef[][], label: string): void {
  const nv = volumes.length;
  const ns = volumes[0]!.length;
  for (let s = 0; s < ns; s++) {
    const t = new Set(volumes.map((v) => v[s]!.keys.temporalIndex));
    if (t.has(undefined) || t.size !== nv) return; // not the ordering key
  }
  for (const vol of volumes) {
    if (new Set(vol.map((f) => f.keys.temporalIndex)).size > 1) {
      throw new InputError(`${label}: slices of one volume carry different temporal positions; the series cannot be split into volumes reliably`, {
        file: vol[0]!.header.name,
        cause: 'inconsistent-volumes',
      });
    }
  }
}

/** Name of the attribute that tells the frames at one position apart (for meta.volumeIndexAttribute). */
function describeOrder(frames: readonly FrameRef[], classic: boolean): string {
  if (frames.every((f) => f.header === frames[0]!.header)) return 'stored frame order';
  const varies = (get: (k: FrameKeys) => number | undefined): boolean => {
    const values = frames.map((f) => get(f.keys));
    return !values.includes(undefined) && new Set(values).size === values.length;
  };
  if (varies((k) => k.temporalIndex)) return classic ? 'TemporalPositionIdentifier' : 'TemporalPositionIndex';
  if (varies((k) => k.instanceNumber)) return 'InstanceNumber';
  if (frames.every((f) => f.keys.dimensionIndex !== undefined)) return 'DimensionIndexValues';
  return 'frame order';
}
