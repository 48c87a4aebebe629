/**
 * Node entry: the isomorphic API plus Node-only parts (onnxruntime-node runtime, file-system
 * and sharp loaders, the user model store). Import as `medinfer` or `medinfer/node` in Node.
 *
 * Names are listed by hand; test/api/export-surface.test.ts snapshots them.
 */
// Registers the worker-thread runner of the volume kernels (core/threads/).
import './core/threads/node-slab-pool.js';

// The isomorphic API. The one `export *` of the entries: src/index.ts lists every name by hand,
// and a Node program sees all of it plus the Node-only parts below (no second list to drift).
export * from './index.js';

// Pipelines bound to onnxruntime-node and the file-system loaders.
export { createPipeline, loadNodeVolume, type NodePipelineOptions } from './pipelines/node-context.js';

// Backends: onnxruntime-node on the calling thread, or sessions in a worker thread (services).
export { createNodeBackend } from './runtime/ort-node.js';
export { createThreadedBackend } from './runtime/threaded-backend.js';

// The bundled manifest and the user model store.
export { bundledManifestPath, readManifestFile } from './manifest/node-manifest.js';
export { resolveModelsDir, defaultModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions, type ModelsDirResolution } from './manifest/store/models-dir.js';
export { loadManifestWithStore, type ManifestWithStore, type StoreInfo, type StoreLoadOptions } from './manifest/store/load-with-store.js';
export { addModelToStore, type AddModelOptions, type AddedModel } from './manifest/store/add-model.js';
export { removeModelFromStore } from './manifest/store/remove-model.js';

// Files and folders: any supported image by content (NIfTI, DICOM, PNG / JPEG / TIFF / WebP), DICOM folders.
export {
  readImageFile, readImageBytes, readImageDirectory, scanImageDirectory, detectImageFormat, readRaster, writePng,
  type ImageFileFormat, type ReadImageFileOptions, type ImageDirectoryEntry, type ImageDirectoryResult, type ImageDirectoryScan,
  type ImageDirectoryOptions, type ReadRasterOptions, type RasterPixels,
} from './io/node-read-image.js';
export { listDicomFiles, readDicomDirectory, type DicomDirectoryResult, type DicomDirectoryError, type DicomDirectoryReadOptions } from './io/dicom/node-files.js';
