/**
 * Per-frame spatial attributes and rescale of one file. Enhanced multi-frame objects keep them in
 * functional groups: Per-Frame (5200,9230) items override Shared (5200,9229), which override the
 * top-level attributes of classic objects. RT Dose places frames with GridFrameOffsetVector.
 * All positions are LPS millimetres (DICOM patient coordinates).
 */
import type { Vec3 } from '../../core/geometry.js';
import type { DataSet } from './dataset.js';
import type { Rescale } from './modality-lut.js';
import { firstItem, readNumber, readNumbers, sequenceItems } from './parse-header.js';
import { TAG } from './tags.js';
import { isPhilips, readPhilipsScaleSlope } from './philips-scaling.js';

export interface FrameAttributes {
  /** ImagePositionPatient: centre of the first transmitted pixel (mm, LPS). */
  readonly position: Vec3 | undefined;
  /** ImageOrientationPatient: row cosine (direction of increasing column index) then column cosine. */
  readonly orientation: readonly number[] | undefined;
  /** PixelSpacing: [between rows (along j), between columns (along i)] in mm. */
  readonly pixelSpacing: readonly [number, number] | undefined;
  readonly sliceThickness: number | undefined;
  readonly rescale: Rescale | undefined;
  /** Philips private Scale Slope (2005,100E) of this frame, Philips files only (philips-scaling.ts). */
  readonly philipsScaleSlope?: number | undefined;
}

function vec3(values: readonly number[] | undefined): Vec3 | undefined {
  return values !== undefined && values.length >= 3 ? [values[0]!, values[1]!, values[2]!] : undefined;
}

function orientation(values: readonly number[] | undefined): readonly number[] | undefined {
  return values !== undefined && values.length >= 6 ? values.slice(0, 6) : undefined;
}

function spacing(values: readonly number[] | undefined): readonly [number, number] | undefined {
  return values !== undefined && values.length >= 2 && values[0]! > 0 && values[1]! > 0 ? [values[0]!, values[1]!] : undefined;
}

function rescaleOf(ds: DataSet | undefined): Rescale | undefined {
  if (ds === undefined) return undefined;
  const slope = readNumber(ds, TAG.rescaleSlope);
  const intercept = readNumber(ds, TAG.rescaleIntercept);
  // pydicom applies the rescale only when both attributes are present.
  if (slope === undefined || intercept === undefined) return undefined;
  return { slope, intercept };
}

/** Attributes of a functional-group item (per-frame or shared); undefined fields fall through. */
function fromGroup(item: DataSet | undefined): Partial<Record<keyof FrameAttributes, unknown>> {
  if (item === undefined) return {};
  const measures = firstItem(item, TAG.pixelMeasuresSequence);
  const plane = firstItem(item, TAG.planePositionSequence);
  const orient = firstItem(item, TAG.planeOrientationSequence);
  const transform = firstItem(item, TAG.pixelValueTransformationSequence);
  return {
    position: plane === undefined ? undefined : vec3(readNumbers(plane, TAG.imagePositionPatient)),
    orientation: orient === undefined ? undefined : orientation(readNumbers(orient, TAG.imageOrientationPatient)),
    pixelSpacing: measures === undefined ? undefined : spacing(readNumbers(measures, TAG.pixelSpacing)),
    sliceThickness: measures === undefined ? undefined : readNumber(measures, TAG.sliceThickness),
    rescale: rescaleOf(transform),
  };
}

function pick<T>(...values: unknown[]): T | undefined {
  for (const v of values) if (v !== undefined) return v as T;
  return undefined;
}

/** One entry per frame, in stored frame order. */
export function readFrameAttributes(ds: DataSet, frameCount: number): FrameAttributes[] {
  const shared = fromGroup(firstItem(ds, TAG.sharedFunctionalGroups));
  const perFrame = sequenceItems(ds, TAG.perFrameFunctionalGroups);
  const top: FrameAttributes = {
    position: vec3(readNumbers(ds, TAG.imagePositionPatient)),
    orientation: orientation(readNumbers(ds, TAG.imageOrientationPatient)),
    pixelSpacing: spacing(readNumbers(ds, TAG.pixelSpacing)),
    sliceThickness: readNumber(ds, TAG.sliceThickness),
    rescale: rescaleOf(ds),
  };
  const offsets = readNumbers(ds, TAG.gridFrameOffsetVector);
  const philips = isPhilips(ds);
  const sharedItem = firstItem(ds, TAG.sharedFunctionalGroups);
  const out: FrameAttributes[] = [];
  for (let f = 0; f < frameCount; f++) {
    const own = fromGroup(perFrame[f]);
    const philipsScaleSlope = philips ? (readPhilipsScaleSlope(perFrame[f]) ?? readPhilipsScaleSlope(sharedItem) ?? readPhilipsScaleSlope(ds)) : undefined;
    out.push({
      position: pick<Vec3>(own.position, shared.position, top.position),
      orientation: pick<readonly number[]>(own.orientation, shared.orientation, top.orientation),
      pixelSpacing: pick<readonly [number, number]>(own.pixelSpacing, shared.pixelSpacing, top.pixelSpacing),
      sliceThickness: pick<number>(own.sliceThickness, shared.sliceThickness, top.sliceThickness),
      rescale: pick<Rescale>(own.rescale, shared.rescale, top.rescale),
      ...(philipsScaleSlope === undefined ? {} : { philipsScaleSlope }),
    });
  }
  if (offsets !== undefined && offsets.length === frameCount && perFrame.length === 0) return placeGridFrames(out, offsets);
  return out;
}

/**
 * RT Dose (PS3.3 C.8.8.3.2): frame f lies at IPP + (offset[f] - offset[0]) along the slice
 * normal. Subtracting offset[0] covers both the relative form (offset[0] = 0) and the absolute
 * form (offset[0] = IPP z for axial grids).
 */
function placeGridFrames(frames: FrameAttributes[], offsets: readonly number[]): FrameAttributes[] {
  return frames.map((fr, f) => {
    if (fr.position === undefined || fr.orientation === undefined) return fr;
    const n = computeSliceNormal(fr.orientation);
    const d = offsets[f]! - offsets[0]!;
    const p: Vec3 = [fr.position[0] + d * n[0], fr.position[1] + d * n[1], fr.position[2] + d * n[2]];
    return { ...fr, position: p };
  });
}

/** Unit normal = row cosine x column cosine (points towards increasing slice position). */
export function computeSliceNormal(iop: readonly number[]): Vec3 {
  const r = normalizeVec3([iop[0]!, iop[1]!, iop[2]!]);
  const c = normalizeVec3([iop[3]!, iop[4]!, iop[5]!]);
  return normalizeVec3([r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]]);
}

export function normalizeVec3(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return n > 0 ? [v[0] / n, v[1] / n, v[2] / n] : v;
}

/**
 * Where rows stored in reverse order under an unchanged header really lie (GE epi_pepolar reversed
 * volumes, frame-keys.ts rowsReversed): the first stored row is the header's last row, and rows
 * advance against the header's column direction (PixelSpacing[0] = mm between rows).
 */
export function rowsReversedAttributes(a: FrameAttributes, rows: number): FrameAttributes {
  if (a.position === undefined || a.orientation === undefined || a.pixelSpacing === undefined) return a;
  const o = a.orientation;
  const d = (rows - 1) * a.pixelSpacing[0];
  const position: Vec3 = [a.position[0] + d * o[3]!, a.position[1] + d * o[4]!, a.position[2] + d * o[5]!];
  return { ...a, position, orientation: [o[0]!, o[1]!, o[2]!, -o[3]!, -o[4]!, -o[5]!] };
}
