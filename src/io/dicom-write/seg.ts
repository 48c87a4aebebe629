/**
 * DICOM Segmentation (Segmentation Storage 1.2.840.10008.5.1.4.1.1.66.4, SegmentationType
 * BINARY) from a label map on the exact grid of a single-frame source series.
 * Each frame is one segment on one source slice: per-frame PlanePosition / PlaneOrientation,
 * DerivationImageSequence -> SourceImageSequence naming that slice, FrameContent with
 * DimensionIndexValues (segment number, 1-based slice index along k). Frames with no voxel of
 * their segment are left out (PS3.3 allows it and viewers place frames by position). Frames are
 * ordered by segment, then slice, and bit-packed LSB-first with no padding between frames.
 * The label map must be on the source grid (readDicomSeries of the same files, or a
 * segmentation result mapped back onto it): that is checked, never assumed.
 */
import { InputError, UsageError } from '../../core/errors.js';
import type { Volume } from '../../core/volume.js';
import { srgbToDicomLab } from './cielab.js';
import { CODES, codeSequence, type CodedConcept } from './codes.js';
import { encodePart10, type DicomItem } from './encode.js';
import { tagOf } from './dictionary.js';
import { checkPersonName, commonModules, equipmentModule, resolveInstanceUids, type AlgorithmIdentity, type InstanceUidOptions } from './common.js';
import { requirePatientFrame, type DicomSourceSeries } from './source.js';
import type { Vec3 } from '../../core/geometry.js';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegmentDescription {
  /** Value of this segment in the label map (> 0). Segment numbers are assigned 1..n in the given order. */
  readonly label: number;
  readonly name: string;
  /** SegmentedPropertyCategoryCodeSequence, e.g. SCT 85756007 'Tissue' or 49755003 'Morphologically Altered Structure'. */
  readonly category: CodedConcept;
  /** SegmentedPropertyTypeCodeSequence, e.g. SCT 10200004 'Liver'. */
  readonly type: CodedConcept;
  /** sRGB 0-255, written as RecommendedDisplayCIELabValue. */
  readonly color?: readonly [number, number, number];
}

export interface CreateDicomSegOptions extends InstanceUidOptions {
  readonly labels: Volume;
  readonly source: DicomSourceSeries;
  readonly segments: readonly SegmentDescription[];
  /** SegmentAlgorithmName = name (the model id), AlgorithmVersion = version (the model sha256). */
  readonly algorithm: AlgorithmIdentity;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
  /** ContentCreatorName, 'Family^Given' (e.g. the operator who started the run); empty by default, as the creator is a device. */
  readonly contentCreatorName?: string;
}

/** Largest deviation (mm) between a label-map slice origin and its source slice position. */
const POSITION_TOLERANCE_MM = 1e-3 * 50;

function checkGrid(labels: Volume, source: DicomSourceSeries, positions: readonly Vec3[]): void {
  const g = labels.geometry;
  const file = String(labels.meta.source ?? 'labels');
  const n = source.instances.length;
  if (labels.components !== 1 || labels.frames !== 1)
    throw new InputError(`${file}: a label map has one component and one frame, got ${labels.components} x ${labels.frames}`, {
      file,
      cause: 'not-a-label-map',
    });
  if (g.size[0] !== source.columns || g.size[1] !== source.rows || g.size[2] !== n) {
    throw new InputError(`${file}: label map ${g.size.join('x')} is not on the source grid ${source.columns}x${source.rows}x${n}`, {
      file,
      cause: 'grid-mismatch',
    });
  }
  // Slice k of the label map must sit where source instance k is (same ordering, same grid).
  const d = g.direction;
  for (let k = 0; k < n; k++) {
    const p = positions[k]!;
    const o = [g.origin[0] + d[2] * g.spacing[2] * k, g.origin[1] + d[5] * g.spacing[2] * k, g.origin[2] + d[8] * g.spacing[2] * k];
    const off = Math.hypot(o[0]! - p[0], o[1]! - p[1], o[2]! - p[2]);
    // The series reader uses the mean slice step; irregular stacks deviate by up to half a step.
    if (off > Math.max(POSITION_TOLERANCE_MM, 0.5 * g.spacing[2])) {
      throw new InputError(`${file}: label-map slice ${k} is ${off.toFixed(3)} mm from source slice ${source.instances[k]!.name}; not the source grid`, {
        file,
        cause: 'grid-mismatch',
        slice: k,
      });
    }
  }
}

function checkSegments(segments: readonly SegmentDescription[]): void {
  if (segments.length === 0) throw new UsageError('createDicomSeg: no segments described', { field: 'segments' });
  const seen = new Set<number>();
  for (const s of segments) {
    if (!Number.isInteger(s.label) || s.label <= 0)
      throw new UsageError(`createDicomSeg: segment '${s.name}' has label ${s.label}; labels are positive integers`, { field: 'segments' });
    if (seen.has(s.label)) throw new UsageError(`createDicomSeg: label ${s.label} described twice`, { field: 'segments' });
    seen.add(s.label);
  }
}

/** Writes the SEG as Part-10 bytes. */
export function createDicomSeg(options: CreateDicomSegOptions): Uint8Array {
  const { labels, source, segments, algorithm } = options;
  checkSegments(segments);
  const frame = requirePatientFrame(source, 'a DICOM Segmentation');
  checkGrid(labels, source, frame.positions);
  const cols = source.columns;
  const rows = source.rows;
  const plane = cols * rows;
  const data = labels.data;
  const uids = resolveInstanceUids(options, source, 'seg', algorithm);

  const frames: { segment: number; k: number }[] = [];
  for (const [s, seg] of segments.entries()) {
    for (let k = 0; k < source.instances.length; k++) {
      const base = k * plane;
      let any = false;
      for (let p = 0; p < plane; p++)
        if (data[base + p] === seg.label) {
          any = true;
          break;
        }
      if (any) frames.push({ segment: s + 1, k });
    }
  }
  if (frames.length === 0)
    throw new InputError(`${String(labels.meta.source ?? 'labels')}: the label map holds none of the described labels; an empty SEG is not written`, {
      file: String(labels.meta.source ?? 'labels'),
      cause: 'empty-segmentation',
    });

  // Bits are contiguous across frames (PS3.5 8.1.1): frame f starts at bit f * plane.
  const totalBits = frames.length * plane;
  const pixels = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
  frames.forEach((fr, f) => {
    const value = segments[fr.segment - 1]!.label;
    const base = fr.k * plane;
    const bit0 = f * plane;
    for (let p = 0; p < plane; p++) {
      if (data[base + p] === value) {
        const bit = bit0 + p;
        pixels[bit >>> 3]! |= 1 << (bit & 7);
      }
    }
  });

  const dimensionOrganizationUid = uids.derive('dimension-organization');
  const spacingBetween = labels.geometry.spacing[2];
  const perFrame: DicomItem[] = frames.map((fr) => {
    const inst = source.instances[fr.k]!;
    return {
      DerivationImageSequence: [
        {
          DerivationCodeSequence: codeSequence(CODES.segmentation),
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: inst.sopClassUid,
              ReferencedSOPInstanceUID: inst.sopInstanceUid,
              PurposeOfReferenceCodeSequence: codeSequence(CODES.sourceImageForProcessing),
            },
          ],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: [fr.segment, fr.k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: [...frame.positions[fr.k]!] }],
      PlaneOrientationSequence: [{ ImageOrientationPatient: [...frame.orientations[fr.k]!] }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: fr.segment }],
    };
  });

  const segmentItems: DicomItem[] = segments.map((s, idx) => ({
    SegmentNumber: idx + 1,
    // LO holds 64 characters; a longer name is kept whole in SegmentDescription (ST).
    SegmentLabel: s.name.slice(0, 64),
    SegmentDescription: s.name.length > 64 ? s.name : undefined,
    SegmentedPropertyCategoryCodeSequence: codeSequence(s.category),
    SegmentedPropertyTypeCodeSequence: codeSequence(s.type),
    SegmentAlgorithmType: 'AUTOMATIC',
    SegmentAlgorithmName: algorithm.name,
    SegmentationAlgorithmIdentificationSequence: [
      {
        AlgorithmFamilyCodeSequence: codeSequence(CODES.artificialIntelligence),
        AlgorithmName: algorithm.name,
        AlgorithmVersion: algorithm.version,
      },
    ],
    RecommendedDisplayCIELabValue: s.color === undefined ? undefined : srgbToDicomLab(s.color),
  }));

  const dataset: DicomItem = {
    ...commonModules(source, uids, {
      sopClassUid: SEGMENTATION_STORAGE,
      modality: 'SEG',
      seriesNumber: options.seriesNumber ?? 300,
      seriesDescription: options.seriesDescription ?? `${algorithm.name} segmentation`,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
    ...equipmentModule(algorithm),
    ImageType: ['DERIVED', 'PRIMARY'],
    InstanceNumber: 1,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: `${algorithm.name} automatic segmentation`.slice(0, 64),
    // Type 2: an automatic result has no human creator unless the caller names one; the device is
    // named in the equipment module.
    ContentCreatorName: options.contentCreatorName === undefined ? null : checkPersonName(options.contentCreatorName, 'contentCreatorName'),
    FrameOfReferenceUID: frame.frameOfReferenceUid,
    PositionReferenceIndicator: null,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: cols,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: segmentItems,
    NumberOfFrames: frames.length,
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: tagOf('ReferencedSegmentNumber'),
        FunctionalGroupPointer: tagOf('SegmentIdentificationSequence'),
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: tagOf('ImagePositionPatient'),
        FunctionalGroupPointer: tagOf('PlanePositionSequence'),
        DimensionDescriptionLabel: 'ImagePositionPatient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [...frame.pixelSpacing],
            // Required by the SEG IOD; the source's own thickness when stated, else the slice step.
            SliceThickness: source.sliceThickness ?? spacingBetween,
            SpacingBetweenSlices: spacingBetween,
          },
        ],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrame,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: source.instances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })),
      },
    ],
    PixelData: pixels,
  };
  return encodePart10(dataset);
}
