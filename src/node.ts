/**
 * Node entry: the isomorphic API plus Node-only parts (onnxruntime-node runtime, file-system
 * and sharp loaders, the user model store). Import as `medinfer` or `medinfer/node` in Node.
 *
 * Names are listed by hand; test/api/export-surface.test.ts snapshots them.
 */
// Registers the worker-thread runner of the volume kernels (the runner in postprocess/threads/, the pool in core/threads/).
import './postprocess/threads/node-slab-pool.js';
import './io/dicom/codecs/node-frame-decode-pool.js';

// The isomorphic API (src/index.ts), re-exported name by name: test/api/export-surface.test.ts checks
// that this list and the names of src/index.ts agree (rewrite it with scripts/write-entry-reexports.mjs).
export {
  SDK_VERSION, MedinferError, UsageError, ManifestError, ModelFileError, IntegrityError, DecodeError, UnsupportedError, ProviderError, ShapeError,
  LimitError, InputError, IoError, HttpError, NetworkError, MissingPackageError, isMedinferError, describeError, type ErrorCode, type IoErrorCode,
  type ErrorDetails, VOXEL_TYPES, type VoxelType, type TypedArray, type TypedArrayMap, IDENTITY_DIRECTION, createGeometry, voxelCount,
  affineFromGeometry, geometryFromAffine, indexToWorld, worldToIndex, lpsToRas, rasToLps, flipAffineLpsRas, sameGrid, axisCodes, type Vec3, type Mat3,
  type Mat4, type Geometry, type GeometryInit, createVolume, createVolumeLike, volumeStats, voxelOffset, type Volume, type VolumeMeta,
  type VolumeInit, type VoxelTypeOf, configureKernelThreads, type KernelThreadOptions, createTensor, tensorSize, type ModelTensor,
  type TensorDataType, type TensorDataMap, type TensorMap, TASK_NAMES, MANIFEST_SCHEMA, parseManifest, getModelEntry, getModelFile, labelNames,
  type TaskName, type DatasetEntry, type ModelFile, type StepSpec, type InferenceHints, type InferenceSpec, type CodeSpec, type LabelSpec,
  type DicomWebSeriesRule, type MetricSpec, type ModelEntry, type Manifest, type ManifestLoadOptions, type IoSpec, type TensorSpec,
  EXECUTION_PROVIDERS, parseProviderChoice, createModelSession, openModel, SessionCache, type ExecutionProvider, type ProviderChoice,
  type ProviderReport, type DroppedProvider, type WasmThreadingReport, type RuntimeBackend, type BackendSession, type BackendSessionOptions,
  type ProviderProbe, type ValueMetadata, type ModelSource, type ModelSession, type ModelSessionOptions, type OpenModelOptions, parseLandmarks,
  type ImageInput, type NamedInputs, type Provenance, type RuntimeSettings, type PipelineBase, type PipelineMap, type ImplementedTask,
  type ClassificationPipeline, type ClassificationResult, type ClassificationRunOptions, type OcclusionOptions, type OcclusionMap,
  type SegmentationPipeline, type SegmentationResult, type SegmentationRunOptions, type SegmentationSinkResult, type DetectionPipeline,
  type DetectionResult, type Detection, type Luna16Candidate, type RegistrationPipeline, type RegistrationInput, type RegistrationResult,
  type LandmarkFormat, type TreSummary, type ReportTextPipeline, type ReportTextResult, type ObservationResult, type MentionStatus,
  type PreprocessRecord, type MappedBox, type LabelScore, type LargestSlice, type VolumeSink, type VolumeShell, readNifti, readNiftiSync, writeNifti,
  parseNiftiHeader, type ReadNiftiOptions, type NiftiMeta, type WriteNiftiOptions, type NiftiXformCode, type NiftiHeader, type GunzipFunction,
  readDicom, readDicomSeries, readDicomSeriesParts, groupDicomSeries, summarizeDicomHeader, readDicomTags, listSupportedTransferSyntaxes,
  type DicomReadOptions, type DicomFileInput, type DicomSeriesGroup, type DicomSeriesPartSummary, type ImageComponent, type DicomHeaderSummary,
  type DicomHeaderOptions, type DicomTag, type TransferSyntaxInfo, type PixelCodec, type DicomCodecName, type DicomCodecLoader,
  type DicomCodecLoaders, createDicomWebClient, readDicomWebSeries, retrieveDicomWebSeriesFiles, type DicomWebClient, type DicomWebClientOptions,
  type DicomWebProgress, type QidoQuery, type QidoValue, type RetrieveOptions, type DicomWebSeriesReference, type DicomWebAuth, type HttpOptions,
  type StoreResult, type StoredInstance, type FailedInstance, type StudyResult, type SeriesResult, type InstanceResult, type DicomJsonDataset,
  type DicomJsonValue, type MultipartLimits, describeDicomSource, createDicomSeg, createDicomSr, readDicomSegLabels, createRandomUid, deriveUid,
  DEFAULT_UID_ROOT, DICOM_CODES, localCode, type DicomSourceSeries, type DicomSourceInstance, type SegmentDescription, type CreateDicomSegOptions,
  type CodedConcept, type AlgorithmIdentity, type InstanceUidOptions, type CreateDicomSrOptions, type SrSegmentVolume, type SrDetection,
  type SrDetection2D, type SrDetection3D, type SrClassification, type DicomSegLabels, type DicomSegSegment, toNdarray, volumeFromNdarray,
  tensorFromNdarray, type NdarrayLike, type NdarrayFactory, segmentationToDicom, detectionToDicomSr, classificationToDicomSr, type DicomResultOptions,
} from './index.js';

// Pipelines bound to onnxruntime-node and the file-system loaders.
export { createPipeline, loadNodeVolume, type NodePipelineOptions } from './pipelines/node-context.js';

// Backends: onnxruntime-node on the calling thread, or sessions in a worker thread (services).
export { createNodeBackend } from './runtime/ort-node.js';
export { createThreadedBackend } from './runtime/threaded-backend.js';

// The bundled manifest and the user model store.
export { bundledManifestPath, readManifestFile } from './manifest/node-manifest.js';
export { resolveModelsDir, defaultModelsDir, STORE_MANIFEST_NAME, type ModelsDirOptions, type ModelsDirResolution } from './manifest/store/models-dir.js';
export { loadManifestWithStore, type ManifestWithStore, type StoreInfo, type StoreLoadOptions } from './manifest/store/load-with-store.js';
export { addModelToStore, type AddModelOptions, type AddedModel } from './runtime/model-store/add-model.js';
export { removeModelFromStore } from './manifest/store/remove-model.js';

// A label map written into a .nii / .nii.gz as it is made (SegmentationPipeline.runToSink), atomically.
export { createNiftiFileSink } from './io/nifti/node-nifti-file-sink.js';

// Files and folders: any supported image by content (NIfTI, DICOM, PNG / JPEG / TIFF / WebP), DICOM folders.
export {
  readImageFile, readImageBytes, readImageDirectory, scanImageDirectory, detectImageFormat, readRaster, writePng,
  type ImageFileFormat, type ReadImageFileOptions, type ImageDirectoryEntry, type ImageDirectoryResult, type ImageDirectoryScan,
  type ImageDirectoryOptions, type ReadRasterOptions, type RasterPixels,
} from './io/node-read-image.js';
export {
  listDicomFiles, readDicomDirectory, type DicomDirectoryResult, type DicomDirectoryError, type DicomDirectoryReadOptions,
} from './io/dicom/node-files.js';
