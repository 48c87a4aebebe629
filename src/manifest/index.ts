export * from './types.js';
export * from './schema.js';
export * from './load.js';
export { renderManifestStepsDoc } from './steps-doc.js';
