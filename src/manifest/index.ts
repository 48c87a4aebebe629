export * from './types.js';
export type { IoSpec, TensorSpec } from './io-spec.js';
export * from './schema.js';
export * from './load.js';
export { renderManifestStepsDoc } from './steps-doc.js';
