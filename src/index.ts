/**
 * Isomorphic public API: types and pure functions only. Imports no runtime and no node:* module,
 * so it bundles for browsers unchanged. Node and browser entries add runtimes and loaders.
 */
export * from './core/index.js';
export * from './preprocess/index.js';
export * from './runtime/index.js';
export * from './manifest/index.js';
export { SDK_VERSION } from './version.js';
export * from './io/nifti/index.js';
export * from './io/dicom/index.js';
export * from './io/dicomweb/index.js';
export * from './io/dicom-write/index.js';
export * from './phantoms/index.js';
export * from './postprocess/index.js';
export * from './pipelines/index.js';
export * from './io/ndarray-interop.js';
