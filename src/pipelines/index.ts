export * from './types.js';
export * from './registry.js';
export * from './classification.js';
export * from './occlusion.js';
export { compileScoreSteps, type ScoreSteps } from './score-steps.js';
export { concatTensors, concatChannels } from './batch.js';
export * from './segmentation.js';
export * from './align-inputs.js';
export * from './model-inputs.js';
export { inferDense } from './infer-dense.js';
export * from './registration.js';
export * from './landmarks.js';
export { fieldFromTensor, resizeField } from './field-from-tensor.js';
export * from './detection.js';
export { decodeDetections } from './detection-decode.js';
export {
  segmentationToDicom,
  segmentsFromManifest,
  detectionFindings,
  detectionToDicomSr,
  classificationFindings,
  classificationToDicomSr,
  algorithmOf,
  type DicomResultOptions,
} from './dicom-results.js';
export * from './report-text.js';
export * from './text-tokenizer.js';
