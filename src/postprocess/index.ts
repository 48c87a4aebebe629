/**
 * Postprocessing and metrics: pure, isomorphic functions on typed arrays and Volumes (no runtime,
 * no node:*), shared by every task pipeline in Node and browsers. Only the public surface is
 * re-exported here; kernels and checks shared between files stay internal.
 */
export type { NumericArray } from './common/checks.js';
export { POSTPROCESS_OPS, isPostprocessOp, validatePostprocessPlan, type PostprocessOp, type PostprocessStep } from './plan/ops.js';

export { applySigmoid, applySoftmax, sigmoidScalar } from './classification/activations.js';
export { applyOpNorm, validateOperatingThresholds, type OperatingThresholds } from './classification/op-norm.js';
export {
  applyThreshold,
  resolveThresholds,
  selectTopK,
  toLabelScores,
  type LabelResultOptions,
  type LabelScore,
  type ThresholdSpec,
} from './classification/label-scores.js';

export { boxDims, convertBoxMode, mapBoxesToWorld, validateCornerBoxes, type BoxMode, type BoxMode2D, type BoxMode3D } from './detection/boxes.js';
export { countDetections, decodeEndToEnd, decodeYolo, type DecodeYoloOptions, type Detections } from './detection/decode.js';
export { applyNms, selectNms, type NmsInput, type NmsOptions } from './detection/nms.js';

export {
  argmaxChannels,
  convertRegionsToLabels,
  measureLabelVolumes,
  remapLabels,
  type LabelArray,
  type LabelMap,
  type LabelVolume,
  type RegionsToLabelsOptions,
} from './segmentation/label-maps.js';
export type { LargestSlice } from './segmentation/label-tally.js';
export { labelConnectedComponents, type ComponentLabels, type ComponentOptions, type Connectivity } from './segmentation/connected-components.js';
export {
  keepLargestComponent,
  keepLargestForegroundComponent,
  removeSmallComponents,
  type KeepLargestOptions,
  type RemoveSmallOptions,
} from './segmentation/component-filters.js';

export { convertFieldToMm, convertFieldToVoxels, type DisplacementField, type DisplacementUnits } from './registration/field.js';
export { warpVolume, type WarpInterpolation, type WarpOptions, type WarpPadding } from './registration/warp.js';
export { composeFields, integrateVelocity, type IntegrateOptions } from './registration/integrate.js';
export { computeJacobianDeterminant, type JacobianOptions, type JacobianResult } from './registration/jacobian.js';
export { displacePoints, type DisplacePointsOptions } from './registration/points.js';

export { computeRocAuc } from './metrics/roc-auc.js';
export { computeDice, type DiceResult } from './metrics/dice.js';
export { transformSquaredDistance } from './metrics/edt.js';
export { computeHausdorff95, type HausdorffOptions, type HausdorffResult } from './metrics/hausdorff.js';
export { computeFroc, type FrocAnnotation, type FrocCandidate, type FrocInput, type FrocOptions, type FrocResult } from './metrics/froc.js';
export { computeTre, type TreResult } from './metrics/tre.js';
export * from './metrics/mention-f1.js';
