/**
 * Postprocessing and metrics: pure, isomorphic functions on typed arrays and Volumes (no runtime,
 * no node:*), shared by every task pipeline in Node and browsers.
 */
export type { NumericArray } from './shared/checks.js';
export * from './plan/ops.js';
export * from './classification/activations.js';
export * from './classification/op-norm.js';
export * from './classification/label-scores.js';
export * from './detection/boxes.js';
export * from './detection/decode.js';
export * from './detection/nms.js';
export * from './segmentation/label-maps.js';
export * from './segmentation/connected-components.js';
export * from './segmentation/component-filters.js';
export * from './registration/field.js';
export * from './registration/warp.js';
export * from './registration/integrate.js';
export * from './registration/jacobian.js';
export * from './registration/points.js';
export * from './metrics/roc-auc.js';
export * from './metrics/dice.js';
export * from './metrics/edt.js';
export * from './metrics/hausdorff.js';
export * from './metrics/froc.js';
export * from './metrics/tre.js';
