/**
 * Node entry: the isomorphic API plus Node-only parts (onnxruntime-node runtime, file-system
 * and sharp loaders). Import as `medinfer` or `medinfer/node` in Node.
 */
export * from './index.js';
// Registers the worker-thread runner of the volume kernels (the runner in postprocess/threads/, the pool in core/threads/).
import './postprocess/threads/node-slab-pool.js';
export { createNodeBackend } from './runtime/ort-node.js';
export { createThreadedBackend, THREADED_SESSION_DEFAULTS } from './runtime/threaded-backend.js';
export { bundledManifestPath, readManifestFile } from './manifest/node-manifest.js';
export { resolveModelsDir, defaultModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions, type ModelsDirResolution } from './manifest/store/models-dir.js';
export { loadManifestWithStore, type ManifestWithStore, type StoreInfo, type StoreLoadOptions } from './manifest/store/load-with-store.js';
export { addModelToStore, type AddModelOptions, type AddedModel } from './runtime/model-store/add-model.js';
export { removeModelFromStore } from './manifest/store/remove-model.js';
export * from './io/node-read-image.js';
export { listDicomFiles, readDicomDirectory, type DicomDirectoryResult, type DicomDirectoryError } from './io/dicom/node-files.js';
export { createPipeline, createNodeContext, loadNodeVolume, type NodePipelineOptions } from './pipelines/node-context.js';
