/**
 * `medinfer/ops`: the processing toolbox under the pipelines, for callers who build their own
 * flow (a raw model session, another runtime, evaluation): the manifest's preprocessing steps and
 * their plan runner, mapping results back to the input grid, sliding-window inference, the
 * postprocessing ops (activations, thresholds, box decoding, NMS, argmax, connected components,
 * displacement fields) and the metrics (AUC, Dice, HD95, FROC, TRE, mention F1). Isomorphic.
 *
 * Names are listed by hand (no `export *`); test/api/export-surface.test.ts snapshots them.
 * Plumbing (3x3 matrix helpers, session-cache keys, blend-map caches, window placement rules,
 * float16 bit packing, index transforms) stays internal.
 */

// Preprocessing: the step vocabulary, the plan runner and each step as a function.
export {
  PREPROCESS_OPS, isPreprocessOp, validatePreprocessPlan, validatePreprocessStep, runPreprocessPlan, runPreprocessStep,
  orientVolume, computeOrientation, resampleVolume, planResample, resizeVolume, cropPadVolume, planCropPad, findForegroundBox,
  cropForegroundVolume, letterboxImage, planLetterbox, conformVolume, planConformGrid,
  applyWindow, scaleIntensityRange, scaleIntensity, normalizeZscore, clipPercentiles, normalizeMeanStd, normalizeXrv,
  normalizeMinMax, normalizeQuantile, invertMonochrome1, stackChannels, convertToGreyscale, convertToRgb, convertToTensor,
  checkModelSpace,
  type PreprocessOp, type PreprocessStep, type PreprocessRecord, type PreprocessResult, type RunPreprocessOptions,
  type StepOptions, type StepResult, type LetterboxPlan, type ConformGrid, type ModelSpace,
} from './preprocess/index.js';

// Back to the input: model-grid outputs onto the input grid, points and boxes into input voxels.
export {
  createVolumeFromTensor, invertToInputGrid, invertArgmaxToInputGrid, mapPointsToInput, mapBoxesToInput,
  type InvertOptions, type MapOptions, type MappedPoint, type MappedBox,
} from './preprocess/index.js';

// Sliding-window inference over a volume (MONAI / nnU-Net window placement, Gaussian blending).
export { runSlidingWindow, type SlidingWindowOptions, type WindowPredictor, type WindowPlacement, type BlendMode } from './runtime/index.js';

// Postprocessing: the step vocabulary and each op as a function.
export {
  POSTPROCESS_OPS, isPostprocessOp, validatePostprocessPlan,
  applySigmoid, applySoftmax, applyOpNorm, applyThreshold, selectTopK, toLabelScores,
  convertBoxMode, mapBoxesToWorld, decodeYolo, decodeEndToEnd, applyNms, selectNms,
  argmaxChannels, convertRegionsToLabels, remapLabels, measureLabelVolumes,
  labelConnectedComponents, keepLargestComponent, keepLargestForegroundComponent, removeSmallComponents,
  convertFieldToMm, convertFieldToVoxels, warpVolume, composeFields, integrateVelocity, computeJacobianDeterminant, displacePoints,
  type PostprocessOp, type PostprocessStep, type NumericArray, type OperatingThresholds, type LabelResultOptions, type LabelScore,
  type ThresholdSpec, type BoxMode, type BoxMode2D, type BoxMode3D, type DecodeYoloOptions, type Detections, type NmsInput,
  type NmsOptions, type LabelArray, type LabelMap, type LabelVolume, type RegionsToLabelsOptions, type ComponentLabels,
  type ComponentOptions, type Connectivity, type KeepLargestOptions, type RemoveSmallOptions, type DisplacementField,
  type DisplacementUnits, type WarpInterpolation, type WarpOptions, type WarpPadding, type IntegrateOptions, type JacobianOptions,
  type JacobianResult, type DisplacePointsOptions,
} from './postprocess/index.js';

// Metrics, as the reference tools compute them (each function's header names its reference).
export {
  computeRocAuc, computeDice, computeHausdorff95, computeFroc, computeTre, computeMentionF1,
  type DiceResult, type HausdorffOptions, type HausdorffResult, type FrocAnnotation, type FrocCandidate, type FrocInput,
  type FrocOptions, type FrocResult, type TreResult, type MentionCode, type MentionF1Pair,
} from './postprocess/index.js';
