/** One line per preprocess op for the generated step reference (docs/manifest-steps.md). */
import type { PreprocessOp } from './types.js';

export const PREPROCESS_SUMMARIES: Readonly<Record<PreprocessOp, string>> = {
  orient: 'Permutes / flips voxel axes (no interpolation) so i, j, k point to `axcodes` (nibabel "towards" letters, as MONAI Orientationd).',
  resample: "Resamples to `spacing` mm along i, j, k (MONAI Spacingd or nnU-Net rules; nearest, linear or cubic; nnU-Net's separate-z for anisotropic data).",
  resize: 'Resizes to a voxel `size` (torch interpolate conventions: bilinear, area, nearest; -1 keeps an axis).',
  cropPad:
    'Integer crop / constant pad: centre crop (MONAI), TorchXRayVision centre square, pad to a multiple of `k`, or crop to x > 0 with `margin` ' +
    '(MONAI CropForeground).',
  letterbox: 'YOLO letterbox: scale to fit `size` keeping the aspect ratio, pad with `padValue`.',
  window: 'CT window (`center`, `width`) mapped to [`outMin`, `outMax`], clipped.',
  scaleIntensity:
    "MONAI ScaleIntensity: the volume's own minimum and maximum mapped to [`min`, `max`], per channel with `channelWise` (VoxelMorph feeds [0, 1]).",
  scaleIntensityRange: 'MONAI ScaleIntensityRange: [aMin, aMax] -> [bMin, bMax] linearly, optionally clipped.',
  zscore: 'MONAI NormalizeIntensity: (x - mean) / std over all voxels, or the non-zero ones, per channel or not.',
  percentileClip: 'Clips to the `lower` / `upper` percentiles (0..100, numpy linear interpolation) measured on the data.',
  normalizeMeanStd: 'torchvision Normalize: per channel (x * scale - mean) / std.',
  xrvNormalize: 'TorchXRayVision normalize: [0, maxval] -> [-1024, 1024]; maxval "bitsStored" reads it from the image.',
  invertMonochrome1: 'DICOM MONOCHROME1 (low = bright) turned into MONOCHROME2.',
  stackChannels:
    'First step of a multi-input model: named inputs stacked as channels in `order` (inputs off the first grid are resampled onto it, with a warning).',
  greyscale: 'RGB to one channel: the channel mean or the first channel.',
  toRgb: 'One channel repeated into three (RGB-trained 2D models).',
  toTensor: 'Last step: the volume as an N=1 tensor with `layout`, `dtype` and spatial `axisOrder` (see "axisOrder" above).',
  conform:
    'FreeSurfer conform as brainchop gets it from niivue: any input (orientation, oblique, spacing, type) resliced to `size` voxels of `voxelSize` ' +
    'mm, axes `axcodes`, centred on the input, intensities to uint8 (uint8 kept, others 0..99.9 % histogram range); an already conformed uint8 ' +
    'volume passes unchanged (`skipConformed`). First step only. Results come back to the input grid through the record (nearest for labels).',
  normalizeMinMax: 'brainchop min-max: (x - min) / (max - min) over the whole volume, float32.',
  normalizeQuantile:
    'brainchop quantile normalisation: (x - q_lower) / (q_upper - q_lower) with q = sorted values at floor(n * lower) and ceil(n * upper) - 1; not clipped.',
  cropForeground:
    'brainchop crop: bounding box of a mask plus `padding` voxels per side, clamped to the image. Mask "threshold": x > value; "relativeThreshold": ' +
    'x > value * max(x) (on the data as this step sees it, i.e. after normalisation); "preModel": the entry\'s pre-model labels != 0. An empty mask ' +
    'is an error.',
};
