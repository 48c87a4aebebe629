/**
 * Browser entry: the isomorphic API plus onnxruntime-web runtime and File / Blob / URL / canvas
 * loaders. Never imports node:* modules, sharp or onnxruntime-node (a test bundles this file to check).
 */
export * from './index.js';
export { createWebBackend, checkOrtAssets, findOrtAssetProblems, ORT_WEB_ASSET_FILES, type WebBackendOptions, type OrtAssetProblem } from './runtime/ort-web.js';
export { createPipeline, createBrowserContext, fetchManifest, type BrowserPipelineOptions } from './pipelines/browser-context.js';
export { readImageInBrowser, readDicomFilesInBrowser, type BrowserImageSource, type BrowserReadOptions } from './io/browser/read-image.js';
export { sniffImageFormat } from './io/browser/sniff-format.js';
export { startKernelThreads, type KernelThreadsStatus, type StartKernelThreadsOptions } from './postprocess/threads/browser-slab-pool.js';
