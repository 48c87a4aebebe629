/**
 * DICOM SEG (BINARY) -> label map on its source series' grid: the inverse of createDicomSeg, for
 * checking what a PACS holds and for tests. Pixels are decoded by decodeDicomFrames (any transfer
 * syntax it reads); each frame is placed on the source slice its SourceImageSequence names, else
 * on the slice at its ImagePositionPatient (within 0.01 mm). Voxel value = SegmentNumber.
 * Overlapping segments cannot be one label map: InputError, never a silent overwrite.
 */
import { InputError, UnsupportedError } from '../../core/errors.js';
import { decodeDicomFrames } from '../dicom/read-dicom.js';
import { firstItem, parseDicomBytes, readNumbers, readString, sequenceItems } from '../dicom/parse-header.js';
import type { CodedConcept } from './codes.js';
import { SEGMENTATION_STORAGE } from './seg.js';
import type { DicomSourceSeries } from './source.js';

export interface DicomSegSegment {
  readonly number: number;
  readonly label: string;
  readonly type: CodedConcept | undefined;
}

export interface DicomSegLabels {
  /** One value per source voxel (i fastest, k in source.instances order); 0 = no segment. */
  readonly data: Uint16Array;
  readonly segments: readonly DicomSegSegment[];
}

const POSITION_TOLERANCE_MM = 0.01;

function code(item: ReturnType<typeof firstItem>): CodedConcept | undefined {
  if (item === undefined) return undefined;
  return { value: readString(item, 'x00080100') ?? '', scheme: readString(item, 'x00080102') ?? '', meaning: readString(item, 'x00080104') ?? '' };
}

export async function readDicomSegLabels(bytes: Uint8Array, source: DicomSourceSeries, name = 'seg'): Promise<DicomSegLabels> {
  const ds = parseDicomBytes(bytes, name).dataSet;
  if (readString(ds, 'x00080016') !== SEGMENTATION_STORAGE) throw new InputError(`${name}: not a DICOM Segmentation`, { file: name, cause: 'not-a-seg' });
  if (readString(ds, 'x00620001') !== 'BINARY')
    throw new UnsupportedError(`${name}: only BINARY segmentations are read (FRACTIONAL needs a threshold)`, { file: name, cause: 'fractional-seg' });
  if (readString(ds, 'x00280010') !== undefined && (ds.uint16('x00280010') !== source.rows || ds.uint16('x00280011') !== source.columns)) {
    throw new InputError(`${name}: SEG frames are ${ds.uint16('x00280011')}x${ds.uint16('x00280010')}, the source ${source.columns}x${source.rows}`, {
      file: name,
      cause: 'grid-mismatch',
    });
  }
  const segments = sequenceItems(ds, 'x00620002').map((s) => ({
    number: s.uint16('x00620004') ?? 0,
    label: readString(s, 'x00620005') ?? '',
    type: code(firstItem(s, 'x0062000f')),
  }));
  const pixels = (await decodeDicomFrames(bytes, { name })).data;
  const plane = source.rows * source.columns;
  const out = new Uint16Array(plane * source.instances.length);
  const bySop = new Map(source.instances.map((inst, k) => [inst.sopInstanceUid, k]));
  const sharedSegment = firstItem(firstItem(ds, 'x52009229') ?? ds, 'x0062000a');
  sequenceItems(ds, 'x52009230').forEach((frame, f) => {
    const segment = (firstItem(frame, 'x0062000a') ?? sharedSegment)?.uint16('x0062000b');
    if (segment === undefined) throw new InputError(`${name}: frame ${f + 1} names no segment`, { file: name, cause: 'frame-without-segment', frame: f + 1 });
    const derivation = firstItem(frame, 'x00089124');
    const sop = derivation === undefined ? undefined : readString(firstItem(derivation, 'x00082112') ?? derivation, 'x00081155');
    let k = sop === undefined ? undefined : bySop.get(sop);
    if (k === undefined) {
      const p = readNumbers(firstItem(frame, 'x00209113') ?? frame, 'x00200032');
      if (p !== undefined)
        k = source.instances.findIndex(
          (s) => s.position !== undefined && Math.hypot(s.position[0] - p[0]!, s.position[1] - p[1]!, s.position[2] - p[2]!) < POSITION_TOLERANCE_MM,
        );
    }
    if (k === undefined || k < 0)
      throw new InputError(`${name}: frame ${f + 1} lies on no slice of the source series`, { file: name, cause: 'frame-off-source', frame: f + 1 });
    const base = k * plane;
    for (let p = 0; p < plane; p++) {
      if (pixels[f * plane + p] === 0) continue;
      const prev = out[base + p]!;
      if (prev !== 0 && prev !== segment)
        throw new InputError(`${name}: segments ${prev} and ${segment} overlap; they cannot form one label map`, { file: name, cause: 'overlapping-segments' });
      out[base + p] = segment;
    }
  });
  return { data: out, segments };
}
