/**
 * Node entry: the isomorphic API plus Node-only parts (onnxruntime-node runtime, file-system
 * and sharp loaders). Import as `medinfer` or `medinfer/node` in Node.
 */
export * from './index.js';
export { createNodeBackend } from './runtime/ort-node.js';
export { createThreadedBackend, THREADED_SESSION_DEFAULTS } from './runtime/threaded-backend.js';
export { bundledManifestPath, readManifestFile } from './manifest/node-manifest.js';
export * from './io/node-read-image.js';
export { listDicomFiles, readDicomDirectory, type DicomDirectoryResult, type DicomDirectoryError } from './io/dicom/node-files.js';
export { createPipeline, createNodeContext, loadNodeVolume, type NodePipelineOptions } from './pipelines/node-context.js';
