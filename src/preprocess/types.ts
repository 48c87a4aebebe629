/**
 * Types shared by the preprocessing steps, the plan runner and the inverse mapping.
 *
 * Every step is pure: `(volume, params) -> { volume, record }`. The record says how the output
 * voxel grid relates to the input voxel grid (an axis-aligned index transform) so model outputs,
 * boxes and points can be carried back onto the caller's original grid.
 */
import type { RangeProbe } from './band-blend.js';
import type { Geometry, Vec3 } from '../core/geometry.js';
import type { Volume } from '../core/volume.js';

/** Axis permutation entry: which input voxel axis an output axis reads from. */
export type AxisIndex = 0 | 1 | 2;

/**
 * Maps a continuous output voxel index to the continuous input voxel index (voxel centres at
 * integers): `in[axes[a]] = scale[a] * out[a] + offset[a]` for output axis a. Every spatial step
 * in this module (orient, resample, resize, crop/pad, letterbox) is of this form, which keeps the
 * inverse exact and separable.
 */
export interface IndexTransform {
  readonly axes: readonly [AxisIndex, AxisIndex, AxisIndex];
  readonly scale: Vec3;
  readonly offset: Vec3;
}

export type PreprocessOp =
  | 'orient'
  | 'resample'
  | 'resize'
  | 'cropPad'
  | 'letterbox'
  | 'window'
  | 'scaleIntensityRange'
  | 'scaleIntensity'
  | 'zscore'
  | 'percentileClip'
  | 'normalizeMeanStd'
  | 'xrvNormalize'
  | 'invertMonochrome1'
  | 'stackChannels'
  | 'greyscale'
  | 'toRgb'
  | 'toTensor'
  | 'conform'
  | 'normalizeMinMax'
  | 'normalizeQuantile'
  | 'cropForeground';

export interface OrientParams {
  readonly axcodes: string;
}
export type ResampleMode = 'nearest' | 'linear' | 'cubic';
export type ResampleRule = 'monai' | 'nnunet';
export interface ResampleParams {
  /** Target spacing in mm along the volume's i, j, k axes. */
  readonly spacing: readonly number[];
  readonly mode: ResampleMode;
  readonly rule: ResampleRule;
  /**
   * nnU-Net's anisotropic scheme: the low-resolution axis is resampled with nearest neighbour,
   * the others with `mode`. 'auto' applies nnU-Net's rule (max / min spacing > 3). Default false.
   */
  readonly separateZ?: boolean | 'auto';
}
export type ResizeMode = 'bilinear' | 'area' | 'nearest' | 'skimage';
export interface ResizeParams {
  /** Target size along i, j (and k); a 2-entry size keeps k. -1 keeps that axis. */
  readonly size: readonly number[];
  readonly mode: ResizeMode;
  readonly antialias?: boolean;
}
export type CropPadMode = 'center' | 'centerSquare' | 'divisible' | 'foreground';
export interface CropPadParams {
  readonly mode: CropPadMode;
  /** Target size along i, j (, k) for 'center'; -1 keeps the axis. */
  readonly size?: readonly number[];
  /** Divisor for 'divisible' (and the box of 'foreground'); a number or one per axis. */
  readonly k?: number | readonly number[];
  /** Voxels added around the foreground box; a number or one per axis. */
  readonly margin?: number | readonly number[];
  /** 'foreground': clip the margin-grown box to the image before growing it to k (MONAI allow_smaller=True). Default false. */
  readonly allowSmaller?: boolean;
  /** Fill value of padded voxels (default 0). */
  readonly value?: number;
}
export interface LetterboxParams {
  /** Target [width, height] in pixels (i, j). */
  readonly size: readonly number[];
  readonly stride?: number;
  readonly padValue?: number;
  readonly auto?: boolean;
  readonly scaleUp?: boolean;
}
export interface WindowParams {
  readonly center: number;
  readonly width: number;
  readonly outMin?: number;
  readonly outMax?: number;
}
export interface ScaleIntensityRangeParams {
  readonly aMin: number;
  readonly aMax: number;
  readonly bMin: number;
  readonly bMax: number;
  readonly clip: boolean;
}
export interface ScaleIntensityParams {
  readonly min: number;
  readonly max: number;
  readonly channelWise: boolean;
}
export interface ZscoreParams {
  readonly nonzero: boolean;
  readonly channelWise: boolean;
}
export interface PercentileClipParams {
  readonly lower: number;
  readonly upper: number;
}
export interface NormalizeMeanStdParams {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly scale?: number;
}
export interface XrvNormalizeParams {
  readonly maxval?: number | 'bitsStored';
}
export type InvertMonochrome1Params = Readonly<Record<string, never>>;
export interface StackChannelsParams {
  readonly order: readonly string[];
}
export interface GreyscaleParams {
  readonly method: 'mean' | 'first';
}
export type ToRgbParams = Readonly<Record<string, never>>;
export type TensorLayout = 'NCHW' | 'NCDHW';
export type TensorDtype = 'float32' | 'float16';
export interface ToTensorParams {
  readonly layout: TensorLayout;
  readonly dtype: TensorDtype;
  /**
   * Volume axes from slowest to fastest among the tensor's spatial dims. Default 'ji' (NCHW)
   * / 'kji' (NCDHW): rows x columns as stored. MONAI / nibabel models see arrays indexed
   * [i, j, k] (k fastest): use 'ijk' (or 'ij' for 2D).
   */
  readonly axisOrder?: string;
}

export interface ConformParams {
  /** Output grid size along i, j, k (FreeSurfer: 256 each). */
  readonly size: readonly number[];
  /** Isotropic output voxel size in mm (FreeSurfer: 1). */
  readonly voxelSize: number;
  /** Output axis codes, nibabel "towards" letters: 'LIA' (FreeSurfer, default) or 'RAS'. */
  readonly axcodes: 'LIA' | 'RAS';
  /** Interpolation of the intensities (niivue's conform default: linear). */
  readonly interpolation: 'linear' | 'nearest';
  /**
   * Leave a volume that already has the output size, uint8 voxels, the output orientation
   * (axis-aligned) and the voxel size untouched, as brainchop does (default true).
   */
  readonly skipConformed: boolean;
}
export type NormalizeMinMaxParams = Readonly<Record<string, never>>;
export interface NormalizeQuantileParams {
  /** Quantiles in [0, 1]; brainchop: 0.05 and 0.95. */
  readonly lower: number;
  readonly upper: number;
}
export type ForegroundMaskKind = 'threshold' | 'relativeThreshold' | 'preModel';
export interface CropForegroundParams {
  /** 'threshold': x > value; 'relativeThreshold': x > value * max(x); 'preModel': the pre-model's labels != 0. */
  readonly mask: ForegroundMaskKind;
  /** Threshold (threshold) or fraction of the maximum in (0, 1] (relativeThreshold). */
  readonly value?: number;
  /** Voxels added on each side of the mask's bounding box, clamped to the image (a number or one per axis). */
  readonly padding: number | readonly number[];
}

export type PreprocessStep =
  | ({ readonly op: 'orient' } & OrientParams)
  | ({ readonly op: 'resample' } & ResampleParams)
  | ({ readonly op: 'resize' } & ResizeParams)
  | ({ readonly op: 'cropPad' } & CropPadParams)
  | ({ readonly op: 'letterbox' } & LetterboxParams)
  | ({ readonly op: 'window' } & WindowParams)
  | ({ readonly op: 'scaleIntensityRange' } & ScaleIntensityRangeParams)
  | ({ readonly op: 'scaleIntensity' } & ScaleIntensityParams)
  | ({ readonly op: 'zscore' } & ZscoreParams)
  | ({ readonly op: 'percentileClip' } & PercentileClipParams)
  | ({ readonly op: 'normalizeMeanStd' } & NormalizeMeanStdParams)
  | ({ readonly op: 'xrvNormalize' } & XrvNormalizeParams)
  | { readonly op: 'invertMonochrome1' }
  | ({ readonly op: 'stackChannels' } & StackChannelsParams)
  | ({ readonly op: 'greyscale' } & GreyscaleParams)
  | { readonly op: 'toRgb' }
  | ({ readonly op: 'toTensor' } & ToTensorParams)
  | ({ readonly op: 'conform' } & ConformParams)
  | { readonly op: 'normalizeMinMax' }
  | ({ readonly op: 'normalizeQuantile' } & NormalizeQuantileParams)
  | ({ readonly op: 'cropForeground' } & CropForegroundParams);

/** Numbers a step measured on the data (z-score mean/std, percentiles, letterbox pads, ...). */
export type RecordDetails = Readonly<Record<string, number | string | boolean | readonly number[]>>;

export interface PreprocessRecord {
  readonly op: PreprocessOp;
  readonly params: Readonly<Record<string, unknown>>;
  readonly inputGeometry: Geometry;
  readonly outputGeometry: Geometry;
  /** Output index -> input index; null when the grid is unchanged (intensity / channel steps). */
  readonly transform: IndexTransform | null;
  /**
   * A general (not axis-aligned) regridding: output index -> input index as a 3x4 row-major
   * matrix (conform of an oblique or differently oriented input). `transform` is null then;
   * composeRecords refuses such records and the segmentation pipeline maps outputs back through
   * them itself (reslice-records.ts).
   */
  readonly reslice?: readonly number[];
  readonly details?: RecordDetails;
}

/**
 * inPlace: the step may write its result into the input's own float32 buffer instead of
 * allocating (the input must not be used afterwards). runPreprocessPlan sets it for the
 * intermediate volumes it created itself, never for the caller's volumes.
 */
export interface StepOptions {
  readonly inPlace?: boolean;
  /** toTensor only: return a strided view of a float32 volume instead of a transposed copy. */
  readonly view?: boolean;
  /** cropForeground {mask: 'preModel'}: the pre-model's label map on the grid the step sees. */
  readonly preModelLabels?: Volume;
  /** resize only: gather the OR of the input's samples from its band copies (band-blend.ts). */
  readonly rangeProbe?: RangeProbe;
}

export interface StepResult {
  readonly volume: Volume;
  readonly record: PreprocessRecord;
}
