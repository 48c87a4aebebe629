/**
 * Browser entry: the isomorphic API plus onnxruntime-web runtime and File / Blob / URL / canvas
 * loaders. Never imports node:* modules, sharp or onnxruntime-node (a test bundles this file to check).
 *
 * Names are listed by hand; test/api/export-surface.test.ts snapshots them.
 */
// The isomorphic API (src/index.ts lists every name by hand; see src/node.ts).
export * from './index.js';

// Pipelines bound to onnxruntime-web and fetch; the manifest over HTTP.
export { createPipeline, fetchManifest, type BrowserPipelineOptions } from './pipelines/browser-context.js';

// onnxruntime-web (wasm, WebGPU) and the check that the app serves its files.
export { createWebBackend, checkOrtAssets, ORT_WEB_ASSET_FILES, type WebBackendOptions, type OrtAssetProblem } from './runtime/ort-web.js';

// Images from File / Blob / URL / bytes; DICOM series from dropped files.
export { readImageInBrowser, readDicomFilesInBrowser, type BrowserImageSource, type BrowserReadOptions } from './io/browser/read-image.js';
export { sniffImageFormat } from './io/browser/sniff-format.js';

// Worker threads for the volume kernels (needs cross-origin isolation).
export { startKernelThreads, type KernelThreadsStatus, type StartKernelThreadsOptions } from './core/threads/browser-slab-pool.js';
